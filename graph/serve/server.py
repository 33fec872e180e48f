"""The endpoint's server: settings, checks before binding a port, and ``serve`` until Ctrl-C.

:class:`SparqlServer` holds what every request needs (the store's path, the limits, the CORS
origins, the worker slots and the read/write lock); :func:`make_server` checks the store and the
settings before it binds the port, so a mistake is an error at start, not on the first query.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import threading
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.serve.handler import SparqlHandler, log
from graph.serve.jobs import ReadWriteLock

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


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
        self.rwlock = ReadWriteLock()
        super().__init__((host.strip("[]"), address[1]), SparqlHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"


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


def serve(store_path: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, allow_update: bool = False,
          timeout: float = 10.0, **options: Any) -> None:
    """Serve the store over the SPARQL 1.1 Protocol, with the workbench at ``/``, until interrupted (Ctrl-C).

    ``options``: ``max_request_bytes``, ``max_workers`` and ``cors_origins``, as for :func:`make_server`.
    """
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    server = make_server(store_path, host, port, allow_update, timeout, **options)
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


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "SparqlServer", "make_server", "serve"]
