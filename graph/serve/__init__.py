"""Stage 5c, serve: ``kg serve``, a local SPARQL 1.1 Protocol endpoint over the store, with a workbench.

Standard library only: a :class:`http.server.ThreadingHTTPServer` serves

* ``/``: the workbench, a page with the vendored YASGUI editor pointed at this endpoint
  (``graph/serve/static/``; nothing is loaded from elsewhere), and its files under ``/static/``;
* ``/queries`` and ``/prefixes``: the named-query library and the project's prefixes as JSON;
* ``/entity?iri=IRI`` and ``/entity.json?iri=IRI``: what the store holds about one IRI (labels,
  relations with their evidence, highlighted mentions, events, documents), as HTML or JSON;
* ``/explore/neighbourhood.json`` (focus on an entity, 1–3 hops), ``/explore/path.json`` (shortest
  path between two entities), ``/explore/subgraph.json`` and ``/explore/search.json``: bounded,
  query-driven subgraphs for the workbench's graph view (never the whole store);
* ``/data?graph=IRI`` and ``/data?default``: read-only SPARQL 1.1 Graph Store Protocol GET
  (Turtle, N-Triples, JSON-LD or RDF/XML by ``Accept``);
* ``/sparql`` (and ``/query``) without a query and with ``Accept: text/turtle`` (or another RDF
  type): the SPARQL 1.1 Service Description;

and answers queries at ``/sparql`` (and ``/query``) with

* ``GET ?query=…``, ``POST`` ``application/x-www-form-urlencoded`` (``query=…``)
  and ``POST`` ``application/sparql-query``;
* SELECT/ASK results as ``application/sparql-results+json`` (default),
  ``application/sparql-results+xml``, ``text/csv`` or ``text/tab-separated-values``;
  CONSTRUCT/DESCRIBE as ``text/turtle`` (default), ``application/n-triples``,
  ``application/ld+json`` or ``application/rdf+xml`` — chosen by the ``Accept``
  header (or a ``format``/``output`` parameter, as SPARQLWrapper sends).

Safety, since anything that can reach the port can send a query:

* the store is opened read-only; SPARQL Update is refused (403) unless the
  server was started with ``allow_update``, and even then only at ``/update``;
* ``SERVICE`` (federation: the server would make HTTP requests), ``LOAD``
  (fetches a document) and ``file:`` IRIs are refused (403) before anything runs;
* requests larger than ``max_request_bytes`` get 413;
* every query runs in its own forked process that is killed after
  ``timeout`` seconds (503): Oxigraph cannot interrupt a query from Python,
  and killing a process is a real bound on CPU and memory;
* the server binds loopback by default and, when it does, only accepts
  ``Host: localhost/127.0.0.1/[::1]`` (no DNS rebinding from a web page);
* malformed SPARQL gets 400 with Oxigraph's parser message (line:column);
* CORS (``cors_origins``, ``*`` by default) covers the read-only resources only: ``/update``
  never sends CORS headers and refuses a request whose ``Origin`` is not the server's own;
  ``OPTIONS`` answers preflights with 204;
* the workbench page has a Content-Security-Policy that allows connections to its own origin only.

One log line per request goes to the ``graph.serve`` logger.

Modules: :mod:`.server` (``make_server``, ``serve``), :mod:`.handler` (routing, CORS, OPTIONS,
static files), :mod:`.protocol` (request parameters, content negotiation, refusals), :mod:`.jobs`
(the work on the store, in child processes), :mod:`.gsp` (Graph Store Protocol), :mod:`.description`
(service description, help text, the named-query library), :mod:`.static` (the workbench's files),
:mod:`.entity` and :mod:`.entity_page` (the entity pages), :mod:`.explore` (the graph view's subgraphs).
"""

from graph.serve.server import SparqlServer, make_server, serve
from graph.serve.static import STATIC_DIR

__all__ = ["STATIC_DIR", "SparqlServer", "make_server", "serve"]
