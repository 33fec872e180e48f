"""A remote store: any SPARQL 1.1 endpoint (Query + Update protocols) behind ``--store http(s)://…``.

:class:`RemoteStore` has the public interface of :class:`graph.store.local.GraphStore`
(per-document named graphs, a union view for queries, rdflib results from
``query()``) and satisfies :class:`graph.store.base.ReadableStore` (pyoxigraph
terms from ``select()``, ``construct()``, ``triples()``, ``quads()``), so the
API, the exporters and the viewer work unchanged against Fuseki, GraphDB,
Virtuoso, Neptune or an ``oxigraph serve`` server.  Only the standard
library's :mod:`urllib` speaks HTTP; pyoxigraph parses the answers.

:func:`open_store` picks the store for a ``--store`` value: a ``RemoteStore``
for ``http://``/``https://`` strings, the embedded ``GraphStore`` otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable
from rdflib.query import Result

from graph.store.base import Solutions
from graph.store.classify import inspect_sparql
from graph.store.client import RemoteHTTPError, SparqlHTTP, derive_endpoints, one_line, split_userinfo
from graph.store.entities import plan_replace
from graph.store.local import DEFAULT_STORE, GraphStore, StoreError
from graph.store.paths import expand_paths
from graph.store.servers import JSON, PROFILES, PROJECT_GRAPHS, XML, Profile, as_boolean, server_kind
from graph.store.skolem import skolemised
from graph.vocab import ENTITY_GRAPH, ONTOLOGY_GRAPH, sparql_prefixes

DatasetMode = TypingLiteral["auto", "union", "explicit", "server"]

STAGING_PREFIX = "urn:x-kg-staging:"
"""Graphs named ``urn:x-kg-staging:<sha1>`` hold a very large document while it is uploaded in parts."""
_EMPTY_GRAPH = "urn:x-kg:no-graph"
_URL = re.compile(r"^https?://", re.I)
_NOT_STAGING = f'!STRSTARTS(STR(?g), "{STAGING_PREFIX}")'
_FINAL_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", re.I)


def is_remote(location: object) -> bool:
    """True for an ``http://`` or ``https://`` string (a ``Path`` never is: it mangles ``//``)."""
    return isinstance(location, str) and bool(_URL.match(location.strip()))


def open_store(location: str | Path | None = DEFAULT_STORE, read_only: bool = False) -> GraphStore | RemoteStore:
    """A :class:`RemoteStore` for an ``http(s)://`` URL, the embedded :class:`GraphStore` otherwise."""
    if isinstance(location, str) and is_remote(location):
        return RemoteStore(location.strip(), read_only=read_only)
    return GraphStore(location, read_only=read_only)


