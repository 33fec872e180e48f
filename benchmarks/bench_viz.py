"""Time-to-interactive of the offline viewer on a 5,000-node / 10,000-edge graph.

    python benchmarks/bench_viz.py [--nodes 5000] [--edges 10000] [--runs 3]

A synthetic graph (entity-like labels in three scripts, classes, mentions,
one evidence sentence per edge) is rendered with ``graph.viz.render_html``
and opened in headless Chromium (``/usr/bin/chromium``, driven over the
DevTools protocol by the browser test's ``CDPBrowser``).  The figure is the
time from navigation start until vis-network's first ``afterDrawing`` event
plus the next free turn of the event loop (the page answers input), taken
as the median of several loads.  Machines differ, so the same page with a
tenth of the nodes is measured in the same run and the ratio is printed too.
Target: under 3 s for 5,000 nodes.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.viz import layout, render_html  # noqa: E402

TARGET_SECONDS = 3.0
CLASSES = (
    "Bank",
    "FintechCompany",
    "Regulator",
    "Person",
    "SoftwarePlatform",
    "City",
    "Conference",
    "Report",
)
RELATIONS = ("partnerOf", "investsIn", "subsidiaryOf", "launched", "holdsPosition", "locatedIn", "clientOf")
HAN = "金融科技銀行雲平台支付寶螞蟻數據保險證券基金投資集團控股網絡信息服務"


def _cdp_browser():
    """The browser test's CDP client (kept in one place; the tests directory is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "kg_test_viz_browser", ROOT / "tests" / "test_viz_browser.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CDPBrowser, mod.CHROMIUM


def synthetic_graph(n_nodes: int, n_edges: int, seed: int = 7) -> nx.MultiDiGraph:
    """A graph shaped like ours: a few hubs with many mentions, a long tail, evidence on every edge."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    ids = [f"https://w3id.org/cnfinkg/id/e{i:05d}" for i in range(n_nodes)]
    for i, iri in enumerate(ids):
        zh = "".join(rng.choice(HAN) for _ in range(rng.randint(2, 6)))
        g.add_node(
            iri,
            label_en=f"Entity {i}",
            label_zh_hant=zh,
            label_zh_hans=zh,
            alt_labels=[f"E{i}"],
            type=CLASSES[i % len(CLASSES)],
            mentions=max(1, int(rng.paretovariate(1.5))),
            identifiers={},
        )
    # preferential attachment-ish: a few hubs, many leaves
    weights = [1.0 / (1 + i) ** 0.6 for i in range(n_nodes)]
    added = 0
    while added < n_edges:
        u = ids[rng.choices(range(n_nodes), weights)[0]]
        v = ids[rng.randrange(n_nodes)]
        rel = RELATIONS[rng.randrange(len(RELATIONS))]
        if u == v or g.has_edge(u, v, key=rel):
            continue
        ev = {
            "doc": "https://w3id.org/cnfinkg/doc/d",
            "sentence": "某公司與某銀行達成戰略合作。",
            "start": 0,
            "end": 14,
            "confidence": 0.8,
        }
        g.add_edge(
            u, v, key=rel, relation=rel, trigger="合作", triggers=["合作"], confidence=0.8, evidence=[ev]
        )
        added += 1
    return g


def measure(browser, path: Path, runs: int) -> tuple[float, float]:
    """Median seconds to first draw and to interactive over ``runs`` fresh loads."""
    drawn, interactive = [], []
    for _ in range(runs):
        browser.open("about:blank")
        browser.wait_for("document.readyState === 'complete'", timeout=30)
        browser.open(path.as_uri())
        browser.wait_for("window.kgInteractiveAt !== undefined", timeout=120, interval=0.01)
        ready_ms, inter_ms, count = browser.evaluate(
            "[window.kgReadyAt, window.kgInteractiveAt, network.body.data.nodes.length]"
        )
        assert count > 0
        drawn.append(ready_ms / 1000)
        interactive.append(inter_ms / 1000)
    return statistics.median(drawn), statistics.median(interactive)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--edges", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    cdp_browser, chromium = _cdp_browser()
    if not Path(chromium).exists():
        print(f"{chromium} not installed; install Debian's chromium to run this benchmark")
        return 2
    out = Path(tempfile.mkdtemp(prefix="kg-bench-viz-"))
    pages = {}
    for label, n, m in (("baseline", args.nodes // 10, args.edges // 10), ("full", args.nodes, args.edges)):
        g = synthetic_graph(n, m)
        t0 = time.perf_counter()
        pos = layout(g)
        t1 = time.perf_counter()
        html = render_html(g, positions=pos, title=f"bench {n}")
        t2 = time.perf_counter()
        path = out / f"{label}.html"
        path.write_text(html, encoding="utf-8")
        pages[label] = path
        print(
            f"{label:8s} {n:6d} nodes {g.number_of_edges():6d} edges: layout {t1 - t0:.2f} s, "
            f"render {t2 - t1:.2f} s, {len(html.encode()) / 1e6:.1f} MB"
        )
    with cdp_browser() as browser:
        results = {label: measure(browser, path, args.runs) for label, path in pages.items()}
        errors = browser.errors()
    for label, (drawn, interactive) in results.items():
        print(f"{label:8s} first draw {drawn:.2f} s, interactive {interactive:.2f} s (median of {args.runs})")
    full, base = results["full"][1], results["baseline"][1]
    verdict = "OK" if full < TARGET_SECONDS else "SLOW"
    print(
        f"time to interactive, {args.nodes} nodes: {full:.2f} s = {full / base:.1f}x the {args.nodes // 10}-node baseline ({base:.2f} s); target < {TARGET_SECONDS:.0f} s: {verdict}"
    )
    if errors:
        print("browser errors:", *errors, sep="\n  ")
        return 1
    return 0 if full < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
