"""``kg build`` and ``kg remove``: the commands that write documents into the store, or take them out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from graph.cli.common import StoreOpt, err, open_kg, out, summary_table
from graph.cli.errors import EXIT_USAGE, guard
from graph.extract import CONNECT_TIMEOUT, connect
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
    cluster: Annotated[str | None, typer.Option(
        help="Run extraction on the Dask cluster whose scheduler is at this address (tcp://HOST:8786); "
             "the store is written here. See docs/cluster.md.")] = None,
    connect_timeout: Annotated[float, typer.Option(
        help="Seconds to reach the --cluster scheduler and see a worker there.")] = CONNECT_TIMEOUT,
) -> None:
    """Extract entities, relations and facts from documents into the store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from graph.api import unusable_paths

    if cluster is not None and workers > 1:
        raise InputError("--workers runs extraction here, --cluster on a Dask cluster: give one of them")

    # A missing path or a folder without documents is reported and skipped; when no path is usable the
    # build stops here, before the store is opened (docs/errors.md).
    unusable = unusable_paths(paths)
    if len(unusable) == len(paths):
        for msg in unusable[:-1]:
            err.print(f"[bold red]error:[/] {escape(msg)}", highlight=False)
        raise InputError(unusable[-1])

    def warn(message: str) -> None:
        err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)

    client = connect(cluster, connect_timeout, warn) if cluster is not None else None  # before a store is created
    kg = None
    report = None
    try:
        kg = open_kg(store)
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("building", total=None)

            def progress(i: int, n: int, name: str) -> None:
                # before the first document (workers loading their pipelines) the bar says so, not "done"
                label = Path(name).name[:40] if name else "done" if n and i >= n else "starting"
                bar.update(task, total=n, completed=i, description=label)

            report = kg.add(paths, force=force, reason=reason, use_statistical=model, progress=progress,
                            on_warning=warn,
                            max_bytes=int(max_mb * 1024 * 1024), workers=max(1, workers), cluster=client)
    finally:
        if client is not None:
            client.close()
        failed = report is None or (bool(report.failed) and not report.documents and not report.skipped_unchanged)
        if kg is not None and failed:
            kg.close_discarding_if_empty()  # a store this build created and left without documents goes
        elif kg is not None:
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
