"""A local SPARQL 1.1 Protocol endpoint over the store (``kg serve``).

Standard library only: a :class:`http.server.ThreadingHTTPServer` serves

* ``/``: the workbench, a page with the vendored YASGUI editor pointed at this endpoint
  (``graph/serve/static/``; nothing is loaded from elsewhere), and its files under ``/static/``;
* ``/queries`` and ``/prefixes``: the named-query library and the project's prefixes as JSON;
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
"""

from __future__ import annotations

import ipaddress
import json
import logging
import multiprocessing as mp
import os
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox

from graph.vocab import PREFIXES

log = logging.getLogger("graph.serve.server")

QUERY_PATHS = ("/sparql", "/query")
UPDATE_PATH = "/update"
DATA_PATH = "/data"
QUERIES_PATH = "/queries"
PREFIXES_PATH = "/prefixes"
STATIC_PREFIX = "/static/"
#: The workbench's files: ``index.html`` (served at ``/``) and the rest under ``/static/``.
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Resources a page on another origin may read (CORS); never ``/update``.
CORS_PATHS = (*QUERY_PATHS, DATA_PATH, QUERIES_PATH, PREFIXES_PATH)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: Bound on the time a client may take to send its request (slow clients hold a thread).
SOCKET_TIMEOUT = 30.0

_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}


class RequestRefused(Exception):
    """A request the endpoint will not run, with the HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- looking at SPARQL text without running it ------------------------------------------

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
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass(frozen=True)
class Inspection:
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    uses_service: bool
    uses_load: bool
    file_iris: tuple[str, ...]


def unescape_codepoints(text: str) -> str:
    """SPARQL decodes ``\\uXXXX`` escapes before parsing, so checks must look at the decoded text."""
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def inspect_sparql(text: str) -> Inspection:
    """Query form and dangerous features of SPARQL text, conservatively.

    Keywords are looked for in the text with strings, IRIs and comments removed;
    a word or a prefixed name's prefix that merely *contains* ``SERVICE`` or
    ``LOAD`` counts too (Oxigraph's parser needs no space after a keyword), so
    the check can refuse an odd query but not miss a federated one.
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
        if "SERVICE" in upper:
            service = True
        if "LOAD" in upper:
            load = True
        if form:
            continue
        if word is not None and upper not in ("PREFIX", "BASE"):  # the prologue's names and IRIs are skipped
            form = upper if upper in _QUERY_FORMS else "UPDATE" if upper in _UPDATE_FORMS else upper
    return Inspection(form or "", service, load, tuple(files))


# -- content negotiation ------------------------------------------------------------------

_RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {  # in order of preference for wildcards like text/*
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
}
_GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/n3": ox.RdfFormat.TURTLE,  # Turtle is valid N3
    "text/rdf+n3": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
}
_FORMAT_PARAM = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
}
_DEFAULT_TYPE = {"SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
                 "CONSTRUCT": "text/turtle", "DESCRIBE": "text/turtle"}


#: A client that accepts only SPARQL results types gets a CONSTRUCT in the matching RDF syntax.
_RESULTS_AS_GRAPH = {"application/sparql-results+json": "application/ld+json", "application/json": "application/ld+json",
                     "application/sparql-results+xml": "application/rdf+xml"}


def _accepted(header: str) -> list[str]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    ranges: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        q = 1.0
        for p in parts[1:]:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, i, parts[0].lower()))
    return [r for _, _, r in sorted(ranges)]


def negotiate(form: str, accept: str | None, format_params: list[str]) -> str | None:
    """The media type to answer with, or None when nothing acceptable is supported (406)."""
    table: dict[str, Any] = _GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else _RESULT_TYPES
    default = _DEFAULT_TYPE[form]
    for value in format_params:  # SPARQLWrapper & co. send format=json / output=csv as well
        mt = _FORMAT_PARAM.get(value.strip().lower(), value.strip().lower())
        if form in ("CONSTRUCT", "DESCRIBE") and mt == "application/sparql-results+xml":
            mt = "application/rdf+xml"
        if mt in table:
            return mt
    if not accept:
        return default
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    for mt in _accepted(accept):
        if mt in table:
            return mt
        if graph_form and mt in _RESULTS_AS_GRAPH:  # rdflib's SPARQLStore asks for results types for any query
            return _RESULTS_AS_GRAPH[mt]
        if mt == "*/*" or (mt.endswith("/*") and default.startswith(mt[:-1])):
            return default
        if mt.endswith("/*"):
            for candidate in table:
                if candidate.startswith(mt[:-1]):
                    return candidate
    return None


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") or media_type.endswith("json") else media_type


