"""SPARQL over the store: named queries from ``ontology/queries``, bindings, safe defaults.

A query argument may be SPARQL text, a ``.rq`` file, or the name of a query
in the library, so notebook users and the CLI share one vocabulary of
questions ("relations-of", "evidence", "partners").
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef

from graph.vocab import ONTOLOGY_DIR, PREFIXES, sparql_prefixes

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


_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
# One item of a PEG parser's "expected one of …" list: a quoted token, a character class, or a name.
_EXPECTED_ITEM = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\["]+)\s*,?""", re.S)
_INTERNAL = {"Prefix not found": "a declared prefix", "IRI parsing failed": "a valid IRI"}


def _mask(sparql: str) -> str:
    """The text with comments, strings and IRIs blanked (same length), to find keywords and braces."""
    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
                  blank, sparql)


def _position(text: str, line: int, column: int) -> int:
    """0-based offset of a 1-based (line, column)."""
    lines = text.split("\n")
    line = min(max(1, line), len(lines))
    return sum(len(x) + 1 for x in lines[: line - 1]) + min(max(0, column - 1), len(lines[line - 1]))


def _line_col(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _near(text: str, pos: int) -> str:
    m = re.compile(r"\S+").search(text, pos)
    if m is None or m.start() - pos > 20:
        return ""
    word = m.group(0)
    return word if len(word) <= 24 else word[:24] + "…"


def _expected(detail: str) -> list[str]:
    """The tokens a PEG 'expected' list names, without character classes and internal rule names."""
    detail = re.sub(r"^expected (one of )?", "", detail.strip())
    items: list[str] = []
    for m in _EXPECTED_ITEM.finditer(detail):
        item = m.group(1).strip()
        if not item or item.startswith("[") or item in ("{|", '"{|"', '"~"', "~"):
            continue  # character classes, and RDF 1.2 annotation syntax nobody types by mistake
        items.append(_INTERNAL.get(item, item))
    return list(dict.fromkeys(items))


_KEYWORD_TEXT = """
    SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY HAVING ORDER ASC DESC LIMIT
    OFFSET VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND MINUS UNION FILTER A TRUE FALSE NOT IN EXISTS LATERAL
    PREFIX BASE INSERT DELETE DATA LOAD CLEAR DROP CREATE ADD MOVE COPY WITH INTO TO USING DEFAULT ALL
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE
    ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE
    TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
    ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
    LANGDIR STRLANGDIR HASLANG HASLANGDIR ISTRIPLE TRIPLE SUBJECT PREDICATE OBJECT ADJUST
"""
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())
_OPEN = {"}": "{", ")": "("}


def _balance(masked: str) -> tuple[str, int] | None:
    """The first bracket that does not match ({ } and ( )), as (problem, offset), or ``None``."""
    stack: list[tuple[str, int]] = []
    for i, c in enumerate(masked):
        if c in "{(":
            stack.append((c, i))
        elif c in "})":
            if stack and stack[-1][0] == _OPEN[c]:
                stack.pop()
            elif stack:
                return f"'{stack[-1][0]}' is closed by '{c}'", i
            else:
                return f"'{c}' without a matching '{_OPEN[c]}'", i
    if stack:
        c, i = stack[-1]
        return f"'{c}' is never closed", i
    return None


def _unknown_word(masked: str, start: int) -> tuple[str, int] | None:
    """The first bare word after the prologue that is no SPARQL keyword (a misspelt LIMIT, FILTER …)."""
    for m in re.finditer(r"(?<![\w?$:@.\-])([A-Za-z_][\w\-]*)(?![\w\-]*:)", masked[start:]):
        if m.group(1).upper() not in _KEYWORDS and not m.group(1).startswith("_"):
            return m.group(1), start + m.start(1)
    return None


def _rdflib_error_offset(sparql: str) -> int | None:
    """Where rdflib's SPARQL parser gives up on the text, or ``None`` if it parses it."""
    from rdflib.plugins.sparql import prepareQuery, prepareUpdate

    try:
        (prepareUpdate if is_update(sparql) else prepareQuery)(sparql)
    except Exception as exc:  # noqa: BLE001 - pyparsing's ParseException, or an algebra error
        loc = getattr(exc, "loc", None)
        return loc if isinstance(loc, int) and 0 <= loc <= len(sparql) else None
    return None


