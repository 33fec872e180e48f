"""The ``kg`` command: a thin layer over :mod:`graph.api`, one module per group of commands.

:mod:`.build` (build, remove), :mod:`.query` (query, queries), :mod:`.export` (export, viz),
:mod:`.check` (stats, validate, eval), :mod:`.serve` (serve); :mod:`.errors` turns failures into
one line and an exit code, :mod:`.common` holds the consoles and the ``--store`` option.
"""

from __future__ import annotations

from typing import Annotated

import typer

from graph.cli.build import build, remove
from graph.cli.check import evaluate, stats, validate
from graph.cli.errors import state
from graph.cli.export import export, viz
from graph.cli.query import queries, query
from graph.cli.serve import serve

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Knowledge graphs from Chinese financial news.")


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    state["debug"] = debug


for _command in (build, query, queries, export, viz, stats, remove, validate, serve):
    app.command()(_command)
app.command(name="eval")(evaluate)


def run() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
