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

import base64
import contextlib
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable
from rdflib.query import Result

from graph.store.base import Solutions
from graph.store.classify import inspect_sparql
from graph.store.local import DEFAULT_STORE, GraphStore, StoreError
from graph.vocab import ONTOLOGY_GRAPH, sparql_prefixes

DatasetMode = TypingLiteral["auto", "union", "explicit", "server"]

STAGING_PREFIX = "urn:x-kg-staging:"
"""Graphs named ``urn:x-kg-staging:<sha1>`` hold a very large document while it is uploaded in parts."""
_EMPTY_GRAPH = "urn:x-kg:no-graph"
_RESULTS_ACCEPT = (
    "application/sparql-results+json, application/n-triples, application/sparql-results+xml;q=0.8, "
    "text/turtle;q=0.5, application/rdf+xml;q=0.3"
)
_USER_AGENT = "cnfinkg-remote/0.1"
_URL = re.compile(r"^https?://", re.I)
_NOT_STAGING = f'!STRSTARTS(STR(?g), "{STAGING_PREFIX}")'


class RemoteHTTPError(StoreError):
    """The endpoint answered with an HTTP error status (kept in ``status``)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def is_remote(location: object) -> bool:
    """True for an ``http://`` or ``https://`` string (a ``Path`` never is: it mangles ``//``)."""
    return isinstance(location, str) and bool(_URL.match(location.strip()))


def open_store(location: str | Path | None = DEFAULT_STORE, read_only: bool = False) -> GraphStore | RemoteStore:
    """A :class:`RemoteStore` for an ``http(s)://`` URL, the embedded :class:`GraphStore` otherwise."""
    if isinstance(location, str) and is_remote(location):
        return RemoteStore(location.strip(), read_only=read_only)
    return GraphStore(location, read_only=read_only)


def derive_endpoints(endpoint: str, update_endpoint: str | None = None) -> tuple[str, str]:
    """(query URL, update URL) by the rules in :class:`RemoteStore`'s docstring."""
    if update_endpoint:
        return endpoint, update_endpoint
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")

    def with_path(p: str) -> str:
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, p, parts.query, ""))

    if not path:
        return with_path("/query"), with_path("/update")
    if path.endswith("/query"):
        return endpoint, with_path(path[: -len("/query")] + "/update")
    if re.fullmatch(r".*/repositories/[^/]+", path):
        return endpoint, with_path(path + "/statements")
    return endpoint, endpoint


def _split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))


def _one_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


_BNODE_STMT = re.compile(r"^_:|\s_:[^\s\"]+\s*\.\s*$")


