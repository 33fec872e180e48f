"""The HTTP request handler: routing, Host and Origin checks, CORS, OPTIONS, static files, one log line.

The protocol itself (parameters, negotiation, refusals) is :mod:`.protocol`; the work on the
store is a :class:`~graph.serve.jobs.Job` run in a child process.  Every answer, errors
included, goes through :meth:`SparqlHandler._send`, which adds the CORS and security headers and
writes the request's log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from graph.serve.description import help_text, named_query_library, service_description
from graph.serve.entity import parse_iri
from graph.serve.entity_page import render_entity, render_problem
from graph.serve.explore import EXPLORE_PATHS, answer, bindings, viewer_file
from graph.serve.gsp import requested_graph
from graph.serve.jobs import ENTITY, GSP_GET, LIST_GRAPHS, UPDATE, Job, run_job
from graph.serve.protocol import (
    RequestRefused,
    body_params,
    check_safe,
    content_type,
    description_type,
    graph_params,
    negotiate,
    query_params,
    update_refusal,
)
from graph.serve.static import WORKBENCH_CSP, package_file, static_file, static_type, workbench_page
from graph.store.classify import inspect_sparql
from graph.store.formats import types_for
from graph.store.sparql import PREFIX_MAP

if TYPE_CHECKING:
    from graph.serve.server import SparqlServer

#: The request log (one line a request); the name it has had since the server was one module.
log = logging.getLogger("graph.serve.server")

QUERY_PATHS = ("/sparql", "/query")
UPDATE_PATH = "/update"
DATA_PATH = "/data"
QUERIES_PATH = "/queries"
PREFIXES_PATH = "/prefixes"
ENTITY_PATH = "/entity"
ENTITY_JSON_PATH = "/entity.json"
STATIC_PREFIX = "/static/"
#: Resources a page on another origin may read (CORS); never ``/update``.
CORS_PATHS = (*QUERY_PATHS, DATA_PATH, QUERIES_PATH, PREFIXES_PATH, ENTITY_JSON_PATH, *EXPLORE_PATHS)
#: Bound on the time a client may take to send its request (slow clients hold a thread).
SOCKET_TIMEOUT = 30.0

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def allowed_methods(path: str) -> str | None:
    """The methods a resource answers (the ``Allow`` header), or None for no such resource."""
    if path in QUERY_PATHS or path in EXPLORE_PATHS:
        return "GET, HEAD, POST, OPTIONS"
    if path == UPDATE_PATH:
        return "POST, OPTIONS"
    if path in ("/", DATA_PATH, QUERIES_PATH, PREFIXES_PATH, ENTITY_PATH, ENTITY_JSON_PATH) or path.startswith(STATIC_PREFIX):
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
            self.send_header("Allow", allowed_methods(self._path()) or "GET, HEAD, OPTIONS")
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

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length:
            self._drain(length)

    # -- verbs ---------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle()

    do_POST = do_HEAD = do_OPTIONS = do_GET

    def do_PUT(self) -> None:  # noqa: N802
        t0 = time.perf_counter()
        self._discard_body()
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported; use GET or POST", t0)

    do_DELETE = do_PATCH = do_PUT

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
        params = query_params(url.query)
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
        query, update = body_params(params, body, self.headers.get("Content-Type") or "")
        return params, query, update

    def _dispatch(self, t0: float) -> None:
        self._check_host()
        raw_path = urlsplit(self.path).path
        path = self._path()
        allowed = allowed_methods(path) if not raw_path.startswith(STATIC_PREFIX) else "GET, HEAD, OPTIONS"
        if self.command == "OPTIONS":
            self._options(path, allowed, t0)
            return
        if allowed is None:
            self._discard_body()
            raise RequestRefused(HTTPStatus.NOT_FOUND, f"no such resource {path}; the SPARQL endpoint is at /sparql")
        if self.command not in allowed.split(", "):
            self._discard_body()
            raise RequestRefused(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported on {path}; use {allowed}")
        if raw_path.startswith(STATIC_PREFIX) or path in ("/", QUERIES_PATH, PREFIXES_PATH):
            self._discard_body()
            self._page(path, raw_path, t0)
            return
        params, direct_query, direct_update = self._read_params()
        if path in (ENTITY_PATH, ENTITY_JSON_PATH):
            self._entity(path, params, t0)
            return
        if path in EXPLORE_PATHS:
            body = answer(path, params, self._select)
            self._send(HTTPStatus.OK, body, "application/json", t0, note="explore", headers={"Cache-Control": "no-cache"})
            return
        if path == DATA_PATH:
            iri, media_type = requested_graph(params, self.headers.get("Accept"))
            body = self._run(Job(str(self.server.store_path), iri, GSP_GET, media_type), write=False)
            self._send(HTTPStatus.OK, body, media_type, t0, note="GSP " + (iri or "default"))
            return
        queries = params.get("query", []) + ([direct_query] if direct_query is not None else [])
        updates = params.get("update", []) + ([direct_update] if direct_update is not None else [])
        if path in QUERY_PATHS and not queries and not updates:
            self._about(path, t0)
            return
        if path == UPDATE_PATH:
            self._update(params, queries, updates, t0)
            return
        if updates:
            raise RequestRefused(HTTPStatus.FORBIDDEN, update_refusal(self.server.allow_update))
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

    def _page(self, path: str, raw_path: str, t0: float) -> None:
        """The resources that are no SPARQL: the workbench, its files, the query library, the prefixes."""
        if raw_path.startswith(STATIC_PREFIX):
            relative = unquote(raw_path[len(STATIC_PREFIX):])
            packaged = package_file(relative)
            if packaged is not None:
                self._send(HTTPStatus.OK, packaged[0], packaged[1], t0, headers={"Cache-Control": "public, max-age=86400"})
                return
            viewer = viewer_file(relative)
            if viewer is not None:
                self._send(HTTPStatus.OK, viewer[0], viewer[1], t0, headers={"Cache-Control": "no-cache"})
                return
            file = static_file(relative)
            cache = "public, max-age=86400" if relative.startswith("vendor/") else "no-cache"
            self._send(HTTPStatus.OK, file.read_bytes(), static_type(file), t0, headers={"Cache-Control": cache})
        elif path == "/":
            self._send(HTTPStatus.OK, workbench_page(), "text/html", t0, headers={
                "Content-Security-Policy": WORKBENCH_CSP, "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})
        else:
            data: Any = named_query_library() if path == QUERIES_PATH else PREFIX_MAP
            body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(HTTPStatus.OK, body, "application/json", t0, headers={"Cache-Control": "no-cache"})

    def _entity(self, path: str, params: dict[str, list[str]], t0: float) -> None:
        """An entity's page (HTML; errors as HTML pages too) or its data (``/entity.json``; errors as text)."""
        try:
            iri = parse_iri(params.get("iri", []))
            body = self._run(Job(str(self.server.store_path), iri, ENTITY), write=False)
        except RequestRefused as exc:
            if path == ENTITY_JSON_PATH:
                raise
            self._send(exc.status, render_problem(exc.status, exc.message), "text/html", t0, note=exc.message[:200],
                       headers={"Content-Security-Policy": WORKBENCH_CSP})
            return
        if path == ENTITY_JSON_PATH:
            self._send(HTTPStatus.OK, body, "application/json", t0, note="entity", headers={"Cache-Control": "no-cache"})
            return
        page = render_entity(json.loads(body))
        self._send(HTTPStatus.OK, page, "text/html", t0, note="entity", headers={
            "Content-Security-Policy": WORKBENCH_CSP, "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})

    def _own_url(self, path: str) -> str:
        """This resource's URL as the client addressed it (``Host``), or the bound address."""
        host = (self.headers.get("Host") or "").strip()
        if host and re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", host):
            return f"http://{host}{path}"
        return self.server.url + path

    def _about(self, path: str, t0: float) -> None:
        """The endpoint without a query: its service description for an RDF ``Accept``, else the help text."""
        media_type = description_type(self.headers.get("Accept")) if self.command != "POST" else None
        if media_type is None:
            text = help_text(self.server.url, self.server.allow_update, self.server.query_timeout)
            self._send(HTTPStatus.OK, text.encode("utf-8"), "text/plain", t0)
            return
        names = self._run(Job(str(self.server.store_path), "", LIST_GRAPHS), write=False).decode("utf-8")
        body = service_description(self._own_url(path), [g for g in names.splitlines() if g], media_type,
                                   self.server.query_timeout)
        self._send(HTTPStatus.OK, body, media_type, t0, note="service description")

    def _query(self, text: str, params: dict[str, list[str]], t0: float) -> None:
        info = inspect_sparql(text)
        if info.is_update:
            raise RequestRefused(HTTPStatus.FORBIDDEN, update_refusal(self.server.allow_update))
        check_safe(info)
        form = info.form if info.is_query else "SELECT"  # not a query form: the parser will say why
        media_type = negotiate(form, self.headers.get("Accept"), params.get("format", []) + params.get("output", []))
        if media_type is None:
            supported = ", ".join(types_for(form))
            raise RequestRefused(HTTPStatus.NOT_ACCEPTABLE, f"cannot answer a {form} query in {self.headers.get('Accept')}; supported: {supported}")
        job = Job(str(self.server.store_path), text, form, media_type,
                  graph_params(params, "default-graph-uri"), graph_params(params, "named-graph-uri"))
        body = self._run(job, write=False)
        self._send(HTTPStatus.OK, body, media_type, t0, note=form)

    def _update(self, params: dict[str, list[str]], queries: list[str], updates: list[str], t0: float) -> None:
        if self.command != "POST":
            raise RequestRefused(HTTPStatus.METHOD_NOT_ALLOWED, "SPARQL Update needs POST")
        if not self.server.allow_update:
            raise RequestRefused(HTTPStatus.FORBIDDEN, update_refusal(False))
        origin = (self.headers.get("Origin") or "").strip().lower()
        if origin and origin != self._own_url("").lower():
            raise RequestRefused(HTTPStatus.FORBIDDEN, f"updates from another origin ({origin}) are not allowed")
        if queries or len(updates) != 1:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "POST exactly one update (update=... or application/sparql-update) to /update")
        if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "using-graph-uri / using-named-graph-uri are not supported")
        info = inspect_sparql(updates[0])
        if info.is_query:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"this is a {info.form} query; send it to /sparql")
        check_safe(info)
        self._run(Job(str(self.server.store_path), updates[0], UPDATE), write=True)
        self._send(HTTPStatus.OK, b"update applied\n", "text/plain", t0, note="UPDATE")

    def _select(self, text: str) -> list[dict[str, dict[str, str]]]:
        """One SELECT of the explore resources, run like any query (child process, time limit)."""
        job = Job(str(self.server.store_path), text, "SELECT", "application/sparql-results+json")
        return bindings(self._run(job, write=False))

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


__all__ = ["CORS_PATHS", "DATA_PATH", "ENTITY_JSON_PATH", "ENTITY_PATH", "PREFIXES_PATH", "QUERIES_PATH", "QUERY_PATHS", "STATIC_PREFIX", "UPDATE_PATH",
           "SparqlHandler", "allowed_methods", "log"]
