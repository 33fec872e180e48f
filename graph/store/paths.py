"""Class and property hierarchies spelt out, for servers whose property paths cannot be trusted.

The named queries climb the ontology with ``?t rdfs:subClassOf* kg:Event`` and
``?p rdfs:subPropertyOf* kg:partnerOf``.  Virtuoso 7.2 answers such a path by
its own plan: joined with other patterns it returns one row per path instead
of one per class (sums come out doubled), or no row at all, and which of these
happens changes with the plan, for instance once graph permissions are set.
A path with one fixed end names a set of classes (or properties) that the
store's own ``rdfs:subClassOf`` triples determine, so :func:`expand_paths`
replaces it by ``VALUES ?t { … }`` listing that set, which every server joins
alike.  A path between two variables is left to the server: its zero-length
pairs range over every node of the dataset, which no list can hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from graph.store.syntax import mask  # the one masking of strings, IRIs and comments

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: The hierarchies a path may climb: (short form in queries, full IRI).
HIERARCHIES = (("rdfs:subClassOf", RDFS + "subClassOf"), ("rdfs:subPropertyOf", RDFS + "subPropertyOf"))

_TERM = r"\?\w+|<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*"
# `S rdfs:subClassOf* O` ending its triples block (a "." or a "}"), so no ";" or "," continues it.
_PATH = re.compile(rf"(?P<s>{_TERM})\s+(?P<p>rdfs:subClassOf|rdfs:subPropertyOf)\*\s+(?P<o>{_TERM})(?=\s*[.}}])")
_PREFIX = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^<>\s]*)>", re.I)

#: (subject, object) pairs of one hierarchy's direct links.
Links = Callable[[str], Iterable[tuple[str, str]]]


def closure(links: Iterable[tuple[str, str]], start: str, upwards: bool) -> list[str]:
    """``start`` and everything above it (``upwards``) or below it, following ``links`` (child, parent)."""
    step: dict[str, set[str]] = {}
    for child, parent in links:
        a, b = (child, parent) if upwards else (parent, child)
        step.setdefault(a, set()).add(b)
    seen, todo = {start}, [start]
    while todo:
        for nxt in step.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return sorted(seen)


def expand_paths(sparql: str, links: Links) -> str:
    """``sparql`` with each hierarchy path that has one fixed end replaced by ``VALUES`` of its nodes."""
    visible = mask(sparql)  # paths inside strings, IRIs or comments are not paths
    prefixes = {p: iri for p, iri in _PREFIX.findall(sparql)}
    full = dict(HIERARCHIES)

    def iri(term: str) -> str | None:
        if term.startswith("<"):
            return term[1:-1]
        prefix, _, local = term.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else None

    out: list[str] = []
    last = 0
    for m in _PATH.finditer(sparql):
        s, o = m["s"], m["o"]
        if visible[m.start("p")] == " " or (s[0] == "?") == (o[0] == "?"):
            continue
        var, fixed = (s, o) if s[0] == "?" else (o, s)
        start = iri(fixed)
        if start is None:
            continue
        nodes = closure(links(full[m["p"]]), start, upwards=var == o)
        out.append(sparql[last : m.start()] + f"VALUES {var} {{ " + " ".join(f"<{n}>" for n in nodes) + " }")
        last = m.end()
    return "".join(out) + sparql[last:] if out else sparql


__all__ = ["HIERARCHIES", "Links", "closure", "expand_paths"]
