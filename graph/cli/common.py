"""What the commands share: the two consoles, the ``--store`` option, opening a graph, short names."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.vocab import PREFIXES

if TYPE_CHECKING:
    from graph.api import KnowledgeGraph


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich's default exits with status 1; let :func:`graph.cli.errors.guard` end the command quietly instead."""
        self.quiet = True
        raise BrokenPipeError


#: Results and reports; ``err``: errors, warnings and progress, so that stdout stays pipeable.
out = _Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = _Console(stderr=True, soft_wrap=True)


def store_location(value: str | Path) -> str | Path:
    """A store directory, or an ``http(s)://`` SPARQL endpoint kept as text (a Path would fold ``//``)."""
    from graph.store.remote import is_remote

    text = str(value)
    return text if is_remote(text) else Path(text)


StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store", "-s", parser=store_location, metavar="DIR|URL",
        help="Store directory (embedded Oxigraph), or a SPARQL 1.1 endpoint URL (http(s)://…: Oxigraph server, Fuseki, GraphDB…).",
    ),
]


def open_kg(store: str | Path, read_only: bool = False) -> KnowledgeGraph:
    from graph.api import KnowledgeGraph

    return KnowledgeGraph.open(store, read_only=read_only)


def summary_table(title: str, data: dict[str, object]) -> Table:
    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    for k, v in data.items():
        t.add_row(str(k), str(v))
    return t


def short(v: object) -> str:
    """A term as text, an IRI in one of the project's namespaces as ``prefix:local``."""
    s = "" if v is None else str(v)
    for p, ns in PREFIXES.items():
        if s.startswith(str(ns)):
            return f"{p}:{s[len(str(ns)):]}"
    return s


__all__ = ["StoreOpt", "err", "open_kg", "out", "short", "store_location", "summary_table"]
