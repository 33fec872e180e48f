"""The SPARQL layer the API, the CLI and ``kg serve`` share: from a query argument to checked SPARQL.

A query argument may be SPARQL text, a ``.rq`` file, or the name of a query in the library
(``ontology/queries``), so notebook users, the CLI and the workbench share one vocabulary of
questions ("relations-of", "evidence", "partners").  :func:`prepare` turns one into SPARQL that
declares the project's prefixes it uses, has been parsed (a readable message if it does not), and
is classified (:mod:`.classify`), before any store is opened.  The rest of the layer:
:mod:`.syntax` (parser messages), :mod:`.formats` (result media types and writers) and
:mod:`.timeout` (running a query in a process that is killed after a time limit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from graph.store.classify import Inspection, inspect_sparql, is_update, uses_service
from graph.store.syntax import check_syntax
from graph.vocab import ONTOLOGY_DIR, PREFIXES, sparql_prefixes

QUERY_DIR = ONTOLOGY_DIR / "queries"
#: The project's prefixes as plain strings, for engines that take default prefixes (Oxigraph).
PREFIX_MAP: dict[str, str] = {p: str(ns) for p, ns in PREFIXES.items()}


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


@dataclass(frozen=True)
class Prepared:
    """A query argument made ready to run: checked, classified, its bindings parsed."""

    text: str  # the SPARQL as the user wrote it (a named query's or a file's text)
    sparql: str  # ``text`` with the project's prefixes it uses declared
    info: Inspection
    bindings: dict[str, object] = field(default_factory=dict)

    @property
    def form(self) -> str:
        return self.info.form

    @property
    def is_update(self) -> bool:
        return self.info.is_update


def prepare(query: str, bindings: Mapping[str, object] | Iterable[str] | None = None) -> Prepared:
    """Resolve ``query``, declare the prefixes it uses, parse ``VAR=VALUE`` bindings, check the syntax.

    Raises :class:`QueryError` (an unknown name, a missing file, a bad binding, a syntax error
    located in the user's own lines), in that order, without touching a store.
    """
    text = resolve(query)
    sparql = with_prefixes(text)
    if bindings is None:
        parsed: dict[str, object] = {}
    elif isinstance(bindings, Mapping):
        parsed = dict(bindings)
    else:
        parsed = dict(parse_binding(b) for b in bindings)
    message = check_syntax(sparql, line_offset=sparql.count("\n") - text.count("\n"))
    if message is not None:
        raise QueryError(message)
    return Prepared(text, sparql, inspect_sparql(sparql), parsed)


__all__ = ["PREFIX_MAP", "Inspection", "Prepared", "QueryError", "describe_named", "inject_values", "inspect_sparql",
           "is_update", "named_queries", "parse_binding", "prepare", "resolve", "sparql_prefixes", "uses_service",
           "with_prefixes"]