# -- running one operation in a worker process ---------------------------------------------


@dataclass(frozen=True)
class Job:
    store: str
    text: str
    form: str
    media_type: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


#: Job forms that are not SPARQL text: a Graph Store Protocol read and the list of named graphs.
GSP_GET = "GSP-GET"
LIST_GRAPHS = "LIST-GRAPHS"
#: At most this many named graphs are listed in the service description.
MAX_LISTED_GRAPHS = 1000


def _execute(job: Job) -> bytes:
    """Run in the worker: open the store, run the query or update, serialise the answer."""
    if job.form == GSP_GET:  # job.text: the graph's IRI, or "" for the (union) default graph
        store = ox.Store.read_only(job.store)
        fmt = _GRAPH_TYPES[job.media_type]
        if job.text:
            name = ox.NamedNode(job.text)
            if not store.contains_named_graph(name):
                raise LookupError(f"no graph <{job.text}> in this store")
            triples: Any = (ox.Triple(q.subject, q.predicate, q.object)
                            for q in store.quads_for_pattern(None, None, None, name))
        else:
            triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        prefixes = _PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        return ox.serialize(triples, None, fmt, prefixes=prefixes) or b""
    if job.form == LIST_GRAPHS:
        store = ox.Store.read_only(job.store)
        names = []
        for g in store.named_graphs():
            if isinstance(g, ox.NamedNode):
                names.append(g.value)
                if len(names) >= MAX_LISTED_GRAPHS:
                    break
        return "\n".join(sorted(names)).encode("utf-8")
    if job.form == "UPDATE":
        store = ox.Store(job.store)
        store.update(job.text, prefixes=_PREFIXES)
        store.flush()
        del store
        return b""
    store = ox.Store.read_only(job.store)
    kwargs: dict[str, Any] = {"prefixes": _PREFIXES}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.text, **kwargs)
    if isinstance(result, ox.QueryTriples):
        fmt = _GRAPH_TYPES[job.media_type]
        prefixes = _PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        return ox.serialize(list(result), None, fmt, prefixes=prefixes) or b""
    if job.media_type not in _RESULT_TYPES:  # the text said CONSTRUCT but the parser disagrees
        raise ValueError("cannot serialise these results as " + job.media_type)
    return result.serialize(format=_RESULT_TYPES[job.media_type]) or b""


