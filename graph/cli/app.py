"""The ``kg`` command: a thin layer over :mod:`graph.api`.

Errors are one line on stderr with a documented exit code; ``--debug``
shows the traceback.  Exit codes: 0 ok, 1 validation or evaluation failure,
2 bad input or query, 3 store locked or unusable, 4 timeout, 5 internal error.
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graph.ingest.reader import InputError
from graph.store.local import DEFAULT_STORE, StoreError, StoreLockedError
from graph.store.sparql import QueryError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Knowledge graphs from Chinese financial news.")


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich's default exits with status 1; let :func:`_guard` end the command quietly instead."""
        self.quiet = True
        raise BrokenPipeError


out = _Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = _Console(stderr=True, soft_wrap=True)

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_TIMEOUT = 4
EXIT_INTERNAL = 5

def _store_location(value: str | Path) -> str | Path:
    """A store directory, or an ``http(s)://`` SPARQL endpoint kept as text (a Path would fold ``//``)."""
    from graph.store.remote import is_remote

    text = str(value)
    return text if is_remote(text) else Path(text)


StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store", "-s", parser=_store_location, metavar="DIR|URL",
        help="Store directory (embedded Oxigraph), or a SPARQL 1.1 endpoint URL (http(s)://…: Oxigraph server, Fuseki, GraphDB…).",
    ),
]
_state = {"debug": False}


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _silence_stdout() -> None:
    """The reader of our output went away (``kg query … | head``): drop what is still buffered."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
        pass


def _guard(fn):
    """Turn expected failures into one-line errors with exit codes."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            # Like `yes | head`: the output was cut short on purpose; no message, success.
            _silence_stdout()
            raise typer.Exit(0) from None
        except (InputError, QueryError, ValueError) as exc:
            if _state["debug"]:
                raise
            _fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__, EXIT_USAGE)
        except StoreLockedError as exc:
            if _state["debug"]:
                raise
            _fail(str(exc), EXIT_STORE)
        except StoreError as exc:
            if _state["debug"]:
                raise
            _fail(str(exc), EXIT_STORE)
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            if _state["debug"]:
                raise
            _fail(_os_error_message(exc), EXIT_USAGE)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback unless --debug
            if _state["debug"]:
                raise
            _fail(f"internal error ({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); rerun with --debug for details", EXIT_INTERNAL)

    return wrapper


def _os_error_message(exc: OSError) -> str:
    """``PATH: reason`` for an OSError that names a file, else its own message (never a bare ``: …``)."""
    reason = (exc.strerror or str(exc)).strip()
    if exc.filename:
        reason = reason[0].lower() + reason[1:] if reason[:1].isupper() and reason[1:2].islower() else reason
        return f"{exc.filename}: {reason}"
    return reason or exc.__class__.__name__


def _open(store: str | Path, read_only: bool = False):
    from graph.api import KnowledgeGraph

    return KnowledgeGraph.open(store, read_only=read_only)


def _summary_table(title: str, data: dict[str, object]) -> Table:
    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    for k, v in data.items():
        t.add_row(str(k), str(v))
    return t


@app.command()
@_guard
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

    from graph.ingest.reader import iter_paths

    # A missing path or a folder without documents is reported and skipped; when no path is usable the
    # build stops here, before the store is opened (docs/errors.md).
    unusable = []
    for p in paths:
        try:
            next(iter_paths([p]), None)
        except InputError as exc:
            unusable.append(str(exc))
    if len(unusable) == len(paths):
        for msg in unusable[:-1]:
            err.print(f"[bold red]error:[/] {escape(msg)}", highlight=False)
        raise InputError(unusable[-1])
    kg = _open(store)
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
                            on_warning=lambda m: err.print(f"[yellow]warning:[/] {escape(m)}", highlight=False), max_bytes=int(max_mb * 1024 * 1024), workers=max(1, workers))
    finally:
        failed = report is None or (bool(report.failed) and not report.documents and not report.skipped_unchanged)
        if failed:
            kg.close_discarding_if_empty()  # a store this build created and left without documents goes
        else:
            kg.close()
    for _path, msg in report.failed:
        err.print(f"[red]failed:[/] {escape(msg)}", highlight=False)
    out.print(_summary_table(f"Built {store}", report.as_dict()))
    if failed:
        raise typer.Exit(EXIT_USAGE)


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


