"""The store: an embedded on-disk Oxigraph database used through rdflib (oxrdflib).

Each document's triples live in a named graph called after the document, so
rebuilding a document replaces exactly its facts and removing it keeps facts
another document also supports.  Queries see the union of all graphs.  Writes
of one document are one SPARQL Update, which Oxigraph applies atomically: a
build killed half way leaves every document either fully in or fully out.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef

from graph.rdf.mapping import bind_prefixes
from graph.store.base import Solutions
from graph.store.entities import Descriptions, plan_replace
from graph.vocab import ENTITY_GRAPH, KG, ONTOLOGY_GRAPH, sparql_prefixes

DEFAULT_STORE = Path("kg-store")
#: Documents written between two flushes of Oxigraph's in-memory write buffers to disk: without
#: them a long build's memory grows by about 80 KB per document; with them, by about 14 KB.
FLUSH_EVERY = 100


class StoreError(RuntimeError):
    """A store that cannot be opened or written, with a one-line reason."""


class StoreLockedError(StoreError):
    pass


def _open_ox(location: Path | None, read_only: bool) -> ox.Store:
    if location is None:
        return ox.Store()
    if location.exists() and not location.is_dir():
        raise StoreError(f"{location}: is a file, not a store directory")
    created = not read_only and not location.exists()
    try:
        if read_only:
            if not location.exists() or not any(location.iterdir()):
                raise StoreError(f"{location}: no store here yet (run `kg build` first)")
            return ox.Store.read_only(str(location))
        location.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(location))
    except StoreError:
        raise
    except (OSError, RuntimeError) as exc:  # pyoxigraph raises RuntimeError for RocksDB corruption
        if created:
            shutil.rmtree(location, ignore_errors=True)  # leave no half-made directory behind
        msg = str(exc)
        if "lock" in msg.lower() or "resource temporarily unavailable" in msg.lower():
            raise StoreLockedError(f"{location}: store is locked by another writer (a build is running?)") from None
        if read_only and "column family not found" in msg.lower():
            raise StoreError(f"{location}: store is still being created by another process; try again in a moment") from None
        if "corrupt" in msg.lower():
            raise StoreError(f"{location}: store is damaged or not an Oxigraph store ({msg.splitlines()[0]})") from None
        raise StoreError(f"{location}: cannot open store ({msg.splitlines()[0] if msg else exc.__class__.__name__})") from None


def _nt_term(t) -> str:
    return t.n3()


_ENTITY_NODE = ox.NamedNode(str(ENTITY_GRAPH))
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _quads(ntriples: str, graph: ox.NamedNode) -> list[ox.Quad]:
    """N-Triples text (rdflib's, which writes a multi-line literal in Turtle's long quotes) as quads in ``graph``."""
    if not ntriples.strip():
        return []
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(ntriples.encode("utf-8"), ox.RdfFormat.TURTLE)]


def rdflib_graph(triples: Iterable[tuple]) -> Graph:
    """pyoxigraph triples as an rdflib Graph (for pySHACL and rdflib users)."""
    from oxrdflib._converter import from_ox
    from rdflib.namespace import XSD

    g = bind_prefixes(Graph())
    for s, p, o in triples:
        obj = from_ox(o)
        if isinstance(obj, Literal) and obj.datatype == XSD.string:
            obj = Literal(str(obj))  # RDF 1.1: the same term; rdflib compares them as different
        g.add((from_ox(s), from_ox(p), obj))
    return g


def _rdflib_result(res: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples):
    """A pyoxigraph answer as an rdflib ``Result``, converting each distinct term once.

    Rows of a large answer repeat the same labels, documents and properties many times; going
    through rdflib's ``Dataset.query`` converted every occurrence and cost about 1.4× the query.
    """
    from oxrdflib._converter import from_ox
    from rdflib import Variable
    from rdflib.query import Result

    if isinstance(res, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(res)
        return out
    if isinstance(res, ox.QueryTriples):
        out = Result("CONSTRUCT")
        out.graph = Graph()
        out.graph += (from_ox(t) for t in res)
        return out
    names = [v.value for v in res.variables]
    out = Result("SELECT")
    out.vars = [Variable(n) for n in names]
    seen: dict = {}
    bindings = []
    for sol in res:
        row = {}
        for var, name in zip(out.vars, names, strict=True):
            term = sol[name]
            if term is not None:
                conv = seen.get(term)
                if conv is None:
                    conv = seen[term] = from_ox(term)
                row[var] = conv
        bindings.append(row)
    out.bindings = bindings
    return out


class GraphStore:
    """A dataset of per-document named graphs with a union view for queries.

    Viz and export read it only through :class:`graph.store.base.ReadableStore`
    (``select``, ``construct``, ``dump``, ...), answered here by Oxigraph itself;
    ``ox``, the pyoxigraph store, is this backend's own business.
    """

    def __init__(self, location: str | Path | None = DEFAULT_STORE, read_only: bool = False) -> None:
        self.location = Path(location) if location is not None else None
        self.read_only = read_only
        #: This object made the store directory (it did not exist): see :meth:`close_discarding_if_empty`.
        self.created = self.location is not None and not read_only and not self.location.exists()
        self.ox = _open_ox(self.location, read_only)
        self._writes = 0
        self.dataset = Dataset(store=OxigraphStore(store=self.ox), default_union=True)
        bind_prefixes(self.dataset)

    # -- writing ----------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("store opened read-only")

    def _values_of(self, sparql: str) -> list[str]:
        """The one variable of a SELECT, as strings (the shared-graph planner's query runner)."""
        return [next(iter(sol)).value for sol in self.ox.query(sparql)]

    def replace_document(self, doc_iri: URIRef, graph: Graph | str, entities: str | None = None) -> None:
        """Swap a document's graph (an rdflib Graph or N-Triples text) for a new one in a single transaction.

        ``entities``: N-Triples of the descriptions of the entities it mentions, which go to the shared
        entity graph (:mod:`graph.store.entities`) in the same transaction.  A document the store
        does not hold yet (every document of a first build) has nothing to drop or retract: its quads
        are added in one ``extend``, half the cost of parsing the same data as a SPARQL update.
        """
        self._check_writable()
        body = graph if isinstance(graph, str) else "\n".join(f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} ." for s, p, o in graph)
        node = ox.NamedNode(str(doc_iri))
        if doc_iri != ONTOLOGY_GRAPH and not self.ox.contains_named_graph(node):
            desc = Descriptions.parse(entities)
            shared = desc.lines_to_add(self._described(desc.by_entity))
            self.ox.extend([*_quads(body, node), *_quads("\n".join(shared), _ENTITY_NODE)])
        else:
            ops = [f"DROP SILENT GRAPH <{doc_iri}>", f"INSERT DATA {{ GRAPH <{doc_iri}> {{\n{body}\n}} }}"]
            if doc_iri != ONTOLOGY_GRAPH:
                ops += plan_replace(self._values_of, str(doc_iri), entities)
            self.ox.update(" ;\n".join(ops))
        self._writes += 1
        if self._writes % FLUSH_EVERY == 0:
            self.flush()

    def _described(self, iris) -> set[str]:
        """Which entities the shared graph describes: an index lookup each, no query to plan."""
        return {i for i in iris if next(self.ox.quads_for_pattern(ox.NamedNode(i), _RDF_TYPE, None, _ENTITY_NODE), None)}

    def remove_document(self, doc_iri: URIRef) -> bool:
        """Drop a document's graph, and the descriptions of the entities no other document mentions."""
        self._check_writable()
        node = ox.NamedNode(str(doc_iri))
        if not self.ox.contains_named_graph(node):
            return False
        self.ox.update(" ;\n".join([f"DROP GRAPH <{doc_iri}>", *plan_replace(self._values_of, str(doc_iri), None)]))
        return True

    def load_ontology(self, graph: Graph) -> None:
        """Keep the ontology in its own graph so class hierarchies are queryable."""
        self.replace_document(ONTOLOGY_GRAPH, graph)

    def flush(self) -> None:
        if self.location is not None and not self.read_only:
            self.ox.flush()

    # -- reading ----------------------------------------------------------
    def documents(self) -> dict[URIRef, str]:
        """Document IRI -> content hash, to skip unchanged documents."""
        q = sparql_prefixes() + "SELECT ?d ?h WHERE { GRAPH ?d { ?d kg:contentHash ?h } }"
        return {URIRef(r["d"].value): r["h"].value for r in self.ox.query(q)}

    def document_graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.ox.named_graphs()
                      if isinstance(g, ox.NamedNode) and URIRef(g.value) not in (ONTOLOGY_GRAPH, ENTITY_GRAPH))

    def query(self, sparql: str, bindings: dict[str, object] | None = None):
        """rdflib's query API over Oxigraph (union of all graphs); bindings become an inline VALUES block."""
        if bindings:
            from graph.store.sparql import inject_values

            sparql = inject_values(sparql, bindings)
        return _rdflib_result(self.ox.query(sparql, use_default_graph_as_union=True))

    def update(self, sparql: str) -> None:
        self._check_writable()
        self.ox.update(sparql)

    def select(self, sparql: str) -> Solutions:
        """A SELECT over the union of all graphs, in pyoxigraph terms (see :class:`graph.store.base.ReadableStore`)."""
        res = self.ox.query(sparql, use_default_graph_as_union=True)
        if not isinstance(res, ox.QuerySolutions):
            raise ValueError("not a SELECT query")
        return Solutions.of(res)

    def construct(self, sparql: str) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE over the union of all graphs."""
        res = self.ox.query(sparql, use_default_graph_as_union=True)
        if not isinstance(res, ox.QueryTriples):
            raise ValueError("not a CONSTRUCT or DESCRIBE query")
        return list(res)

    def dump(self, fmt: ox.RdfFormat, *, named_graphs: bool = False, include_ontology: bool = False,
             prefixes: dict[str, str] | None = None) -> bytes:
        """Serialise straight from Oxigraph: nothing is sorted or converted in Python, so export runs at
        pyoxigraph's speed, and Oxigraph's index order is a function of the content alone (deterministic)."""
        if named_graphs:
            onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
            data: Iterable = (q for q in self.ox.quads_for_pattern(None, None, None, None) if include_ontology or q.graph_name != onto)
        else:
            where = "GRAPH ?g { ?s ?p ?o }" if include_ontology else f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ONTOLOGY_GRAPH}>)"
            # No DISTINCT: Oxigraph's CONSTRUCT emits each triple once, and the subquery's DISTINCT
            # cost a quarter of the export on a 10k-document store.
            data = self.ox.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}")
        return ox.serialize(data, None, fmt, prefixes=prefixes)

    def triples(self, include_ontology: bool = False) -> Iterator[tuple]:
        """Distinct triples of the union of document graphs (unordered: callers that write files sort)."""
        seen = set()
        onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
        for q in self.ox.quads_for_pattern(None, None, None, None):
            if not include_ontology and q.graph_name == onto:
                continue
            seen.add((q.subject, q.predicate, q.object))
        return iter(seen)

    def union_graph(self, include_ontology: bool = False) -> Graph:
        return rdflib_graph(self.triples(include_ontology))

    def quads(self, include_ontology: bool = False) -> Iterable:
        for q in self.ox.quads_for_pattern(None, None, None, None):
            if not include_ontology and isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == str(ONTOLOGY_GRAPH):
                continue
            yield q

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """Distinct triples in the union of document graphs (the ontology graph excluded)."""
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ONTOLOGY_GRAPH}>) }} }}"
        return int(next(iter(self.ox.query(q)))["n"].value)

    def _count(self, where: str, what: str = "*") -> int:
        q = sparql_prefixes() + f"SELECT (COUNT({what}) AS ?n) WHERE {{ {where} }}"
        return int(next(iter(self.ox.query(q, use_default_graph_as_union=True)))["n"].value)

    def stats(self) -> dict[str, int]:
        return {
            "documents": self._count("?d a kg:NewsArticle", "DISTINCT ?d"),
            "entities": self._count("?e kg:mentionCount ?c", "DISTINCT ?e"),
            "relations": self._count("SELECT DISTINCT ?s ?p ?o WHERE { ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }"),
            "evidence": self._count("?st a rdf:Statement", "DISTINCT ?st"),
            "measurements": self._count("?m a kg:Measurement", "DISTINCT ?m"),
            "triples": self.count(),
        }

    def close(self) -> None:
        if getattr(self, "ox", None) is None:
            return
        self.flush()
        with contextlib.suppress(Exception):  # closing is best effort
            self.dataset.close()
        # pyoxigraph releases the store, and its RocksDB lock, only when the last reference goes.
        self.dataset = None
        self.ox = None

    def close_discarding_if_empty(self) -> bool:
        """Close; if this object created the store directory and no document was written, remove it.

        A build that fails before storing anything (bad inputs only, missing ontology data…) then
        leaves no empty store behind for later commands to mistake for a built one.
        """
        discard = self.created and getattr(self, "ox", None) is not None and not self.document_graphs()
        self.close()
        if discard and self.location is not None:
            shutil.rmtree(self.location, ignore_errors=True)
        return discard

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["DEFAULT_STORE", "GraphStore", "KG", "Literal", "StoreError", "StoreLockedError"]
