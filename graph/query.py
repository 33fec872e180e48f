"""SPARQL over the store: named queries from ``ontology/queries``, bindings, safe defaults.

A query argument may be SPARQL text, a ``.rq`` file, or the name of a query
in the library, so notebook users and the CLI share one vocabulary of
questions ("relations-of", "evidence", "partners").
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef

from .vocab import ONTOLOGY_DIR, PREFIXES, sparql_prefixes

QUERY_DIR = ONTOLOGY_DIR / "queries"
_UPDATE = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I | re.M)
_SERVICE = re.compile(r"\bSERVICE\b", re.I)


class QueryError(ValueError):
    """A query that cannot run, with a one-line reason (and line/column for syntax errors)."""


def named_queries(directory: Path = QUERY_DIR) -> dict[str, Path]:
    return {p.stem: p for p in sorted(directory.glob("*.rq"))}


def describe_named(directory: Path = QUERY_DIR) -> list[tuple[str, str]]:
    """(name, first comment line) for each named query, for help and error messages."""
    out = []
    for name, path in named_queries(directory).items():
        first = next((ln.lstrip("# ").strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")), "")
        out.append((name, first))
    return out


def resolve(query: str) -> str:
    """SPARQL text for a name, a file path or literal SPARQL."""
    q = query.strip()
    names = named_queries()
    if q in names:
        return names[q].read_text(encoding="utf-8")
    if q.endswith(".rq") or (len(q) < 300 and "\n" not in q and Path(q).suffix in (".rq", ".sparql")):
        p = Path(q)
        if not p.exists():
            raise QueryError(f"{q}: no such query file")
        return p.read_text(encoding="utf-8")
    if re.fullmatch(r"[\w\-]+", q):
        known = ", ".join(names) or "(none)"
        raise QueryError(f"unknown named query '{q}'. Known queries: {known}")
    return q


def with_prefixes(sparql: str) -> str:
    """Add the project's prefixes that the query uses but does not declare."""
    declared = {m.group(1) for m in re.finditer(r"PREFIX\s+([\w\-]*):", sparql, re.I)}
    missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared and re.search(rf"\b{p}:", sparql))
    return missing + sparql


def is_update(sparql: str) -> bool:
    body = re.sub(r"#.*$", "", sparql, flags=re.M)
    body = re.sub(r"PREFIX\s+[\w\-]*:\s*<[^>]*>", "", body, flags=re.I)
    body = re.sub(r"BASE\s*<[^>]*>", "", body, flags=re.I)
    return bool(_UPDATE.search(body))


def uses_service(sparql: str) -> bool:
    body = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'|#.*$', "", sparql, flags=re.M)
    return bool(_SERVICE.search(body))


def parse_binding(text: str) -> tuple[str, URIRef | Literal]:
    """'VAR=VALUE': IRIs in <>, prefixed names and http(s) IRIs become IRIs, anything else a string."""
    if "=" not in text:
        raise QueryError(f"--bind {text!r}: expected VAR=VALUE")
    var, value = text.split("=", 1)
    var = var.strip().lstrip("?$")
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return var, URIRef(value[1:-1])
    if re.match(r"https?://", value):
        return var, URIRef(value)
    m = re.fullmatch(r"([\w\-]+):([^\s]*)", value)
    if m and m.group(1) in PREFIXES:
        return var, URIRef(str(PREFIXES[m.group(1)]) + m.group(2))
    if re.fullmatch(r"-?\d+", value):
        return var, Literal(int(value))
    return var, Literal(value)


def inject_values(sparql: str, bindings: dict[str, object]) -> str:
    """Bind variables by a VALUES block opening the WHERE clause, so FILTERs inside it see the values."""
    from rdflib.term import Node

    terms = " ".join(v.n3() if isinstance(v, Node) else Literal(v).n3() for v in bindings.values())
    names = " ".join(f"?{k.lstrip('?$')}" for k in bindings)
    block = f" VALUES ({names}) {{ ({terms}) }} "
    m = re.search(r"\bWHERE\s*\{", sparql, re.I)
    if m is None:
        m = re.search(r"\b(ASK|SELECT[^{]*)\{", sparql, re.I)
    if m is None:
        raise QueryError("cannot bind variables: the query has no WHERE clause")
    return sparql[: m.end()] + block + sparql[m.end() :]


def syntax_error_message(exc: Exception, sparql: str, line_offset: int = 0) -> str:
    """``line_offset``: lines added before the user's text (PREFIX declarations)."""
    msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    m = re.search(r"(\d+):(\d+)", msg)
    if m:
        line = max(1, int(m.group(1)) - line_offset)
        detail = re.sub(r"^error at \d+:\d+:\s*", "", msg)
        return f"SPARQL syntax error at line {line}, column {m.group(2)}: {detail}"
    return f"SPARQL syntax error: {msg}"


__all__ = ["QueryError", "describe_named", "is_update", "named_queries", "parse_binding", "resolve", "sparql_prefixes", "with_prefixes"]