def _worker(job: Job, conn: Any) -> None:  # pragma: no cover - runs in the forked child
    try:
        try:
            conn.send(("ok", _execute(job)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except LookupError as exc:
            conn.send(("missing", str(exc)))
        except OSError as exc:
            conn.send(("store", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the client as 400/500
            conn.send(("error", f"{exc.__class__.__name__}: {exc}"))
        conn.close()
    finally:
        os._exit(0)  # skip atexit handlers and buffered-stream flushes inherited from the server


def run_job(job: Job, timeout: float) -> bytes:
    """Run ``job`` in a child process; kill it after ``timeout`` seconds.

    Queries fork (cheap: nothing to import); updates spawn a fresh interpreter,
    since a read-write RocksDB in a forked child can wait forever for background
    threads that only existed in its parent.
    """
    ctx = mp.get_context("spawn" if job.form == "UPDATE" else "fork")
    receiver, sender = ctx.Pipe(duplex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only runs Oxigraph
        proc = ctx.Process(target=_worker, args=(job, sender), daemon=True)
        proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout if timeout > 0 else None):
            proc.kill()
            raise RequestRefused(HTTPStatus.SERVICE_UNAVAILABLE, f"query stopped after the time limit of {timeout:g} s")
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise RequestRefused(HTTPStatus.INTERNAL_SERVER_ERROR, "the query process died (out of memory?)") from None
    finally:
        receiver.close()
        proc.join(5)
        if proc.is_alive():  # pragma: no cover
            proc.kill()
            proc.join()
    if status == "ok":
        return payload
    if status == "missing":
        raise RequestRefused(HTTPStatus.NOT_FOUND, payload.strip("'\""))
    if status == "syntax":
        kind = "SPARQL Update" if job.form == "UPDATE" else "SPARQL"
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{kind} syntax error: {payload}")
    if status == "store":
        if "lock" in payload.lower():
            raise RequestRefused(HTTPStatus.SERVICE_UNAVAILABLE, "the store is locked by another writer (a build is running?)")
        raise RequestRefused(HTTPStatus.INTERNAL_SERVER_ERROR, f"store error: {payload.splitlines()[0] if payload else ''}")
    if payload.startswith(("ValueError", "TypeError")):
        raise RequestRefused(HTTPStatus.BAD_REQUEST, payload.splitlines()[0])
    raise RequestRefused(HTTPStatus.INTERNAL_SERVER_ERROR, payload.splitlines()[0] if payload else "query failed")


class _ReadWriteLock:
    """Queries share, updates are alone: a read-only open must not race a writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    def acquire_read(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer and self._readers == 0)
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


# -- service description, static files, CORS settings -----------------------------------------

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_SD_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
_SD_PREFIXES = {"sd": _SD, "formats": _FORMATS, "dcterms": "http://purl.org/dc/terms/",
                "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


def service_description(endpoint: str, graphs: Iterable[str], media_type: str = "text/turtle",
                        timeout: float | None = None) -> bytes:
    """A SPARQL 1.1 Service Description of the endpoint at ``endpoint``, serialised as ``media_type``."""
    sd = ox.NamedNode(endpoint)
    a = ox.NamedNode(_SD_PREFIXES["rdf"] + "type")

    def n(local: str) -> ox.NamedNode:
        return ox.NamedNode(_SD + local)

    triples = [
        ox.Triple(sd, a, n("Service")),
        ox.Triple(sd, n("endpoint"), sd),
        ox.Triple(sd, n("supportedLanguage"), n("SPARQL11Query")),
        ox.Triple(sd, n("feature"), n("UnionDefaultGraph")),
        ox.Triple(sd, n("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(sd, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("cnfinkg SPARQL endpoint (read-only)")),
    ]
    if timeout:
        triples.append(ox.Triple(sd, ox.NamedNode("http://purl.org/dc/terms/description"),
                                 ox.Literal(f"Queries are stopped after {timeout:g} s; SERVICE and LOAD are refused.")))
    triples += [ox.Triple(sd, n("resultFormat"), ox.NamedNode(_FORMATS + f)) for f in _SD_RESULT_FORMATS]
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples += [ox.Triple(sd, n("defaultDataset"), dataset), ox.Triple(dataset, a, n("Dataset")),
                ox.Triple(dataset, n("defaultGraph"), default), ox.Triple(default, a, n("Graph"))]
    for g in graphs:
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, n("namedGraph"), node), ox.Triple(node, a, n("NamedGraph")),
                    ox.Triple(node, n("name"), ox.NamedNode(g))]
    fmt = _GRAPH_TYPES[media_type]
    prefixes = _SD_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, None, fmt, prefixes=prefixes) or b""


def _description_type(accept: str | None) -> str | None:
    """The RDF media type a client asked for at the endpoint without a query, or None for the help text."""
    if not accept:
        return None
    for mt in _accepted(accept):
        if mt in _GRAPH_TYPES and mt not in ("text/plain", "application/xml"):
            return mt
        if mt in ("text/plain", "text/html", "text/*", "*/*"):
            return None
    return None


_STATIC_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
    ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".ico": "image/x-icon", ".woff2": "font/woff2", ".txt": "text/plain", ".md": "text/markdown", "": "text/plain",
}
#: The workbench page may only talk to its own origin: no CDN, no third-party request.
WORKBENCH_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                 "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def static_file(relative: str, root: Path = STATIC_DIR) -> Path:
    """The file under ``root`` at the already-percent-decoded ``relative`` path.

    Raises :class:`RequestRefused`: 403 for anything that could leave ``root`` (``..``, absolute
    paths, backslashes, NUL, hidden files, symlinks out), 404 for a file that is not there.
    """
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    if not candidate.is_file():
        raise RequestRefused(HTTPStatus.NOT_FOUND, f"no such file /static/{relative}")
    return candidate


def static_type(path: Path) -> str:
    return _STATIC_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _normalise_origins(origins: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"*"``, one origin, a comma-separated list or an iterable of origins; None or "" for no CORS."""
    if origins is None:
        return ()
    items = origins.split(",") if isinstance(origins, str) else list(origins)
    out = []
    for item in items:
        o = item.strip().rstrip("/")
        if not o:
            continue
        if o != "*" and not re.fullmatch(r"https?://[^/\s]+", o, re.I):
            raise ValueError(f"CORS origin {item!r} is not '*' or scheme://host[:port]")
        out.append(o.lower() if o != "*" else o)
    return ("*",) if "*" in out else tuple(out)


def _named_query_library() -> list[dict[str, str]]:
    """The named queries (``ontology/queries``) with the prefixes they use declared, for the workbench."""
    from graph.store.sparql import describe_named, named_queries, with_prefixes

    paths = named_queries()
    return [{"name": name, "description": description,
             "sparql": with_prefixes(paths[name].read_text(encoding="utf-8"))}
            for name, description in describe_named()]


# -- HTTP ---------------------------------------------------------------------------------------


class SparqlServer(ThreadingHTTPServer):
    """The endpoint's settings live on the server so handlers can reach them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store_path: Path, allow_update: bool, timeout: float,
                 max_request_bytes: int, max_workers: int, cors_origins: str | Iterable[str] | None = "*") -> None:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            ip = None
        if ip is not None and ip.version == 6:
            self.address_family = socket.AF_INET6
        self.store_path = store_path
        self.allow_update = allow_update
        self.cors_origins = _normalise_origins(cors_origins)
        self.query_timeout = timeout
        self.max_request_bytes = max_request_bytes
        self.loopback_only = ip is not None and ip.is_loopback or host == "localhost"
        self.workers = threading.BoundedSemaphore(max_workers)
        self.rwlock = _ReadWriteLock()
        super().__init__((host.strip("[]"), address[1]), SparqlHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"


_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _allowed_methods(path: str) -> str | None:
    """The methods a resource answers (the ``Allow`` header), or None for no such resource."""
    if path in QUERY_PATHS:
        return "GET, HEAD, POST, OPTIONS"
    if path == UPDATE_PATH:
        return "POST, OPTIONS"
    if path in ("/", DATA_PATH, QUERIES_PATH, PREFIXES_PATH) or path.startswith(STATIC_PREFIX):
        return "GET, HEAD, OPTIONS"
    return None


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "cnfinkg-sparql/0.1"
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    # -- plumbing --------------------------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silence the default access log: :meth:`_log` writes one line with the timing."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.warning("%s %s", self.client_address[0], format % args)

    def _log(self, status: int, size: int, t0: float, note: str = "") -> None:
        log.info('%s "%s %s" %d %d %.1fms%s', self.client_address[0], self.command, self.path[:200], status, size,
                 (time.perf_counter() - t0) * 1000, f" {note}" if note else "")

    def _send(self, status: int, body: bytes, media_type: str, t0: float, note: str = "",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if media_type:
            self.send_header("Content-Type", content_type(media_type))
        if status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", _allowed_methods(self._path()) or "GET, HEAD, OPTIONS")
        for name, value in self._cors_headers().items():
            self.send_header(name, value)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(status, len(body), t0, note)

    def _path(self) -> str:
        return urlsplit(self.path).path.rstrip("/") or "/"

    def _cors_headers(self) -> dict[str, str]:
        """``Access-Control-Allow-Origin`` for a read-only resource and an allowed ``Origin``; never for updates."""
        origins = self.server.cors_origins
        if not origins or self._path() not in CORS_PATHS:
            return {}
        if origins == ("*",):
            return {"Access-Control-Allow-Origin": "*"}
        origin = (self.headers.get("Origin") or "").strip().lower()
        if origin in origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def _error(self, status: int, message: str, t0: float) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain", t0, note=message.splitlines()[0][:200])

    def _drain(self, remaining: int) -> None:
        """Read and drop an unwanted body for a moment, so the client sees our answer, not a reset."""
        deadline = time.monotonic() + 1.0
        budget = min(remaining, 16 * 1024 * 1024)
        try:
            self.connection.settimeout(0.5)
            while budget > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(budget, 65536))  # type: ignore[attr-defined]
                if not chunk:
                    break
                budget -= len(chunk)
        except OSError:
            pass

    # -- verbs ---------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._method_not_allowed()

    def do_DELETE(self) -> None:  # noqa: N802
        self._method_not_allowed()

    def do_PATCH(self) -> None:  # noqa: N802
        self._method_not_allowed()

    def _method_not_allowed(self) -> None:
        t0 = time.perf_counter()
        self._discard_body()
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported; use GET or POST", t0)

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length:
            self._drain(length)

    # -- the protocol ----------------------------------------------------------------------
    def _handle(self) -> None:
        t0 = time.perf_counter()
        try:
            self._dispatch(t0)
        except RequestRefused as exc:
            self._error(exc.status, exc.message, t0)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self._log(499, 0, t0, "client went away")
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the server thread silently
            log.exception("internal error")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc.__class__.__name__}", t0)

    def _check_host(self) -> None:
        if not self.server.loopback_only:
            return
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            host = host[: host.find("]") + 1]
        elif host.count(":") == 1:
            host = host.split(":", 1)[0]
        if host and host not in _LOCAL_HOSTS:
            raise RequestRefused(HTTPStatus.FORBIDDEN, f"Host {host!r} is not allowed: this endpoint only answers local requests")

    def _read_params(self) -> tuple[dict[str, list[str]], str | None, str | None]:
        """(URL + form parameters, direct query body, direct update body)."""
        max_bytes = self.server.max_request_bytes
        url = urlsplit(self.path)
        if len(url.query) > max_bytes:
            raise RequestRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request larger than {max_bytes} bytes")
        params = parse_qs(url.query, keep_blank_values=True, max_num_fields=1000)
        if self.command != "POST":
            self._discard_body()
            return params, None, None
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            raise RequestRefused(HTTPStatus.LENGTH_REQUIRED, "chunked requests are not supported; send Content-Length")
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            raise RequestRefused(HTTPStatus.LENGTH_REQUIRED, "POST needs a Content-Length header")
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"bad Content-Length {raw_length!r}") from None
        if length + len(url.query) > max_bytes:
            self._drain(length)
            raise RequestRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                 f"request of {length} bytes is larger than the limit of {max_bytes} bytes")
        body = self.rfile.read(length)
        if len(body) < length:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "request body shorter than its Content-Length")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        charset = "utf-8"
        m = re.search(r"charset=([\w\-]+)", self.headers.get("Content-Type") or "", re.I)
        if m:
            charset = m.group(1)
        try:
            if ctype == "application/x-www-form-urlencoded":
                for k, v in parse_qs(body.decode("ascii", "strict") if body.isascii() else body.decode(charset),
                                     keep_blank_values=True, max_num_fields=1000).items():
                    params.setdefault(k, []).extend(v)
                return params, None, None
            if ctype == "application/sparql-query":
                return params, body.decode(charset), None
            if ctype == "application/sparql-update":
                return params, None, body.decode(charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"cannot decode the request body: {exc}") from None
        except ValueError as exc:  # too many fields
            raise RequestRefused(HTTPStatus.BAD_REQUEST, str(exc)) from None
        raise RequestRefused(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"unsupported Content-Type {ctype or '(none)'!r}: use application/x-www-form-urlencoded, "
            "application/sparql-query or application/sparql-update",
        )

    def _dispatch(self, t0: float) -> None:
        self._check_host()
        raw_path = urlsplit(self.path).path
        path = self._path()
        allowed = _allowed_methods(path) if not raw_path.startswith(STATIC_PREFIX) else "GET, HEAD, OPTIONS"
        if self.command == "OPTIONS":
            self._options(path, allowed, t0)
            return
        if allowed is None:
            self._discard_body()
            raise RequestRefused(HTTPStatus.NOT_FOUND, f"no such resource {path}; the SPARQL endpoint is at /sparql")
        if self.command not in allowed.split(", "):
            self._discard_body()
            raise RequestRefused(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported on {path}; use {allowed}")
        if raw_path.startswith(STATIC_PREFIX):
            self._discard_body()
            self._static(unquote(raw_path[len(STATIC_PREFIX):]), t0)
            return
        if path == "/":
            self._discard_body()
            self._workbench(t0)
            return
        if path in (QUERIES_PATH, PREFIXES_PATH):
            self._discard_body()
            data: Any = _named_query_library() if path == QUERIES_PATH else _PREFIXES
            body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(HTTPStatus.OK, body, "application/json", t0, headers={"Cache-Control": "no-cache"})
            return
        params, direct_query, direct_update = self._read_params()
        if path == DATA_PATH:
            self._graph_store_get(params, t0)
            return
        queries = params.get("query", []) + ([direct_query] if direct_query is not None else [])
        updates = params.get("update", []) + ([direct_update] if direct_update is not None else [])
        if path in QUERY_PATHS and not queries and not updates:
            sd_type = _description_type(self.headers.get("Accept")) if self.command != "POST" else None
            if sd_type is not None:
                self._service_description(path, sd_type, t0)
            else:
                self._send(HTTPStatus.OK, self._describe().encode("utf-8"), "text/plain", t0)
            return
        if path == UPDATE_PATH:
            self._update(params, queries, updates, t0)
            return
        if updates:
            raise RequestRefused(HTTPStatus.FORBIDDEN, self._update_refusal())
        if len(queries) != 1:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "give exactly one query")
        self._query(queries[0], params, t0)

    # -- the other resources -------------------------------------------------------------------
    def _options(self, path: str, allowed: str | None, t0: float) -> None:
        """CORS preflight and ``OPTIONS``: 204 with ``Allow`` (and the CORS headers where CORS applies)."""
        self._discard_body()
        if self.path.strip() == "*":
            allowed = "GET, HEAD, POST, OPTIONS"
        if allowed is None:
            raise RequestRefused(HTTPStatus.NOT_FOUND, f"no such resource {path}; the SPARQL endpoint is at /sparql")
        headers = {"Allow": allowed}
        if self._cors_headers().get("Access-Control-Allow-Origin"):
            requested = self.headers.get("Access-Control-Request-Headers") or ""
            names = [h.strip() for h in requested.split(",") if h.strip()]
            ok = all(re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", h) for h in names)
            headers.update({
                "Access-Control-Allow-Methods": ", ".join(m for m in allowed.split(", ") if m != "HEAD"),
                "Access-Control-Allow-Headers": ", ".join(names) if names and ok else "Accept, Content-Type",
                "Access-Control-Max-Age": "600",
            })
            if (self.headers.get("Access-Control-Request-Private-Network") or "").lower() == "true":
                headers["Access-Control-Allow-Private-Network"] = "true"
        self._send(HTTPStatus.NO_CONTENT, b"", "", t0, note="OPTIONS", headers=headers)

    def _static(self, relative: str, t0: float) -> None:
        path = static_file(relative)
        cache = "public, max-age=86400" if relative.startswith("vendor/") else "no-cache"
        self._send(HTTPStatus.OK, path.read_bytes(), static_type(path), t0, headers={"Cache-Control": cache})

    def _workbench(self, t0: float) -> None:
        page = STATIC_DIR / "index.html"
        if not page.is_file():  # pragma: no cover - a broken install
            raise RequestRefused(HTTPStatus.NOT_FOUND, "the workbench page is not installed; the endpoint is at /sparql")
        self._send(HTTPStatus.OK, page.read_bytes(), "text/html", t0, headers={
            "Content-Security-Policy": WORKBENCH_CSP, "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})

    def _own_url(self, path: str) -> str:
        """This resource's URL as the client addressed it (``Host``), or the bound address."""
        host = (self.headers.get("Host") or "").strip()
        if host and re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", host):
            return f"http://{host}{path}"
        return self.server.url + path

    def _service_description(self, path: str, media_type: str, t0: float) -> None:
        names = self._run(Job(str(self.server.store_path), "", LIST_GRAPHS), write=False).decode("utf-8")
        body = service_description(self._own_url(path), [g for g in names.splitlines() if g], media_type,
                                   self.server.query_timeout)
        self._send(HTTPStatus.OK, body, media_type, t0, note="service description")

    def _graph_store_get(self, params: dict[str, list[str]], t0: float) -> None:
        """SPARQL 1.1 Graph Store Protocol, read-only: ``GET /data?graph=IRI`` or ``GET /data?default``."""
        graphs = self._graph_params(params, "graph")
        if ("default" in params) == bool(graphs) or len(graphs) > 1:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "give either ?default or one ?graph=IRI")
        media_type = negotiate("CONSTRUCT", self.headers.get("Accept"), params.get("format", []))
        if media_type is None:
            raise RequestRefused(HTTPStatus.NOT_ACCEPTABLE,
                                 f"cannot answer in {self.headers.get('Accept')}; supported: {', '.join(_GRAPH_TYPES)}")
        body = self._run(Job(str(self.server.store_path), graphs[0] if graphs else "", GSP_GET, media_type), write=False)
        self._send(HTTPStatus.OK, body, media_type, t0, note="GSP " + (graphs[0] if graphs else "default"))

    def _update_refusal(self) -> str:
        if self.server.allow_update:
            return "SPARQL Update must be POSTed to /update"
        return "SPARQL Update is not allowed: this endpoint is read-only (start `kg serve --update` to allow it, at /update)"

    def _describe(self) -> str:
        mode = "read-write (updates at /update)" if self.server.allow_update else "read-only"
        return (
            "cnfinkg SPARQL 1.1 endpoint (" + mode + ")\n"
            f"  workbench (query editor): {self.server.url}/\n"
            f"  GET  {self.server.url}/sparql?query=...\n"
            f"  POST {self.server.url}/sparql  (query=... form, or Content-Type: application/sparql-query)\n"
            "Results: application/sparql-results+json (default), application/sparql-results+xml, text/csv,\n"
            "text/tab-separated-values; graphs: text/turtle (default), application/n-triples,\n"
            "application/ld+json, application/rdf+xml.\n"
            "Service description: GET /sparql with Accept: text/turtle. Graph Store Protocol (read-only):\n"
            "GET /data?graph=IRI or /data?default. Named queries: /queries; prefixes: /prefixes.\n"
            f"Queries are stopped after {self.server.query_timeout:g} s. Prefixes known without declaration: "
            + ", ".join(_PREFIXES) + "\n"
        )

    def _check_safe(self, info: Inspection) -> None:
        if info.uses_service:
            raise RequestRefused(HTTPStatus.FORBIDDEN, "SERVICE (federated query) is not allowed on this endpoint")
        if info.uses_load:
            raise RequestRefused(HTTPStatus.FORBIDDEN, "LOAD is not allowed on this endpoint")
        if info.file_iris:
            raise RequestRefused(HTTPStatus.FORBIDDEN, f"file: IRIs are not allowed on this endpoint ({info.file_iris[0]})")

    def _graph_params(self, params: dict[str, list[str]], name: str) -> tuple[str, ...]:
        values = tuple(v.strip() for v in params.get(name, []) if v.strip())
        for v in values:
            if v.lower().startswith("file:"):
                raise RequestRefused(HTTPStatus.FORBIDDEN, f"file: IRIs are not allowed on this endpoint ({v})")
            try:
                ox.NamedNode(v)
            except ValueError as exc:
                raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{name}: {exc}") from None
        return values

    def _query(self, text: str, params: dict[str, list[str]], t0: float) -> None:
        info = inspect_sparql(text)
        if info.form == "UPDATE":
            raise RequestRefused(HTTPStatus.FORBIDDEN, self._update_refusal())
        self._check_safe(info)
        form = info.form if info.form in _QUERY_FORMS else "SELECT"  # not a query form: the parser will say why
        media_type = negotiate(form, self.headers.get("Accept"), params.get("format", []) + params.get("output", []))
        if media_type is None:
            supported = ", ".join(_GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else _RESULT_TYPES)
            raise RequestRefused(HTTPStatus.NOT_ACCEPTABLE, f"cannot answer a {form} query in {self.headers.get('Accept')}; supported: {supported}")
        job = Job(str(self.server.store_path), text, form, media_type,
                  self._graph_params(params, "default-graph-uri"), self._graph_params(params, "named-graph-uri"))
        body = self._run(job, write=False)
        self._send(HTTPStatus.OK, body, media_type, t0, note=form)

    def _update(self, params: dict[str, list[str]], queries: list[str], updates: list[str], t0: float) -> None:
        if self.command != "POST":
            raise RequestRefused(HTTPStatus.METHOD_NOT_ALLOWED, "SPARQL Update needs POST")
        if not self.server.allow_update:
            raise RequestRefused(HTTPStatus.FORBIDDEN, self._update_refusal())
        origin = (self.headers.get("Origin") or "").strip().lower()
        if origin and origin != self._own_url("").lower():
            raise RequestRefused(HTTPStatus.FORBIDDEN, f"updates from another origin ({origin}) are not allowed")
        if queries or len(updates) != 1:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "POST exactly one update (update=... or application/sparql-update) to /update")
        if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "using-graph-uri / using-named-graph-uri are not supported")
        info = inspect_sparql(updates[0])
        if info.form in _QUERY_FORMS:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"this is a {info.form} query; send it to /sparql")
        self._check_safe(info)
        self._run(Job(str(self.server.store_path), updates[0], "UPDATE"), write=True)
        self._send(HTTPStatus.OK, b"update applied\n", "text/plain", t0, note="UPDATE")

    def _run(self, job: Job, write: bool) -> bytes:
        server = self.server
        if not server.workers.acquire(timeout=max(server.query_timeout, 1.0)):
            raise RequestRefused(HTTPStatus.SERVICE_UNAVAILABLE, "server busy: too many queries running, try again")
        try:
            (server.rwlock.acquire_write if write else server.rwlock.acquire_read)()
            try:
                return run_job(job, server.query_timeout)
            finally:
                (server.rwlock.release_write if write else server.rwlock.release_read)()
        finally:
            server.workers.release()


