"""``kg build`` and ``kg remove``: the commands that write documents into the store, or take them out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from graph.cli.common import StoreOpt, err, open_kg, out, summary_table
from graph.cli.errors import EXIT_USAGE, guard
from graph.ingest.reader import InputError
from graph.store.local import DEFAULT_STORE


@guard
def build(
    paths: Annotated[list[Path], typer.Argument(help=".txt/.md/.html files or folders.")],
    store: StoreOpt = DEFAULT_STORE,
    force: Annotated[bool, typer.Option(help="Rebuild documents even if unchanged.")] = False,
    reason: Annotated[bool, typer.Option(help="Materialise superclass types and inverse/symmetric relations (OWL-RL).")] = False,
    model: Annotated[bool, typer.Option(help="Use the statistical NER model besides the rules.")] = True,
    max_mb: Annotated[float, typer.Option(help="Refuse documents larger than this many MB.")] = 20.0,
    workers: Annotated[int, typer.Option(help="Extraction processes (the writer stays in this one).")] = 1,
) -> None:
    """Extract entities, relations and facts from documents into the store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from graph.api import unusable_paths

    # A missing path or a folder without documents is reported and skipped; when no path is usable the
    # build stops here, before the store is opened (docs/errors.md).
    unusable = unusable_paths(paths)
    if len(unusable) == len(paths):
        for msg in unusable[:-1]:
            err.print(f"[bold red]error:[/] {escape(msg)}", highlight=False)
        raise InputError(unusable[-1])
    kg = open_kg(store)
    report = None
    try:
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("building", total=None)

            def progress(i: int, n: int, name: str) -> None:
                bar.update(task, total=n, completed=i, description=Path(name).name[:40] if name else "done")

            report = kg.add(paths, force=force, reason=reason, use_statistical=model, progress=progress,
                            on_warning=lambda m: err.print(f"[yellow]warning:[/] {escape(m)}", highlight=False),
                            max_bytes=int(max_mb * 1024 * 1024), workers=max(1, workers))
    finally:
        failed = report is None or (bool(report.failed) and not report.documents and not report.skipped_unchanged)
        if failed:
            kg.close_discarding_if_empty()  # a store this build created and left without documents goes
        else:
            kg.close()
    for _path, msg in report.failed:
        err.print(f"[red]failed:[/] {escape(msg)}", highlight=False)
    out.print(summary_table(f"Built {store}", report.as_dict()))
    if failed:
        raise typer.Exit(EXIT_USAGE)


@guard
def remove(
    documents: Annotated[list[str], typer.Argument(help="Document paths, keys or IRIs.")],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Retract documents; facts that other documents also support stay."""
    with open_kg(store) as kg:
        removed = kg.remove(documents)
    out.print(f"removed {len(removed)} document(s)")
    if not removed:
        raise typer.Exit(EXIT_USAGE)