def _statements(graph: Graph | str) -> list[str]:
    """One string per triple, as ``GraphStore`` writes them (``n3()`` terms, Turtle-compatible).

    Text is split on lines unless it holds a multi-line (triple-quoted) literal,
    in which case pyoxigraph re-reads it as Turtle into one line per triple.
    """
    if not isinstance(graph, str):
        return [f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph]
    if '"""' not in graph and "'''" not in graph:
        return [ln for ln in (x.strip() for x in graph.splitlines()) if ln and not ln.startswith("#")]
    try:
        return [f"{t.subject} {t.predicate} {t.object} ." for t in ox.parse(graph, ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise StoreError(f"document graph is not valid N-Triples: {_one_line(str(exc))}") from None


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

    Credentials: ``auth=(user, password)`` for HTTP Basic, a string for a
    literal ``Authorization`` header (``"Bearer …"``), or ``user:password@``
    in the URL (never echoed in error messages).  AWS SigV4 (Neptune with IAM)
    is not supported: put a signing proxy in front.

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
      Oxigraph (``Server:`` header of the probe at opening) and ``"explicit"``
      otherwise.

    Internal queries (document hashes, ``triples()``, ``quads()``, counts) use
    explicit ``GRAPH ?g`` patterns and need no dataset at all.

    Writes.  ``replace_document`` is ONE update request, ``DROP SILENT GRAPH``
    then ``INSERT DATA`` blocks of at most ``chunk_triples`` triples (blank
    nodes all in the first block: they cannot span blocks), so stores that
    apply an update request in one transaction (Oxigraph, Fuseki, GraphDB,
    Neptune) never show half a document.  A document whose request would
    exceed ``max_update_bytes`` is uploaded in parts into a staging graph
    (``urn:x-kg-staging:<sha1>``, hidden from listings and exports) and then
    swapped in with one ``MOVE`` request.  Queries use POST with a form body;
    updates POST ``application/sparql-update``.

    Errors (connection refused, timeouts, HTTP 4xx/5xx) raise
    :class:`graph.store.StoreError` with one line: the URL, the HTTP status and
    the first line of the server's answer.
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
        max_update_bytes: int = 16 * 1024 * 1024,
        chunk_triples: int = 5000,
    ) -> None:
        if dataset not in ("auto", "union", "explicit", "server"):
            raise ValueError(f"dataset must be auto, union, explicit or server, not {dataset!r}")
        endpoint, url_auth = _split_userinfo(endpoint.strip())
        upd_auth = None
        if update_endpoint:
            update_endpoint, upd_auth = _split_userinfo(update_endpoint.strip())
        self.query_endpoint, self.update_endpoint = derive_endpoints(endpoint, update_endpoint)
        self.location = endpoint
        self.read_only = read_only
        self.timeout = timeout
        self.max_update_bytes = max_update_bytes
        self.chunk_triples = max(1, chunk_triples)
        self._headers: dict[str, str] = {"User-Agent": _USER_AGENT}
        creds = auth if auth is not None else (url_auth or upd_auth)
        if isinstance(creds, tuple):
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        elif isinstance(creds, str):
            self._headers["Authorization"] = creds
        self.server = ""
        self._probe()  # fail now, with one line, if nothing answers
        if dataset == "auto":
            dataset = "union" if self.server.lower().startswith("oxigraph") else "explicit"
        self.dataset_mode: DatasetMode = dataset

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_endpoint!r}, update={self.update_endpoint!r}, dataset={self.dataset_mode!r})"

    # -- HTTP ---------------------------------------------------------------
    def _request(self, url: str, data: bytes, content_type: str, accept: str | None = None) -> tuple[str, bytes]:
        """POST; (media type, body) of a 2xx answer, else StoreError with one line."""
        headers = dict(self._headers, **{"Content-Type": content_type})
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - http(s) only
                body = resp.read()
                if not self.server:
                    self.server = resp.headers.get("Server", "") or ""
                media = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                return media, body
        except urllib.error.HTTPError as exc:
            try:
                text = exc.read().decode("utf-8", "replace")
            except Exception:  # noqa: BLE001 - the status alone is enough
                text = ""
            detail = _one_line(text)
            msg = f"{url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
            raise RemoteHTTPError(msg, exc.code) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise StoreError(f"{url}: no answer within {self.timeout:g} s") from None
            raise StoreError(f"{url}: cannot connect ({_one_line(str(reason))})") from None
        except TimeoutError:
            raise StoreError(f"{url}: no answer within {self.timeout:g} s") from None
        except (ConnectionError, OSError) as exc:
            raise StoreError(f"{url}: connection failed ({_one_line(str(exc)) or exc.__class__.__name__})") from None

    def _probe(self) -> None:
        self._select("ASK {}")

    def _dataset_params(self, union: bool) -> list[tuple[str, str]]:
        if not union or self.dataset_mode == "server":
            return []
        if self.dataset_mode == "union":
            return [("union-default-graph", "")]
        graphs = self._named_graphs() or [_EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _raw_query(self, sparql: str, union: bool = False, accept: str = _RESULTS_ACCEPT) -> tuple[str, Any]:
        """('results', QuerySolutions | QueryBoolean) or ('triples', list of ox.Triple)."""
        params = [("query", sparql), *self._dataset_params(union)]
        media, body = self._request(
            self.query_endpoint, urllib.parse.urlencode(params).encode("utf-8"), "application/x-www-form-urlencoded", accept
        )
        try:
            if "sparql-results" in media:
                fmt = ox.QueryResultsFormat.from_media_type(media)
                return "results", ox.parse_query_results(body, fmt)
            rdf_fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return "triples", [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(body, rdf_fmt)]
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.query_endpoint}: unreadable answer ({media or 'no content type'}): {_one_line(str(exc))}") from None

    def _select(self, sparql: str, union: bool = False) -> Any:
        kind, payload = self._raw_query(sparql, union=union, accept="application/sparql-results+json")
        if kind != "results":
            raise StoreError(f"{self.query_endpoint}: expected SPARQL results, got RDF")
        return payload

    def _update(self, sparql: str) -> None:
        self._request(self.update_endpoint, sparql.encode("utf-8"), "application/sparql-update; charset=utf-8")

    def _named_graphs(self) -> list[str]:
        q = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({_NOT_STAGING}) }}"
        return sorted(sol["g"].value for sol in self._select(q) if isinstance(sol["g"], ox.NamedNode))

    # -- writing ------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("store opened read-only")

    def _blocks(self, graph: Graph | str) -> list[str]:
        """N-Triples bodies of at most ``chunk_triples`` statements; every statement with a blank node in the first."""
        with_bnodes: list[str] = []
        plain: list[str] = []
        for stmt in _statements(graph):
            (with_bnodes if _BNODE_STMT.search(stmt) else plain).append(stmt)
        first = with_bnodes + plain[: max(0, self.chunk_triples - len(with_bnodes))]
        rest = plain[len(first) - len(with_bnodes) :]
        blocks = ["\n".join(first)] if first else []
        blocks += ["\n".join(rest[i : i + self.chunk_triples]) for i in range(0, len(rest), self.chunk_triples)]
        return blocks

    def replace_document(self, doc_iri: URIRef, graph: Graph | str) -> None:
        """Swap a document's graph (an rdflib Graph or N-Triples text) for a new one.

        One update request; a graph too large for one request is staged and swapped in with ``MOVE``.
        """
        self._check_writable()
        inserts = [f"INSERT DATA {{ GRAPH <{doc_iri}> {{\n{b}\n}} }}" for b in self._blocks(graph)]
        update = " ;\n".join([f"DROP SILENT GRAPH <{doc_iri}>", *inserts])
        if len(update.encode("utf-8")) <= self.max_update_bytes:
            self._update(update)
            return
        self._replace_staged(doc_iri, graph)

    def _replace_staged(self, doc_iri: URIRef, graph: Graph | str) -> None:
        staging = STAGING_PREFIX + hashlib.sha1(str(doc_iri).encode("utf-8")).hexdigest()
        requests: list[list[str]] = [[f"DROP SILENT GRAPH <{staging}>"]]
        size = len(requests[0][0])
        for b in self._blocks(graph):
            op = f"INSERT DATA {{ GRAPH <{staging}> {{\n{b}\n}} }}"
            n = len(op.encode("utf-8")) + 3
            if size + n > self.max_update_bytes and requests[-1]:
                requests.append([])
                size = 0
            requests[-1].append(op)
            size += n
        try:
            for ops in requests:
                self._update(" ;\n".join(ops))
            self._update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{doc_iri}>")
        except StoreError:
            with contextlib.suppress(StoreError):
                self._update(f"DROP SILENT GRAPH <{staging}>")
            raise

    def remove_document(self, doc_iri: URIRef) -> bool:
        self._check_writable()
        if not bool(self._select(f"ASK {{ GRAPH <{doc_iri}> {{ ?s ?p ?o }} }}")):
            return False
        self._update(f"DROP SILENT GRAPH <{doc_iri}>")
        return True

    def load_ontology(self, graph: Graph) -> None:
        """Keep the ontology in its own graph so class hierarchies are queryable."""
        self.replace_document(ONTOLOGY_GRAPH, graph)

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
        return sorted(URIRef(g) for g in self._named_graphs() if g != str(ONTOLOGY_GRAPH))

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

    def _graph_filter(self, include_ontology: bool) -> str:
        cond = _NOT_STAGING if include_ontology else f"?g != <{ONTOLOGY_GRAPH}> && {_NOT_STAGING}"
        return f"FILTER({cond})"

    def triples(self, include_ontology: bool = False) -> Iterator[tuple[Any, Any, Any]]:
        """Distinct triples of the union of document graphs (pyoxigraph terms), sorted."""
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter(include_ontology)} }}"
        kind, payload = self._raw_query(q, accept="application/n-triples, text/turtle;q=0.5")
        if kind != "triples":
            raise StoreError(f"{self.query_endpoint}: expected RDF, got SPARQL results")
        seen = {(t.subject, t.predicate, t.object) for t in payload}
        yield from sorted(seen, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))

    def quads(self, include_ontology: bool = False) -> Iterable[Any]:
        q = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter(include_ontology)} }}"
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
            f"{self._graph_filter(False)} }} }}",
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


__all__ = ["STAGING_PREFIX", "RemoteHTTPError", "RemoteStore", "derive_endpoints", "is_remote", "open_store"]
