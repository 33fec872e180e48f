"""The read interface every store backend offers, so viz and export never touch a backend's internals.

Like rdflib's Store plugins, there is one interface and several backends: the
embedded Oxigraph store (:class:`graph.store.local.GraphStore`) answers it
natively, a SPARQL endpoint (:class:`graph.store.remote.RemoteStore`) over
HTTP.  Answers are pyoxigraph terms whatever the backend, because the
viewer needs a literal's exact lexical form, language and datatype (rdflib
would normalise ``"01"^^xsd:integer`` to ``"1"``) and the exporters hand
the terms straight to pyoxigraph's serialisers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

import pyoxigraph as ox

#: An RDF term as pyoxigraph gives it (a quoted triple only in RDF-star data).
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Solutions:
    """The answer to a SELECT: variable names, and one row per solution with every variable a key.

    An unbound variable maps to None, so callers index rows without guarding
    against missing keys, and ``variables`` survives an empty answer.
    """

    variables: tuple[str, ...]
    rows: list[dict[str, Term | None]]

    @classmethod
    def of(cls, solutions: ox.QuerySolutions) -> Solutions:
        names = tuple(v.value for v in solutions.variables)
        return cls(names, [{n: sol[n] for n in names} for sol in solutions])


@runtime_checkable
class ReadableStore(Protocol):
    """What :mod:`graph.viz` and :mod:`graph.export` may ask of a store.

    Queries see the union of all document graphs as their default graph (and
    can name a graph with ``GRAPH ?g``).  A query the backend cannot parse
    raises :class:`SyntaxError`, as pyoxigraph does; one of the wrong form
    (an ASK given to ``select``) raises :class:`ValueError`.
    """

    def select(self, sparql: str) -> Solutions:
        """The rows of a SELECT query."""
        ...

    def construct(self, sparql: str) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query."""
        ...

    def triples(self, include_ontology: bool = False) -> Iterable[tuple[Term, Term, Term]]:
        """Distinct triples of the union of document graphs."""
        ...

    def quads(self, include_ontology: bool = False) -> Iterable[ox.Quad]:
        """Every quad of the document graphs (the ontology graph only if asked)."""
        ...

    def dump(self, fmt: ox.RdfFormat, *, named_graphs: bool = False, include_ontology: bool = False,
             prefixes: dict[str, str] | None = None) -> bytes:
        """The store serialised in ``fmt``, in an order that depends on the content alone.

        ``named_graphs`` keeps each document's graph (N-Quads, TriG); otherwise
        the distinct triples of the union are written.
        """
        ...

    def __len__(self) -> int:
        """Distinct triples in the union of document graphs (the ontology graph excluded)."""
        ...


__all__ = ["ReadableStore", "Solutions", "Term"]
