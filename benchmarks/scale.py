"""Scale benchmarks on real text: ``python -m benchmarks.scale --data ../shared/data [--sizes 1000,10000]``.

Every figure is a ratio of two things measured in the same run, on documents
made of real financial-news sentences (FinRE, read from ``--data``; the text
never enters the repository), in the configuration users run by default:
both statistical models on, RDF mapping and writes to the embedded store
included.  Each build or extraction runs in its own subprocess, so peak
memory (``VmHWM``) is that run's own and no run inherits another's caches.

Rows (targets from issue 14):

* build end to end ÷ extraction alone, at each size (≥ 0.8×);
* ``workers=2`` ÷ ``workers=1`` (≥ 1.7×) and a 2-worker Dask ``LocalCluster``
  ÷ a 1-worker one (≥ 1.6×), at each size, the target read at the largest;
* export (N-Triples and Turtle through the API) ÷ pyoxigraph's ``Store.dump``
  of the same store, in statements/s (≥ 0.9×);
* the named queries ``evidence``, ``partners`` and ``people-and-roles``
  through the API ÷ the same SPARQL on raw pyoxigraph (≤ 1.2× the time), with
  their duplicate-row count (0);
* peak RSS at the largest size (≤ 1 GiB) and its ratio to the smallest (≤ 1.2×).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .run import Report, Row, _load, interleaved, peak_rss_kib, print_table

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024**3
SENTENCES_PER_DOC = 3
QUERIES = ("evidence", "partners", "people-and-roles")


# -- the corpus -------------------------------------------------------------------------------------------------


def finre_sentences(data: Path) -> list[str]:
    """Distinct FinRE sentences in file order, with the corpus's masked digits (<N>) given back a digit."""
    from graph.eval.corpora import finre_rows

    seen: dict[str, None] = {}
    for name in ("train.txt", "valid.txt", "test.txt"):
        path = data / "finre" / name
        if not path.exists():
            raise SystemExit(f"{path}: not found (pass --data, the folder with finre/)")
        for *_, sentence in finre_rows(path):
            seen.setdefault(sentence.strip(), None)
    return list(seen)


def documents(data: Path, n: int, seed: int = 20261201) -> list[str]:
    """``n`` documents of SENTENCES_PER_DOC real sentences each: seeded shuffles of the sentence list,
    read in consecutive runs, so every document is a different combination."""
    base = finre_sentences(data)
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        order = base[:]
        rng.shuffle(order)
        for k in range(0, len(order) - SENTENCES_PER_DOC + 1, SENTENCES_PER_DOC):
            body = "".join(s if s.endswith(("。", "！", "？")) else s + "。" for s in order[k : k + SENTENCES_PER_DOC])
            out.append(re.sub("<N>", lambda _: str(rng.randint(2, 98)), body))
            if len(out) == n:
                break
    return out


# -- the measured runs (each in a subprocess) ------------------------------------------------------------


def _warm(extra: Callable[[], object] | None = None) -> None:
    from graph.nlp.pipeline import annotate_text, get_pipeline

    nlp = get_pipeline(use_statistical=True)
    annotate_text("預熱：甲公司與乙銀行簽署合作協議，金額達5億元。", None, nlp)
    if extra:
        extra()


def _child_extract(docs: list[str]) -> dict[str, float]:
    """Extraction alone: text to annotated Doc, the way a build reads it, nothing written."""
    from graph.ingest.reader import key_for_text, parse_text
    from graph.nlp import pipeline

    _warm()
    metas = [parse_text(d, key_for_text(d)) for d in docs]
    stream = getattr(pipeline, "annotate_stream", None)
    t0 = time.perf_counter()
    if stream is not None:
        for _ in stream(metas, use_statistical=True):
            pass
    else:
        for m in metas:
            pipeline.annotate(m, use_statistical=True)
    return {"seconds": time.perf_counter() - t0}