def make_server(
    store_path: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_update: bool = False,
    timeout: float = 10.0,
    max_request_bytes: int = 1_000_000,
    max_workers: int | None = None,
    cors_origins: str | Iterable[str] | None = "*",
) -> SparqlServer:
    """A ready (bound, not yet serving) endpoint over the store at ``store_path``; ``port=0`` picks a free port.

    ``cors_origins``: the origins whose pages may read the query endpoint, ``/data``, ``/queries`` and
    ``/prefixes`` (``"*"``, the default: any page, since these are read-only; a list, or a
    comma-separated string, of ``scheme://host[:port]``; None for no CORS). ``/update`` never allows CORS.
    """
    from graph.store.local import StoreError

    store_path = Path(store_path)
    if not store_path.exists():
        raise StoreError(f"{store_path}: no store here yet (run `kg build` first)")
    try:
        probe = ox.Store.read_only(str(store_path))  # fail now, not on the first query
        del probe
    except OSError as exc:
        raise StoreError(f"{store_path}: cannot open store ({str(exc).splitlines()[0]})") from None
    if max_request_bytes <= 0:
        raise ValueError("max_request_bytes must be positive")
    workers = max_workers or max(2, os.cpu_count() or 2)
    origins = _normalise_origins(cors_origins)  # a bad origin is an error before binding the port
    return SparqlServer((host, port), store_path, allow_update, timeout, max_request_bytes, workers, origins)


def serve(
    store_path: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_update: bool = False,
    timeout: float = 10.0,
    max_request_bytes: int = 1_000_000,
    cors_origins: str | Iterable[str] | None = "*",
) -> None:
    """Serve the store over the SPARQL 1.1 Protocol, with the workbench at ``/``, until interrupted (Ctrl-C).

    ``cors_origins`` as for :func:`make_server`.
    """
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    server = make_server(store_path, host, port, allow_update, timeout, max_request_bytes, cors_origins=cors_origins)
    if not server.loopback_only:
        log.warning("listening on %s, which is not loopback: anyone who can reach it can query the store", host)
    log.info("SPARQL endpoint %s/sparql over %s (%s, timeout %g s); workbench at %s/", server.url, store_path,
             "updates allowed at /update" if allow_update else "read-only", timeout, server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()


__all__ = ["Inspection", "RequestRefused", "SparqlServer", "inspect_sparql", "make_server", "negotiate", "serve",
           "service_description", "static_file"]
