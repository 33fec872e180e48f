"""The shared entity graph: one copy of each entity's description, whatever the number of documents.

An entity's type, labels and identifiers are the same whichever document
mentions it, so they live once, in :data:`graph.vocab.ENTITY_GRAPH`.  A
document graph holds only what the document says (its mentions, mention
count, asserted relations and their evidence).  Storing descriptions per
document made every label join grow with the square of the number of
documents that mention an entity, and made named queries repeat rows.

Both backends write through the same three steps, expressed in SPARQL so a
remote endpoint and the embedded store behave alike:

1. ask which of the document's entities are already described;
2. add the descriptions of the new ones (the first document to describe an
   entity decides its type and labels; alternative labels accumulate, as a
   set), in the same update request that replaces the document's graph;
3. when a document is replaced or removed, first delete the descriptions of
   the entities no other document mentions, so removing a document retracts
   exactly what only that document supported, and rebuilding it describes
   them afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.vocab import ENTITY_GRAPH, KG

#: A SELECT runner: SPARQL text to the values of its one variable, as strings.
Select = Callable[[str], Iterable[str]]

_ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
_VALUES_CHUNK = 500


@dataclass(frozen=True)
class Descriptions:
    """N-Triples lines of entity descriptions, grouped by entity IRI (without angle brackets)."""

    by_entity: dict[str, list[str]]

    @classmethod
    def parse(cls, ntriples: str | None) -> Descriptions:
        groups: dict[str, list[str]] = {}
        for line in (ntriples or "").splitlines():
            line = line.strip()
            if not line.startswith("<"):
                continue
            subject = line[1 : line.index(">")]
            groups.setdefault(subject, []).append(line)
        return cls(groups)

    def lines_to_add(self, described: set[str]) -> list[str]:
        """Whole descriptions of new entities; only the alternative labels of described ones."""
        out: list[str] = []
        for iri, lines in self.by_entity.items():
            out.extend(lines if iri not in described else (ln for ln in lines if f" {_ALT_LABEL} " in ln))
        return out


def _values(iris: Iterable[str]) -> list[str]:
    ordered = sorted(set(iris))
    return [" ".join(f"<{i}>" for i in ordered[k : k + _VALUES_CHUNK]) for k in range(0, len(ordered), _VALUES_CHUNK)]


def described(select: Select, iris: Iterable[str]) -> set[str]:
    """Which of ``iris`` the shared graph already describes."""
    found: set[str] = set()
    for block in _values(iris):
        found.update(select(f"SELECT DISTINCT ?e WHERE {{ VALUES ?e {{ {block} }} GRAPH <{ENTITY_GRAPH}> {{ ?e a ?t }} }}"))
    return found


def sole_mentions(select: Select, doc_iri: str) -> set[str]:
    """The entities that a stored document graph alone mentions: their descriptions go with it."""
    return set(select(
        f"SELECT DISTINCT ?e WHERE {{ GRAPH <{doc_iri}> {{ ?m <{KG.refersTo}> ?e }} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?n <{KG.refersTo}> ?e }} FILTER(?g != <{doc_iri}>) }} }}"
    ))


def insert_ops(lines: list[str], chunk: int = 5000) -> list[str]:
    """INSERT DATA operations into the shared graph, at most ``chunk`` triples each."""
    return [f"INSERT DATA {{ GRAPH <{ENTITY_GRAPH}> {{\n" + "\n".join(lines[k : k + chunk]) + "\n} }"
            for k in range(0, len(lines), chunk)]


def delete_ops(iris: Iterable[str]) -> list[str]:
    """Delete the whole descriptions of ``iris`` from the shared graph."""
    return [f"DELETE {{ GRAPH <{ENTITY_GRAPH}> {{ ?e ?p ?o }} }} WHERE {{ VALUES ?e {{ {block} }} GRAPH <{ENTITY_GRAPH}> {{ ?e ?p ?o }} }}"
            for block in _values(iris)]


def plan_replace(select: Select, doc_iri: str, entities: str | None, chunk: int = 5000) -> list[str]:
    """The shared-graph operations that go with replacing (or, with no ``entities``, removing) a document.

    They follow the document's own DROP/INSERT in the same update request.  Entities only this
    document mentioned lose their description first, so a rebuilt document describes them afresh
    and a removed one takes them along; entities other documents also mention keep theirs.
    """
    desc = Descriptions.parse(entities)
    sole = sole_mentions(select, doc_iri)
    known = described(select, desc.by_entity) - sole
    return delete_ops(sole) + insert_ops(desc.lines_to_add(known), chunk)


__all__ = ["Descriptions", "delete_ops", "described", "insert_ops", "plan_replace", "sole_mentions"]