def syntax_error_message(exc: Exception, sparql: str, line_offset: int = 0) -> str:
    """One line a person can act on, from Oxigraph's (or rdflib's) parser error.

    ``line_offset``: lines added before the user's text (PREFIX declarations).  The parsers' own
    messages list grammar internals (character classes, the last alternative tried: ``expected
    CONSTRUCT`` for a misspelt SELECT) at the furthest point any alternative reached.  This names,
    in order: a misspelt query form, an unbalanced bracket, an undeclared prefix, an unknown word,
    and only then the parser's position and the tokens it could take there.
    """
    msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    detail = re.sub(r"^error at \d+:\d+:\s*", "", str(exc).strip())
    masked = _mask(sparql)

    def at(pos: int) -> str:
        line, col = _line_col(sparql, pos)
        return f"SPARQL syntax error at line {max(1, line - line_offset)}, column {col}"

    body = re.sub(r"(?is)^\s*(?:(?:PREFIX\s+[\w\-.]*:|BASE)\s*)*", "", masked)
    prologue = len(masked) - len(body)
    first = re.match(r"\s*([A-Za-z_]\w*)", body)
    if first and first.group(1).upper() not in _QUERY_FORMS + _UPDATE_WORDS:
        return (f"{at(prologue + first.start(1))}: '{first.group(1)}' is not a query form: expected SELECT, ASK, "
                f"CONSTRUCT or DESCRIBE (or INSERT, DELETE … with --update)")
    if not body.strip():
        return f"{at(len(sparql))}: the query is empty"
    m = re.search(r"(\d+):(\d+)", msg) or re.search(r"line:(\d+), col:(\d+)", msg)
    pos = _position(sparql, int(m.group(1)), int(m.group(2))) if m else None
    if pos is not None and "IRI parsing failed" in detail:
        iri = sparql.rfind("<", 0, pos)
        if iri >= 0:
            return f"{at(iri)}: invalid IRI {sparql[iri:pos].strip()[:60]}"
    quote = re.search(r"[\"']", masked)
    if quote:
        return f"{at(quote.start())}: this string is never closed"
    unbalanced = _balance(masked)
    if unbalanced:
        problem, pos = unbalanced
        return f"{at(pos)}: {problem}"
    declared = {m.group(1) for m in re.finditer(r"PREFIX\s+([\w\-.]*):", masked, re.I)}
    for m in re.finditer(r"(?<![\w?$:@\-])([A-Za-z][\w\-.]*)?:(?=[\w%\\]|\s|$)", masked[prologue:]):
        if (m.group(1) or "") not in declared:
            return f"{at(prologue + m.start())}: prefix '{m.group(1) or ''}:' is not declared (add a PREFIX line)"
    unknown = _unknown_word(masked, prologue)
    if unknown:
        word, pos = unknown
        return f"{at(pos)}: unknown word '{word}' (a misspelt keyword or function?)"
    if pos is None:
        return f"SPARQL syntax error: {msg}"
    # Oxigraph reports the furthest point any alternative reached, often the end of the text;
    # rdflib's parser stops at the start of the clause that fails: quote that instead.
    earlier = _rdflib_error_offset(sparql)
    if earlier is not None and prologue < earlier < pos:  # (at the first keyword it says nothing)
        snippet = sparql[earlier:].split("\n", 1)[0].strip()
        snippet = snippet if len(snippet) <= 40 else snippet[:40] + "…"
        return f"{at(earlier)}: cannot parse '{snippet}'"
    if not sparql[pos:].strip():
        head = f"{at(pos)}: unexpected end of the query"
    else:
        near = _near(sparql, pos)
        head = f"{at(pos)}: unexpected '{near}'" if near else f"{at(pos)}: unexpected text"
    if "Expected" in msg and "found" in msg:  # rdflib (pyparsing): its list is of no use to a reader
        return head
    tokens = _expected(detail)
    if tokens and len(tokens) <= 6:  # a long list is the grammar's, not an answer
        head += f"; expected {'one of ' if len(tokens) > 1 else ''}{', '.join(tokens)}"
    return head


__all__ = ["QueryError", "describe_named", "is_update", "named_queries", "parse_binding", "resolve", "sparql_prefixes", "with_prefixes"]
