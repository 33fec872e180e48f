"""What a SPARQL text is, found without running it: its form and the features that reach outside.

One classifier for every caller: the API and the CLI ask whether a text is an update and whether it
federates (``SERVICE``); ``kg serve`` also refuses ``LOAD`` and ``file:`` IRIs; the syntax check
picks the parser by the form.  Keywords are looked for in the text with strings, IRIs and comments
removed, after SPARQL's ``\\uXXXX`` escapes are decoded, so a keyword inside a string or an IRI does
not count and an escaped one does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The four query forms of SPARQL 1.1 Query.
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: The query forms whose answer is a graph, not results.
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
#: The words an operation of SPARQL 1.1 Update can start with.
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Strings (long forms first), IRIs (IRIREF has no spaces, so '<' as less-than is not one), comments.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r"|#[^\n\r]*",
    re.S,
)
# What is left: variables, prefixed names / blank nodes, language tags, words, numbers, punctuation.
_TOKEN = re.compile(
    r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+"
    r"|(?P<pname>[\w\-.]*:[\w\-.:%\\\u00B7\u0300-\u036F\u203F-\u2040]*)"
    r"|@[A-Za-z0-9\-]+"
    r"|(?P<word>\w+)"
    r"|\S"
)


@dataclass(frozen=True)
class Inspection:
    """The form of a SPARQL text and the features of it that would reach outside the store."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE, or the first word when it is none of these
    uses_service: bool
    uses_load: bool
    file_iris: tuple[str, ...]

    @property
    def is_update(self) -> bool:
        return self.form == "UPDATE"

    @property
    def is_query(self) -> bool:
        return self.form in QUERY_FORMS


def unescape_codepoints(text: str) -> str:
    """SPARQL decodes ``\\uXXXX`` escapes before parsing, so checks must look at the decoded text."""
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def inspect_sparql(text: str) -> Inspection:
    """Query form and dangerous features of SPARQL text, conservatively.

    A word or a prefixed name's prefix that merely *contains* ``SERVICE`` or ``LOAD`` counts
    (Oxigraph's parser needs no space after a keyword), so the check can refuse an odd query but
    not miss a federated one.
    """
    decoded = unescape_codepoints(text)
    files: list[str] = []

    def blank(m: re.Match[str]) -> str:
        iri = m.group("iri")
        if iri is not None and iri[1:].lower().startswith("file:"):
            files.append(iri[1:-1])
        return " "

    rest = _OPAQUE.sub(blank, decoded)
    service = load = False
    form = ""
    for m in _TOKEN.finditer(rest):
        word = m.group("word")
        pname = m.group("pname")
        part = word if word is not None else pname.split(":", 1)[0] if pname is not None else ""
        upper = part.upper()
        service = service or "SERVICE" in upper
        load = load or "LOAD" in upper
        if not form and word is not None and upper not in ("PREFIX", "BASE"):  # the prologue is skipped
            form = upper if upper in QUERY_FORMS else "UPDATE" if upper in UPDATE_WORDS else upper
    return Inspection(form, service, load, tuple(files))


def is_update(sparql: str) -> bool:
    """True for SPARQL Update (INSERT, DELETE, DROP …), which changes the store."""
    return inspect_sparql(sparql).is_update


def uses_service(sparql: str) -> bool:
    """True when the text federates (``SERVICE``): the engine would make HTTP requests."""
    return inspect_sparql(sparql).uses_service


__all__ = ["GRAPH_FORMS", "QUERY_FORMS", "UPDATE_WORDS", "Inspection", "inspect_sparql", "is_update",
           "unescape_codepoints", "uses_service"]