def _child_build(docs: list[str], store: str, workers: int, cluster: int) -> dict[str, float]:
    """``KnowledgeGraph.add`` into a fresh embedded store, as ``kg build`` runs it."""
    from graph.api import KnowledgeGraph

    _warm()
    kwargs: dict[str, object] = {"workers": workers} if workers > 1 else {}
    client = None
    if cluster:
        from distributed import Client, LocalCluster

        lc = LocalCluster(n_workers=cluster, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(lc)
        kwargs = {"cluster": client}
        with KnowledgeGraph.open(None) as warm:  # the workers load their pipelines before the clock starts
            warm.add(docs[: 4 * cluster], **kwargs)
    with KnowledgeGraph.open(store) as kg:
        t0 = time.perf_counter()
        report = kg.add(docs, **kwargs)
        seconds = time.perf_counter() - t0
    if client is not None:
        client.close()
    return {"seconds": seconds, "documents": report.documents, "failed": len(report.failed), "triples": report.triples}


def _child(argv: list[str]) -> None:
    kind, data, n = argv[0], Path(argv[1]), int(argv[2])
    docs = documents(data, n)
    if kind == "extract":
        out = _child_extract(docs)
    else:
        out = _child_build(docs, argv[3], int(argv[4]), int(argv[5]))
    out.update({"chars": sum(len(d) for d in docs), "docs": len(docs), "rss_kib": peak_rss_kib()})
    print(json.dumps(out))


def _run(*args: object) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.scale", "--child", *map(str, args)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- sections ------------------------------------------------------------------------------------------------------


def bench_build(report: Report, data: Path, sizes: list[int], tmp: Path) -> Path:
    rss: dict[int, float] = {}
    store = tmp / "none"
    for n in sizes:
        ext = _run("extract", data, n)
        store = tmp / f"store-{n}"
        b = _run("build", data, n, store, 1, 0)
        rss[n] = b["rss_kib"] * 1024
        ratio = ext["seconds"] / b["seconds"]
        report.details[f"build {n}"] = {"extraction docs/s": round(n / ext["seconds"], 1), "build docs/s": round(n / b["seconds"], 1),
                                        "extraction chars/s": round(ext["chars"] / ext["seconds"]), "triples": b["triples"],
                                        "peak RSS build MiB": round(rss[n] / 2**20), "peak RSS extraction MiB": round(ext["rss_kib"] / 1024)}
        report.add(Row(f"build end to end / extraction alone, {n:,} docs", ratio, "×", "≥ 0.8", ratio >= 0.8,
                       f"{n / b['seconds']:.1f} vs {n / ext['seconds']:.1f} docs/s, models on, embedded store"))
    small, large = min(sizes), max(sizes)
    report.add(Row(f"peak RSS building {large:,} docs", rss[large] / GIB, "GiB", "≤ 1 GiB", rss[large] <= GIB,
                   "VmHWM of the build process, measured"))
    if large != small:
        growth = rss[large] / rss[small]
        report.add(Row(f"peak RSS {large:,} / {small:,} docs", growth, "×", "≤ 1.2", growth <= 1.2, "flat in the number of documents"))
    return tmp / f"store-{large}"


def bench_parallel(report: Report, data: Path, sizes: list[int], tmp: Path) -> None:
    """A fresh process per build, so the 2-worker figure includes starting the pool and loading a pipeline
    in each worker (about 4 s here), as ``kg build --workers 2`` pays it.  The target is read at the
    largest size; at a smaller one the start is a larger share of the build, and the row is context."""
    for n in sizes:
        one = _run("build", data, n, tmp / f"w1-{n}", 1, 0)
        two = _run("build", data, n, tmp / f"w2-{n}", 2, 0)
        ratio = one["seconds"] / two["seconds"]
        report.details[f"workers {n}"] = {"1 worker s": round(one["seconds"], 1), "2 workers s": round(two["seconds"], 1),
                                          "cpus": os.cpu_count()}
        report.add(_scaling_row(f"build --workers 2 / --workers 1, {n:,} docs", ratio, 1.7, n == max(sizes),
                                "same run, models on, the pool's start inside the clock"))


def bench_cluster(report: Report, data: Path, sizes: list[int], tmp: Path) -> None:
    for n in sizes:
        one = _run("build", data, n, tmp / f"c1-{n}", 1, 1)
        two = _run("build", data, n, tmp / f"c2-{n}", 1, 2)
        ratio = one["seconds"] / two["seconds"]
        report.details[f"cluster {n}"] = {"1-worker LocalCluster s": round(one["seconds"], 1),
                                          "2-worker LocalCluster s": round(two["seconds"], 1)}
        report.add(_scaling_row(f"Dask LocalCluster 2 workers / 1 worker, {n:,} docs", ratio, 1.6, n == max(sizes),
                                "processes, 1 thread each, pipelines loaded before the clock"))


def _scaling_row(name: str, ratio: float, target: float, judged: bool, note: str) -> Row:
    if judged:
        return Row(name, ratio, "×", f"≥ {target}", ratio >= target, note)
    return Row(name, ratio, "×", "info", None, note + "; the target is read at the largest size")


def bench_store(report: Report, store_dir: Path, tmp: Path, repeats: int = 3) -> None:
    import pyoxigraph as ox

    from graph.api import KnowledgeGraph
    from graph.store.sparql import prepare

    with KnowledgeGraph.open(store_dir) as kg:
        ox_store = kg.store.ox
        quads = len(ox_store)
        for fmt in ("ntriples", "turtle"):
            t_api, t_raw = interleaved(lambda fmt=fmt: kg.serialize(fmt, destination=tmp / f"export.{fmt}"),
                                       lambda: ox_store.dump(output=str(tmp / "dump.nq"), format=ox.RdfFormat.N_QUADS), repeats)
            triples = len(kg.store)
            ratio = (triples / t_api) / (quads / t_raw)
            report.details[f"export {fmt}"] = {"triples/s": round(triples / t_api), "Store.dump quads/s": round(quads / t_raw)}
            report.add(Row(f"export {fmt} / Store.dump (statements/s)", ratio, "×", "≥ 0.9", ratio >= 0.9,
                           f"{triples:,} distinct triples; {quads:,} quads"))
        for name in QUERIES:
            sparql = prepare(name).sparql
            rows = kg.query(name).rows
            dupes = len(rows) - len(set(rows))
            t_api, t_raw = interleaved(lambda name=name: kg.query(name).rows, lambda sparql=sparql: _raw_rows(ox_store, sparql), repeats)
            ratio = t_api / t_raw
            report.details[f"query {name}"] = {"rows": len(rows), "duplicate rows": dupes, "API ms": round(t_api * 1000, 1),
                                               "pyoxigraph ms": round(t_raw * 1000, 1)}
            report.add(Row(f"query {name}: API / raw pyoxigraph (time)", ratio, "×", "≤ 1.2, 0 dupes",
                           ratio <= 1.2 and dupes == 0, f"{len(rows):,} rows, {dupes} duplicate"))


def _raw_rows(store, sparql: str) -> list[tuple]:
    """The rows of a SELECT on raw pyoxigraph, as a user of it gets them: tuples of its terms."""
    res = store.query(sparql, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [tuple(sol[n] for n in names) for sol in res]


def _sections(args: argparse.Namespace, report: Report, tmp: Path) -> Iterator[tuple[str, Callable[[], object]]]:
    sizes = sorted(int(s) for s in args.sizes.split(","))
    state: dict[str, Path] = {}
    yield "build", lambda: state.setdefault("store", bench_build(report, args.data, sizes, tmp))
    yield "workers", lambda: bench_parallel(report, args.data, sizes, tmp)
    yield "cluster", lambda: bench_cluster(report, args.data, sizes, tmp)
    yield "store", lambda: bench_store(report, state.get("store") or bench_build(report, args.data, sizes[:1], tmp), tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="Folder with finre/ (read, never copied).")
    parser.add_argument("--sizes", default="1000,10000", help="Document counts (default 1000,10000).")
    parser.add_argument("--only", default="", help="Comma-separated sections: build,workers,cluster,store.")
    parser.add_argument("--json", type=Path, help="Also write the rows and figures as JSON.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    report = Report()
    report.details["machine"] = {"load average at start": _load(), "cpus": os.cpu_count()}
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-scale-") as tmpdir:
        for name, fn in _sections(args, report, Path(tmpdir)):
            if only and name not in only:
                continue
            print(f"[{time.perf_counter() - t0:6.1f} s] {name} …", flush=True)
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others
                report.rows.append(Row(f"{name} (section failed)", None, "×", "-", False, f"{exc.__class__.__name__}: {exc}"[:120]))
    elapsed = time.perf_counter() - t0
    print_table(report, elapsed, False)
    if args.json:
        args.json.write_text(json.dumps({"seconds": round(elapsed, 1), "rows": [r.__dict__ for r in report.rows],
                                         "details": report.details}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