@app.command()
@_guard
def query(
    query: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or a named query (kg queries).")],
    store: StoreOpt = DEFAULT_STORE,
    format: Annotated[Fmt, typer.Option("--format", "-f")] = Fmt.table,
    bind: Annotated[list[str] | None, typer.Option("--bind", "-b", help="VAR=VALUE, repeatable.")] = None,
    update: Annotated[bool, typer.Option(help="Allow SPARQL Update (INSERT/DELETE…).")] = False,
    timeout: Annotated[float, typer.Option(help="Stop the query after this many seconds (0 = no limit).")] = 0.0,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the store."""
    from graph.store.sparql import is_update, parse_binding, resolve, with_prefixes

    text = resolve(query)
    sparql = with_prefixes(text)
    bindings = dict(parse_binding(b) for b in (bind or []))
    _check_syntax(sparql, line_offset=sparql.count("\n") - text.count("\n"))
    if is_update(sparql) and not update:
        raise QueryError("this is a SPARQL Update (INSERT, DELETE, DROP …); pass --update to change the store")
    if timeout > 0 and not update:
        _query_with_timeout(sparql, store, bindings, format, timeout)
        return
    with _open(store, read_only=not update) as kg:
        result = kg.query(sparql, bindings, allow_update=update)
        if result is None:
            out.print("update applied")
            return
        _print_result(result, format)


def _check_syntax(sparql: str, line_offset: int = 0) -> None:
    """Parse with Oxigraph, the engine that will run the query, against an empty in-memory store."""
    import re

    import pyoxigraph as ox
    from rdflib.plugins.sparql import prepareUpdate

    from graph.store.sparql import is_update, syntax_error_message

    try:
        if not is_update(sparql):
            ox.Store().query(sparql)  # lazy: parsed now, evaluated only when iterated
        elif re.search(r"\bLOAD\b|\bSERVICE\b", sparql, re.I):
            prepareUpdate(sparql)  # an update is executed to be parsed: not one that fetches a URL
        else:
            ox.Store().update(sparql)  # a throwaway empty store
    except SyntaxError as exc:
        raise QueryError(syntax_error_message(exc, sparql, line_offset)) from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises pyparsing errors
        if "ParseException" in exc.__class__.__name__ or "Expected" in str(exc):
            raise QueryError(syntax_error_message(exc, sparql, line_offset)) from None


def _run_query_child(sparql, store, bindings, fmt, conn) -> None:  # pragma: no cover - runs in a subprocess
    import io

    from rich.console import Console

    from graph.api import KnowledgeGraph

    buf = io.StringIO()
    global out
    out = Console(file=buf, soft_wrap=True, width=200)
    sys.stdout = buf  # csv/json/turtle writers print to stdout: capture them for the parent
    try:
        with KnowledgeGraph.open(store, read_only=True) as kg:
            _print_result(kg.query(sparql, bindings), fmt)
        conn.send(("ok", buf.getvalue()))
    except Exception as exc:  # noqa: BLE001
        conn.send(("error", str(exc)))


def _query_with_timeout(sparql, store, bindings, fmt, timeout: float) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_run_query_child, args=(sparql, store, bindings, fmt, child))
    proc.start()
    if parent.poll(timeout):
        status, payload = parent.recv()
        proc.join()
        if status == "error":
            raise QueryError(payload)
        sys.stdout.write(payload)
        return
    proc.kill()
    proc.join()
    _fail(f"query stopped after {timeout:g} s (--timeout)", EXIT_TIMEOUT)


def _term(v) -> str:
    return "" if v is None else str(v)


def _json_term(v) -> dict[str, str]:
    """One RDF term in the SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/)."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF, XSD

    if isinstance(v, URIRef):
        return {"type": "uri", "value": str(v)}
    if isinstance(v, BNode):
        return {"type": "bnode", "value": str(v)}
    if isinstance(v, Literal):
        term = {"type": "literal", "value": str(v)}
        if v.language:
            term["xml:lang"] = v.language
        elif v.datatype is not None and v.datatype not in (XSD.string, RDF.langString):
            term["datatype"] = str(v.datatype)
        return term
    return {"type": "literal", "value": str(v)}


