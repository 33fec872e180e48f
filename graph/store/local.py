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

from graph.rdf.mapping import bind_prefixes, ntriples_lines
from graph.store.base import Solutions
from graph.store.entities import Descriptions, plan_replace
from graph.store.union import distinct_parts, graph_dumps, union_ntriples, union_triples
from graph.store.writer import Writer
from graph.vocab import ENTITY_GRAPH, KG, ONTOLOGY_GRAPH, sparql_prefixes

DEFAULT_STORE = Path("kg-store")
#: Updates (documents replaced or removed) between two flushes of Oxigraph's in-memory write buffers
#: to disk: without them a long rebuild's memory grows by about 80 KB per document; with them, by about
#: 14 KB.  New documents go through the bulk loader (:mod:`graph.store.writer`), which has no such buffer.
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


_ENTITY_NODE = ox.NamedNode(str(ENTITY_GRAPH))
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_TYPE_MARK = " <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
#: Entity IRIs remembered as described in the shared graph, at most; past it the memory starts afresh.
DESCRIBED_CACHE = 200_000


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def _trig(doc_iri: str, body: str, shared: list[str]) -> bytes:
    """A new document and what it adds to the shared graph as TriG, for the writer's batches: parsed by
    Oxigraph without a Python object per term, and always together.  Turtle syntax inside the blocks
    also reads rdflib's N-Triples, which puts a multi-line literal in long quotes."""
    text = f"<{doc_iri}> {{\n{body}\n}}\n"
    if shared:
        text += f"<{ENTITY_GRAPH}> {{\n" + "\n".join(shared) + "\n}\n"
    return text.encode("utf-8")


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
        self._ox: ox.Store | None = _open_ox(self.location, read_only)
        self._writer = Writer(self._ox, bulk=self.location is not None)
        self._updates = 0
        #: Entities known to be described in the shared graph, those of queued documents included.
        self._known: set[str] = set()
        self._dataset: Dataset | None = Dataset(store=OxigraphStore(store=self._ox), default_union=True)
        bind_prefixes(self._dataset)

    @property
    def ox(self) -> ox.Store:
        """The pyoxigraph store, once every document handed to the writer is in it."""
        self._sync()
        return self._ox  # type: ignore[return-value]

    @property
    def dataset(self) -> Dataset | None:
        self._sync()
        return self._dataset

    def _sync(self) -> None:
        try:
            self._writer.drain()
        except Exception as exc:  # noqa: BLE001 - pyoxigraph's errors become one line
            raise self._write_failed(exc) from None

    def _write_failed(self, exc: BaseException) -> StoreError:
        """A batch the writer could not add: what the planner knew may not be in the store."""
        self._known.clear()
        return StoreError(f"cannot write a document to {self.location or 'the in-memory store'}: {_first_line(exc)}")

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
        does not hold yet (every document of a first build) has nothing to drop or retract: it goes
        to the background writer (:mod:`graph.store.writer`) as one TriG load.
        """
        self._check_writable()
        body = graph if isinstance(graph, str) else ntriples_lines(graph)
        iri = str(doc_iri)
        if doc_iri != ONTOLOGY_GRAPH and iri not in self._writer.pending and not self._ox.contains_named_graph(ox.NamedNode(iri)):
            self._append(iri, body, entities)
            return
        ops = [f"DROP SILENT GRAPH <{doc_iri}>", f"INSERT DATA {{ GRAPH <{doc_iri}> {{\n{body}\n}} }}"]
        if doc_iri != ONTOLOGY_GRAPH:
            ops += plan_replace(self._values_of, iri, entities)
        self.update(" ;\n".join(ops))

    def _append(self, iri: str, body: str, entities: str | None) -> None:
        """A new document to the writer, with the descriptions of its entities the shared graph lacks."""
        desc = Descriptions.parse(entities)
        known = self._known
        described = {i for i in desc.by_entity if i in known} | self._described(i for i in desc.by_entity if i not in known)
        if len(known) > DESCRIBED_CACHE:
            known.clear()
        known.update(i for i, lines in desc.by_entity.items() if any(_TYPE_MARK in ln for ln in lines))
        try:
            self._writer.put(iri, _trig(iri, body, desc.lines_to_add(described)))
        except Exception as exc:  # noqa: BLE001 - an earlier batch's failure, told as one line
            raise self._write_failed(exc) from None

    def _described(self, iris) -> set[str]:
        """Which entities the shared graph describes: an index lookup each, no query to plan."""
        store = self._ox
        return {i for i in iris if next(store.quads_for_pattern(ox.NamedNode(i), _RDF_TYPE, None, _ENTITY_NODE), None)}

    def remove_document(self, doc_iri: URIRef) -> bool:
        """Drop a document's graph, and the descriptions of the entities no other document mentions."""
        self._check_writable()
        node = ox.NamedNode(str(doc_iri))
        if not self.ox.contains_named_graph(node):
            return False
        self.update(" ;\n".join([f"DROP GRAPH <{doc_iri}>", *plan_replace(self._values_of, str(doc_iri), None)]))
        return True

    def load_ontology(self, graph: Graph) -> None:
        """Keep the ontology in its own graph so class hierarchies are queryable."""
        self.replace_document(ONTOLOGY_GRAPH, graph)

    def flush(self) -> None:
        if self.location is not None and not self.read_only and self._ox is not None:
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
        """A SPARQL Update, after the queued documents; it may delete descriptions, so what was known goes."""
        self._check_writable()
        store = self.ox
        self._known.clear()
        store.update(sparql)
        self._updates += 1
        if self._updates % FLUSH_EVERY == 0:
            self.flush()

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
        """Serialise straight from Oxigraph, deterministically: graphs in the order of their IRIs, each
        in Oxigraph's index order, a function of the content alone.  The union of the graphs comes from
        :mod:`graph.store.union`: each graph dumped natively, repeated lines dropped."""
        if named_graphs:
            onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
            data: Iterable = (q for q in self.ox.quads_for_pattern(None, None, None, None) if include_ontology or q.graph_name != onto)
            return ox.serialize(data, None, fmt, prefixes=prefixes)
        graphs = self._union_graphs(include_ontology)
        if fmt == ox.RdfFormat.N_TRIPLES:
            return union_ntriples(self._ox, graphs)
        return ox.serialize(union_triples(self._ox, graphs), None, fmt, prefixes=prefixes)

    def ntriples_parts(self, include_ontology: bool = False) -> Iterator[bytes]:
        """The N-Triples :meth:`dump` gives, a graph at a time, for writers that need no single buffer."""
        return distinct_parts(graph_dumps(self._ox, self._union_graphs(include_ontology)))

    def _union_graphs(self, include_ontology: bool) -> list[ox.NamedNode]:
        onto = str(ONTOLOGY_GRAPH)
        names = sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode) and (include_ontology or g.value != onto))
        return [ox.NamedNode(n) for n in names]

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
        """Distinct triples in the union of document graphs (the ontology graph excluded).

        Counted one property at a time (a triple with another property is another triple): one
        DISTINCT over the whole store held every triple at once, 360 MB at 10k documents, the peak
        of a build's memory; per property the largest set is a tenth of that, in the same time.
        """
        store, where = self.ox, f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ONTOLOGY_GRAPH}>)"
        total = 0
        for row in store.query(f"SELECT DISTINCT ?p WHERE {{ {where} }}"):
            pinned = where.replace("?p", str(row["p"]))
            total += int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ {pinned} }} }}")))["n"].value)
        return total

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
        """Commit what the writer holds, flush, and let go of the store (and its RocksDB lock)."""
        if getattr(self, "_ox", None) is None:
            return
        failed: StoreError | None = None
        try:
            self._sync()
            self._writer.close()
        except StoreError as exc:
            failed = exc
        with contextlib.suppress(Exception):  # closing is best effort
            self.flush()
            self._dataset.close()
        # pyoxigraph releases the store, and its RocksDB lock, only when the last reference goes.
        self._writer.store = None
        self._dataset = None
        self._ox = None
        if failed is not None:
            raise failed

    def close_discarding_if_empty(self) -> bool:
        """Close; if this object created the store directory and no document was written, remove it.

        A build that fails before storing anything (bad inputs only, missing ontology data…) then
        leaves no empty store behind for later commands to mistake for a built one.
        """
        discard = self.created and getattr(self, "_ox", None) is not None and not self.document_graphs()
        self.close()
        if discard and self.location is not None:
            shutil.rmtree(self.location, ignore_errors=True)
        return discard

    def __del__(self) -> None:
        """A store dropped without :meth:`close` still commits what its writer holds, and lets go of
        the lock: the writer's thread keeps the pyoxigraph store alive for as long as it runs."""
        with contextlib.suppress(Exception):
            self.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["DEFAULT_STORE", "GraphStore", "KG", "Literal", "StoreError", "StoreLockedError"]