class RemoteStore:
    """A dataset of per-document named graphs on a SPARQL 1.1 server, with a union view for queries.

    Endpoints.  ``endpoint`` is a base URL or a query endpoint; unless
    ``update_endpoint`` is given, the update endpoint is derived:

    * a URL with no path (``http://127.0.0.1:7878``) is an Oxigraph server:
      queries go to ``<base>/query``, updates to ``<base>/update``;
    * a URL ending in ``/query`` (Oxigraph, Fuseki ``…/ds/query``) updates
      at the sibling ``…/update``;
    * ``…/repositories/<id>`` (GraphDB, RDF4J) updates at ``…/statements``;
    * any other URL (``…/sparql`` of Virtuoso, Neptune, Stardog; Fuseki's
      ``…/ds``) is used for both.

    Credentials: ``auth=(user, password)`` or ``user:password@`` in the URL
    (never echoed in error messages) answer the server's HTTP Basic or Digest
    challenge (Virtuoso's ``/sparql-auth`` asks for Digest); a string is sent
    as a literal ``Authorization`` header (``"Bearer …"``).  AWS SigV4
    (Neptune with IAM) is not supported: put a signing proxy in front.

    The union view (``dataset``).  The embedded store's queries see the union
    of all named graphs as their default graph and can still address each
    graph with ``GRAPH ?g``.  SPARQL has no portable way to say "default graph
    = union", so:

    * ``"union"`` sends Oxigraph's ``union-default-graph`` protocol parameter
      (one request, no graph list; other servers ignore or reject it);
    * ``"explicit"`` lists the named graphs first, then sends every one as a
      ``default-graph-uri`` and a ``named-graph-uri`` (the SPARQL Protocol's
      own dataset description: works on any conforming server, but costs a
      listing query and a request body that grows with the number of
      documents; triples in the server's unnamed default graph are not seen);
    * ``"server"`` sends no dataset: for servers whose default graph already is
      the union (GraphDB/RDF4J, Virtuoso, Neptune, Fuseki/TDB2 with
      ``unionDefaultGraph``);
    * ``"auto"`` (default) picks ``"union"`` when the server says it is
      Oxigraph (``Server:`` header of the probe at opening), ``"server"`` when
      it says it is Virtuoso, and ``"explicit"`` otherwise.

    Internal queries (document hashes, ``triples()``, ``quads()``, counts) use
    explicit ``GRAPH ?g`` patterns and need no dataset at all.

    On Virtuoso, whose ``rdfs:subClassOf*`` paths give wrong answers, queries
    over the union have such paths spelt out first (:mod:`graph.store.paths`).

    Writes.  ``replace_document`` is ONE update request, ``DROP SILENT GRAPH``
    then ``INSERT DATA`` blocks of at most ``chunk_triples`` triples, then the
    shared entity graph's operations (:mod:`graph.store.entities`), so stores
    that apply an update request in one transaction (Oxigraph, Fuseki,
    GraphDB, Neptune, Virtuoso) never show half a document.  Blank nodes are
    written as stable IRIs (:mod:`graph.store.skolem`): Virtuoso refuses them
    in ``INSERT DATA``, and none may span two blocks.  A document whose
    request would exceed ``max_update_bytes`` is uploaded in parts into a
    staging graph (``urn:x-kg-staging:<sha1>``, hidden from listings and
    exports) and then swapped in with one ``MOVE`` request, which carries the
    entity graph's operations too.  Unless given, both sizes suit the server
    (smaller for Virtuoso: see :mod:`graph.store.servers`).  Queries use POST
    with a form body; updates POST ``application/sparql-update``.

    Whose graphs.  A Virtuoso server keeps graphs of its own (its RDF views'
    schema, its service description, WebDAV metadata, OWL…, which vary with
    its configuration) and often other datasets (DBpedia's): there, listings,
    counts and exports see only the graphs under :data:`PROJECT_GRAPHS`
    (``graph_scope``), and a document graph outside it is refused.  On other
    servers every graph of the dataset is the store's.

    Errors (connection refused, timeouts, HTTP 4xx/5xx, an answer the server
    cut short) raise :class:`graph.store.StoreError` with one line: the URL,
    the HTTP status and the first line of the server's answer.
    """

    def __init__(
        self,
        endpoint: str,
        update_endpoint: str | None = None,
        read_only: bool = False,
        timeout: float = 60,
        auth: tuple[str, str] | str | None = None,
        *,
        dataset: DatasetMode = "auto",
        max_update_bytes: int | None = None,
        chunk_triples: int | None = None,
    ) -> None:
        if dataset not in ("auto", "union", "explicit", "server"):
            raise ValueError(f"dataset must be auto, union, explicit or server, not {dataset!r}")
        endpoint, url_auth = split_userinfo(endpoint.strip())
        upd_auth = None
        if update_endpoint:
            update_endpoint, upd_auth = split_userinfo(update_endpoint.strip())
        self.query_endpoint, self.update_endpoint = derive_endpoints(endpoint, update_endpoint)
        self.location = endpoint
        self.read_only = read_only
        creds = auth if auth is not None else (url_auth or upd_auth)
        self._http = SparqlHTTP(timeout, creds, (self.query_endpoint, self.update_endpoint))
        self.profile: Profile = PROFILES[""]
        self._probe()  # fail now, with one line, if nothing answers
        self.profile = PROFILES[server_kind(self.server)]
        self.dataset_mode: DatasetMode = self.profile.dataset if dataset == "auto" else dataset  # type: ignore[assignment]
        self.chunk_triples = max(1, chunk_triples or self.profile.chunk_triples)
        self.max_update_bytes = max_update_bytes or self.profile.max_update_bytes
        #: Listings, counts and exports see only graphs whose IRI starts with this ("": all graphs).
        self.graph_scope = self.profile.graph_scope
        self._hierarchy: dict[str, list[tuple[str, str]]] = {}

    @property
    def server(self) -> str:
        """The ``Server:`` header of the first answer ("" if the server sends none)."""
        return self._http.server

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_endpoint!r}, update={self.update_endpoint!r}, dataset={self.dataset_mode!r})"

    # -- HTTP ---------------------------------------------------------------
    def _request(self, url: str, data: bytes, content_type: str, accept: str | None = None,
                 rows_asked: int | None = None) -> tuple[str, bytes]:
        return self._http.post(url, data, content_type, accept, rows_asked)

    def _probe(self) -> None:
        self._select("ASK {}")

    def _dataset_params(self, union: bool) -> list[tuple[str, str]]:
        if not union or self.dataset_mode == "server":
            return []
        if self.dataset_mode == "union":
            return [("union-default-graph", "")]
        graphs = self._named_graphs() or [_EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _raw_query(self, sparql: str, union: bool = False, accept: str | None = None) -> tuple[str, Any]:
        """('results', QuerySolutions | QueryBoolean) or ('triples', list of ox.Triple); ``accept`` defaults to any form."""
        if accept is None:
            other = XML if self.profile.results == JSON else JSON
            accept = f"{self.profile.results}, application/n-triples, {other};q=0.8, text/turtle;q=0.5, application/rdf+xml;q=0.3"
        if union and self.profile.expand_paths:
            sparql = expand_paths(sparql, self._links)
        params = [("query", sparql), *self._dataset_params(union)]
        limit = _FINAL_LIMIT.search(sparql)
        media, body = self._request(self.query_endpoint, urllib.parse.urlencode(params).encode("utf-8"),
                                    "application/x-www-form-urlencoded", accept, int(limit[1]) if limit else None)
        try:
            if "sparql-results" in media:
                fmt = ox.QueryResultsFormat.from_media_type(media)
                return "results", as_boolean(ox.parse_query_results(body, fmt))
            rdf_fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return "triples", [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(body, rdf_fmt)]
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.query_endpoint}: unreadable answer ({media or 'no content type'}): {one_line(str(exc))}") from None

    def _select(self, sparql: str, union: bool = False) -> Any:
        kind, payload = self._raw_query(sparql, union=union, accept=self.profile.results)
        if kind != "results":
            raise StoreError(f"{self.query_endpoint}: expected SPARQL results, got RDF")
        return payload

    def _update(self, sparql: str) -> None:
        media = "application/sparql-update; charset=utf-8"
        try:
            self._request(self.update_endpoint, (self.profile.update_prefix + sparql).encode("utf-8"), media)
        except RemoteHTTPError as exc:
            # Virtuoso says "add define sql:big-data-const 0" both for an update it cannot compile so
            # and for one the account may not run at all: a no-op tells which (raising the real
            # reason, "No permission"), then the update goes as the server wants it.
            if not self.profile.update_prefix or "big-data-const" not in str(exc):
                raise
            self._request(self.update_endpoint, f"DROP SILENT GRAPH <{_EMPTY_GRAPH}>".encode(), media)
            self._request(self.update_endpoint, sparql.encode("utf-8"), media)

    def _links(self, predicate: str) -> list[tuple[str, str]]:
        """(child, parent) pairs of one hierarchy in the whole dataset, read once per store (see ``load_ontology``)."""
        if predicate not in self._hierarchy:
            rows = self._select(f"SELECT ?a ?b WHERE {{ ?a <{predicate}> ?b }}", union=True)
            self._hierarchy[predicate] = [(r["a"].value, r["b"].value) for r in rows]
        return self._hierarchy[predicate]

    def _values_of(self, sparql: str) -> list[str]:
        """The one variable of a SELECT, as strings (the shared-graph planner's query runner)."""
        return [next(iter(sol)).value for sol in self._select(sparql)]

    def _graph_filter(self, *hidden: str) -> str:
        """A FILTER on ``?g`` that keeps the store's graphs (``graph_scope``) but staging ones and ``hidden``."""
        scope = f' && STRSTARTS(STR(?g), "{self.graph_scope}")' if self.graph_scope else ""
        listed = f" && ?g NOT IN ({', '.join(f'<{g}>' for g in hidden)})" if hidden else ""
        return f"FILTER({_NOT_STAGING}{scope}{listed})"

    def _named_graphs(self) -> list[str]:
        q = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }}"
        return sorted(sol["g"].value for sol in self._select(q) if isinstance(sol["g"], ox.NamedNode))

    # -- writing ------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("store opened read-only")

    def _send(self, ops: list[str]) -> None:
        """The operations in as few update requests of at most ``max_update_bytes`` as they fit in."""
        batch: list[str] = []
        size = 0
        for op in ops:
            n = len(op.encode("utf-8")) + 3
            if batch and size + n > self.max_update_bytes:
                self._update(" ;\n".join(batch))
                batch, size = [], 0
            batch.append(op)
            size += n
        if batch:
            self._update(" ;\n".join(batch))

    def _inserts(self, graph_iri: str, lines: list[str]) -> list[str]:
        n = self.chunk_triples
        return [f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n" + "\n".join(lines[i : i + n]) + "\n} }" for i in range(0, len(lines), n)]

    def _entity_ops(self, doc_iri: URIRef, entities: str | None) -> list[str]:
        """The shared entity graph's side of replacing (``entities`` given) or removing a document."""
        if doc_iri == ONTOLOGY_GRAPH:
            return []
        if entities and "_:" in entities:
            entities = "\n".join(skolemised(entities, str(ENTITY_GRAPH)))
        return plan_replace(self._values_of, str(doc_iri), entities, self.chunk_triples)

    def replace_document(self, doc_iri: URIRef, graph: Graph | str, entities: str | None = None) -> None:
        """Swap a document's graph (an rdflib Graph or N-Triples text) for a new one.

        ``entities``: N-Triples of the descriptions of the entities it mentions, for the shared entity
        graph.  One update request; a graph too large for one request is staged and swapped in with ``MOVE``.
        """
        self._check_writable()
        if not str(doc_iri).startswith(self.graph_scope):
            raise StoreError(f"{doc_iri}: a graph outside {self.graph_scope}, which this store keeps to on {self.server}")
        lines = skolemised(graph, str(doc_iri))
        shared = self._entity_ops(doc_iri, entities)  # planned against the stored version of the document
        ops = [f"DROP SILENT GRAPH <{doc_iri}>", *self._inserts(str(doc_iri), lines), *shared]
        if sum(len(op.encode("utf-8")) + 3 for op in ops) <= self.max_update_bytes:
            self._update(" ;\n".join(ops))
            return
        staging = STAGING_PREFIX + hashlib.sha1(str(doc_iri).encode("utf-8")).hexdigest()
        try:
            self._send([f"DROP SILENT GRAPH <{staging}>", *self._inserts(staging, lines)])
            self._send([f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{doc_iri}>", *shared])
        except StoreError:
            with contextlib.suppress(StoreError):
                self._update(f"DROP SILENT GRAPH <{staging}>")
            raise

    def remove_document(self, doc_iri: URIRef) -> bool:
        """Drop a document's graph, and the descriptions of the entities no other document mentions."""
        self._check_writable()
        if not bool(self._select(f"ASK {{ GRAPH <{doc_iri}> {{ ?s ?p ?o }} }}")):
            return False
        self._send([f"DROP SILENT GRAPH <{doc_iri}>", *self._entity_ops(doc_iri, None)])
        return True

    def load_ontology(self, graph: Graph) -> None:
        """Keep the ontology in its own graph so class hierarchies are queryable."""
        self.replace_document(ONTOLOGY_GRAPH, graph)
        self._hierarchy.clear()

    def update(self, sparql: str) -> None:
        self._check_writable()
        self._update(sparql)

    def flush(self) -> None:
        """Nothing to do: the server commits each update request."""

    # -- reading ------------------------------------------------------------
    def documents(self) -> dict[URIRef, str]:
        """Document IRI -> content hash, to skip unchanged documents."""
        q = sparql_prefixes() + "SELECT ?d ?h WHERE { GRAPH ?d { ?d kg:contentHash ?h } }"
        return {URIRef(sol["d"].value): sol["h"].value for sol in self._select(q)}

    def document_graphs(self) -> list[URIRef]:
        return sorted(URIRef(g) for g in self._named_graphs() if g not in (str(ONTOLOGY_GRAPH), str(ENTITY_GRAPH)))

    def query(self, sparql: str, bindings: dict[str, object] | None = None) -> Result:
        """An rdflib ``Result`` over the union of all graphs; bindings become an inline VALUES block."""
        from oxrdflib._converter import from_ox

        if bindings:
            from graph.store.sparql import inject_values

            sparql = inject_values(sparql, bindings)
        kind, payload = self._raw_query(sparql, union=True)
        if kind == "triples":
            result = Result("DESCRIBE" if inspect_sparql(sparql).form == "DESCRIBE" else "CONSTRUCT")
            g = Graph()
            for t in payload:
                g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
            result.graph = g
            return result
        if isinstance(payload, ox.QueryBoolean):
            result = Result("ASK")
            result.askAnswer = bool(payload)
            return result
        names = [v.value for v in payload.variables]
        result = Result("SELECT")
        result.vars = [Variable(n) for n in names]
        rows = []
        for sol in payload:
            rows.append({Variable(n): from_ox(sol[n]) for n in names if sol[n] is not None})
        result.bindings = rows
        return result

    def _read(self, sparql: str) -> tuple[str, Any]:
        """A read query over the union, with an unparsable one raising SyntaxError as pyoxigraph does."""
        try:
            return self._raw_query(sparql, union=True)
        except RemoteHTTPError as exc:
            if exc.status == 400:  # the SPARQL Protocol's answer to a malformed query
                raise SyntaxError(str(exc)) from None
            raise

    def select(self, sparql: str) -> Solutions:
        """A SELECT over the union of all graphs, in pyoxigraph terms (see :class:`graph.store.base.ReadableStore`)."""
        kind, payload = self._read(sparql)
        if kind != "results" or isinstance(payload, ox.QueryBoolean):
            raise ValueError("not a SELECT query")
        return Solutions.of(payload)

    def construct(self, sparql: str) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE over the union of all graphs."""
        kind, payload = self._read(sparql)
        if kind != "triples":
            raise ValueError("not a CONSTRUCT or DESCRIBE query")
        return payload

    def dump(self, fmt: ox.RdfFormat, *, named_graphs: bool = False, include_ontology: bool = False,
             prefixes: dict[str, str] | None = None) -> bytes:
        """Serialised from the sorted ``quads()`` or ``triples()``: a server's answer order is its own."""
        data = self.quads(include_ontology) if named_graphs else [ox.Triple(*t) for t in self.triples(include_ontology)]
        return ox.serialize(data, None, fmt, prefixes=prefixes)

    def _data_filter(self, include_ontology: bool) -> str:
        return self._graph_filter() if include_ontology else self._graph_filter(str(ONTOLOGY_GRAPH))

    def triples(self, include_ontology: bool = False) -> Iterator[tuple[Any, Any, Any]]:
        """Distinct triples of the union of document graphs (pyoxigraph terms), sorted."""
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._data_filter(include_ontology)} }}"
        kind, payload = self._raw_query(q, accept="application/n-triples, text/turtle;q=0.5")
        if kind != "triples":
            raise StoreError(f"{self.query_endpoint}: expected RDF, got SPARQL results")
        seen = {(t.subject, t.predicate, t.object) for t in payload}
        yield from sorted(seen, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))

    def quads(self, include_ontology: bool = False) -> Iterable[Any]:
        q = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._data_filter(include_ontology)} }}"
        out = {ox.Quad(sol["s"], sol["p"], sol["o"], sol["g"]) for sol in self._select(q)}
        return sorted(out, key=lambda x: (str(x.graph_name), str(x.subject), str(x.predicate), str(x.object)))

    def union_graph(self, include_ontology: bool = False) -> Graph:
        from graph.store.local import rdflib_graph

        return rdflib_graph(self.triples(include_ontology))

    def _scalar(self, sparql: str, union: bool = True) -> int:
        sols = list(self._select(sparql_prefixes() + sparql, union=union))
        return int(sols[0]["n"].value) if sols and sols[0]["n"] is not None else 0

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """Distinct triples in the union of document graphs (the ontology graph excluded)."""
        return self._scalar(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"{self._data_filter(False)} }} }}",
            union=False,
        )

    def stats(self) -> dict[str, int]:
        return {
            "documents": self._scalar("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:NewsArticle }"),
            "entities": self._scalar("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kg:mentionCount ?c }"),
            "relations": self._scalar(
                "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
                "{ ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }"
            ),
            "evidence": self._scalar("SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE { ?st a rdf:Statement }"),
            "measurements": self._scalar("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a kg:Measurement }"),
            "triples": self.count(),
        }

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["PROJECT_GRAPHS", "STAGING_PREFIX", "RemoteHTTPError", "RemoteStore", "derive_endpoints", "is_remote", "open_store"]