def _print_result(result, fmt: Fmt) -> None:
    if result.type == "ASK":
        if fmt == Fmt.json:
            sys.stdout.write(json.dumps({"head": {}, "boolean": bool(result.askAnswer)}) + "\n")
        else:
            out.print("true" if result.askAnswer else "false")
        return
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        from graph.rdf.mapping import bind_prefixes

        g = bind_prefixes(result.graph)
        sys.stdout.write(g.serialize(format="json-ld" if fmt == Fmt.json else "turtle"))
        return
    vars_, rows = result.vars, result.rows
    if fmt == Fmt.json:
        data = {"head": {"vars": vars_}, "results": {"bindings": [{v: _json_term(x) for v, x in zip(vars_, r, strict=False) if x is not None} for r in rows]}}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    elif fmt in (Fmt.csv, Fmt.tsv):
        import csv

        w = csv.writer(sys.stdout, delimiter="," if fmt == Fmt.csv else "\t", lineterminator="\n")
        w.writerow(vars_)
        for r in rows:
            w.writerow([_term(x) for x in r])
    else:
        t = Table(*vars_)
        for r in rows:
            t.add_row(*[_short(x) for x in r])
        out.print(t)
        out.print(f"{len(rows)} row(s)", style="dim")


def _short(v) -> str:
    from graph.vocab import PREFIXES

    s = _term(v)
    for p, ns in PREFIXES.items():
        if s.startswith(str(ns)):
            return f"{p}:{s[len(str(ns)):]}"
    return s


@app.command()
@_guard
def queries() -> None:
    """List the named queries."""
    from graph.store.sparql import describe_named

    t = Table("name", "what it answers")
    for name, doc in describe_named():
        t.add_row(name, doc)
    out.print(t)


@app.command()
@_guard
def export(
    store: StoreOpt = DEFAULT_STORE,
    format: Annotated[str, typer.Option("--format", "-f", help="turtle|ntriples|jsonld|trig|nquads|graphml|gexf")] = "turtle",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    ontology: Annotated[bool, typer.Option(help="Include the ontology graph.")] = False,
) -> None:
    """Write the graph as Turtle (default) or another RDF/graph format; deterministic."""
    with _open(store, read_only=True) as kg:
        if output is None:
            data = kg.serialize(format, include_ontology=ontology)
            sys.stdout.write(data or "")
        else:
            kg.serialize(format, output, include_ontology=ontology)
            err.print(f"wrote {output}")


@app.command()
@_guard
def viz(
    store: StoreOpt = DEFAULT_STORE,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("graph.html"),
    lang: Annotated[str, typer.Option(help="Label language: en, zh-Hant or zh-Hans.")] = "en",
    focus: Annotated[str | None, typer.Option(help="Show only the neighbourhood of this entity (any of its names).")] = None,
    hops: Annotated[int, typer.Option(help="Neighbourhood radius for --focus.")] = 1,
    query_file: Annotated[Path | None, typer.Option("--query", help="A .rq file (CONSTRUCT, or SELECT ?s ?p ?o) choosing the subgraph.")] = None,
) -> None:
    """Write an interactive, offline HTML view of the graph."""
    if lang not in ("en", "zh-Hant", "zh-Hans"):
        raise ValueError("--lang must be en, zh-Hant or zh-Hans")
    with _open(store, read_only=True) as kg:
        path = kg.visualize(output, lang=lang, focus=focus, hops=hops, query=query_file.read_text(encoding="utf-8") if query_file else None)
    out.print(f"wrote {path}")


