"""``kg serve``: the store over the SPARQL 1.1 Protocol, with the workbench (:mod:`graph.serve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.cli.common import StoreOpt
from graph.cli.errors import EXIT_USAGE, fail, guard
from graph.store.local import DEFAULT_STORE


@guard
def serve(
    store: StoreOpt = DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="Address to listen on; the default answers this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7878,
    update: Annotated[bool, typer.Option("--update", help="Allow SPARQL Update, POSTed to /update.")] = False,
    timeout: Annotated[float, typer.Option(help="Stop each query after this many seconds.")] = 10.0,
    cors: Annotated[str, typer.Option(help="Origins allowed to query from a browser: '*', 'none', or a comma-separated list.")] = "*",
) -> None:
    """Serve the workbench at http://HOST:PORT/ and the SPARQL 1.1 endpoint at /sparql (read-only unless --update)."""
    from graph.serve import serve as run_server

    if not isinstance(store, Path):
        raise ValueError(f"--store {store}: kg serve serves a local store directory, not a remote endpoint")
    try:
        origins = None if cors.strip().lower() == "none" else cors
        run_server(store, host=host, port=port, allow_update=update, timeout=timeout, cors_origins=origins)
    except OSError as exc:  # port in use, address not available
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)
