"""Readable SPARQL syntax errors, from the engine that will run the query.

Oxigraph's and rdflib's parsers report the furthest point any grammar alternative reached and the
tokens that rule could take there, which names grammar internals (``expected CONSTRUCT`` for a
misspelt SELECT).  :func:`check_syntax` parses the text as the store would and words the first
problem a person can act on, with its line and column in the user's own text.
"""

from __future__ import annotations

import re

from graph.store.classify import QUERY_FORMS, UPDATE_WORDS, inspect_sparql, is_update

# One item of a PEG parser's "expected one of …" list: a quoted token, a character class, or a name.
_EXPECTED_ITEM = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\["]+)\s*,?""", re.S)
_INTERNAL = {"Prefix not found": "a declared prefix", "IRI parsing failed": "a valid IRI"}


def mask(sparql: str) -> str:
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
    masked = mask(sparql)

    def at(pos: int) -> str:
        line, col = _line_col(sparql, pos)
        return f"SPARQL syntax error at line {max(1, line - line_offset)}, column {col}"

    body = re.sub(r"(?is)^\s*(?:(?:PREFIX\s+[\w\-.]*:|BASE)\s*)*", "", masked)
    prologue = len(masked) - len(body)
    first = re.match(r"\s*([A-Za-z_]\w*)", body)
    if first and first.group(1).upper() not in QUERY_FORMS + UPDATE_WORDS:
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


def check_syntax(sparql: str, line_offset: int = 0) -> str | None:
    """The readable message for a syntax error in ``sparql``, or ``None`` if it parses.

    The text is parsed by Oxigraph against an empty in-memory store: a query is parsed and not
    evaluated (results are lazy); an update is applied to that throwaway store, except one that
    would fetch a URL (``LOAD``, ``SERVICE``), which rdflib's parser reads instead.
    """
    import pyoxigraph as ox
    from rdflib.plugins.sparql import prepareUpdate

    info = inspect_sparql(sparql)
    try:
        if not info.is_update:
            ox.Store().query(sparql)
        elif info.uses_load or info.uses_service:
            prepareUpdate(sparql)
        else:
            ox.Store().update(sparql)
    except SyntaxError as exc:
        return syntax_error_message(exc, sparql, line_offset)
    except Exception as exc:  # noqa: BLE001 - rdflib raises pyparsing errors
        if "ParseException" in exc.__class__.__name__ or "Expected" in str(exc):
            return syntax_error_message(exc, sparql, line_offset)
    return None


__all__ = ["check_syntax", "syntax_error_message"]