@app.command()
@_guard
def stats(store: StoreOpt = DEFAULT_STORE) -> None:
    """Counts of documents, entities, relations, evidence, measurements and triples."""
    with _open(store, read_only=True) as kg:
        s = kg.stats()
        by_class = kg.query(
            "SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kg:mentionCount ?m ; a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"
        )
        by_rel = kg.query(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } } GROUP BY ?p ORDER BY DESC(?n) ?p"
        )
    out.print(_summary_table(f"Store {store}", s))
    t = Table("class", "entities", title="Entities by class", title_justify="left")
    for c, n in by_class.rows:
        t.add_row(_short(c), str(n))
    out.print(t)
    t = Table("relation", "count", title="Relations by property", title_justify="left")
    for p, n in by_rel.rows:
        t.add_row(_short(p), str(n))
    out.print(t)


@app.command()
@_guard
def remove(
    documents: Annotated[list[str], typer.Argument(help="Document paths, keys or IRIs.")],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Retract documents; facts that other documents also support stay."""
    with _open(store) as kg:
        removed = kg.remove(documents)
    out.print(f"removed {len(removed)} document(s)")
    if not removed:
        raise typer.Exit(EXIT_USAGE)


@app.command()
@_guard
def validate(store: StoreOpt = DEFAULT_STORE) -> None:
    """Check the graph against the SHACL shapes in ontology/shapes.ttl."""
    from graph.rdf.validate import print_report

    with _open(store, read_only=True) as kg:
        report = kg.validate()
    print_report(report, out)
    if not report.conforms:
        raise typer.Exit(EXIT_INVALID)


@app.command()
@_guard
def serve(
    store: StoreOpt = DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="Address to listen on; the default answers this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7878,
    update: Annotated[bool, typer.Option("--update", help="Allow SPARQL Update, POSTed to /update.")] = False,
    timeout: Annotated[float, typer.Option(help="Stop each query after this many seconds.")] = 10.0,
    cors: Annotated[str, typer.Option(help="Origins allowed to query from a browser: '*', 'none', or a comma-separated list.")] = "*",
) -> None:
    """Serve the workbench at http://HOST:PORT/ and the SPARQL 1.1 endpoint at /sparql (read-only unless --update)."""
    from graph.serve.server import serve as run_server

    if not isinstance(store, Path):
        raise ValueError(f"--store {store}: kg serve serves a local store directory, not a remote endpoint")
    try:
        origins = None if cors.strip().lower() == "none" else cors
        run_server(store, host=host, port=port, allow_update=update, timeout=timeout, cors_origins=origins)
    except OSError as exc:  # port in use, address not available
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)


@app.command(name="eval")
@_guard
def evaluate(
    gold: Annotated[list[Path], typer.Argument(help="Gold files (.yaml/.json) or folders of them.")],
    docs: Annotated[Path | None, typer.Option(help="Folder the gold files' documents are in (default: next to each gold file).")] = None,
    model: Annotated[bool, typer.Option(help="Use the statistical NER model.")] = True,
    details: Annotated[bool, typer.Option(help="List missed and spurious entities and relations.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the scores as JSON.")] = None,
) -> None:
    """Score extraction against gold annotations: entities, types, relations, facts."""
    from graph.eval.gold import evaluate_files, print_scores

    t0 = time.perf_counter()
    results = evaluate_files(gold, docs, use_statistical=model)
    print_scores(results, out, details=details)
    if json_out:
        json_out.write_text(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1), encoding="utf-8")
    err.print(f"{time.perf_counter() - t0:.1f} s", style="dim")


def run() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
