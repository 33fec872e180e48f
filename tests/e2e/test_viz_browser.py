"""The offline viewer in a real browser: it draws, raises no error and fetches nothing.

Headless Chromium (the Debian package, never a downloaded build) is driven
over the Chrome DevTools Protocol with the ``websockets`` package only, so the
test needs no browser-automation framework.  ``CDPBrowser`` is also used by
``benchmarks/bench_viz.py``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome-error:", "devtools:")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed"),
]


class CDPError(RuntimeError):
    pass


class CDPBrowser:
    """A headless Chromium with one page, its console/exception/network events collected."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--hide-scrollbars",
        "--mute-audio",
        "--window-size=1400,900",
        "--remote-debugging-port=0",
    )

    def __init__(self, executable: str = CHROMIUM, timeout: float = 30.0) -> None:
        from websockets.sync.client import connect

        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        self.proc = subprocess.Popen(
            [executable, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = self._devtools_url(timeout)
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(url, max_size=None, open_timeout=timeout))
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def _devtools_url(self, timeout: float) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        self.close()
        raise CDPError("chromium did not start a DevTools endpoint")

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: bool = False, timeout: float = 60.0
    ) -> dict[str, Any]:
        msg_id = next(self._ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"{method}: no answer in {timeout} s")
            reply = json.loads(self.ws.recv(timeout=left))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str) -> Any:
        res = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
        )
        if "exceptionDetails" in res:
            raise CDPError(
                f"{expression}: {res['exceptionDetails'].get('text')} {res.get('result', {}).get('description', '')}"
            )
        return res["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url}, session=True)

    def wait_for(self, expression: str, timeout: float = 60.0, interval: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        raise CDPError(f"timed out waiting for {expression}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                session=True,
            )

    # -- collected events ---------------------------------------------------
    def drain(self, seconds: float = 0.2) -> None:
        """Collect events that arrived without a command waiting for them."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                break
            if "method" in msg:
                self.events.append(msg)

    def errors(self) -> list[str]:
        out = []
        for ev in self.events:
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(
                    "console: "
                    + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                )
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        return [
            ev["params"]["request"]["url"]
            for ev in self.events
            if ev["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> CDPBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("websockets", reason="websockets is needed to drive Chromium")
    with CDPBrowser() as b:
        yield b


@pytest.fixture(scope="module")
def seed_page(seed_store, tmp_path_factory):
    from graph.store.local import GraphStore
    from graph.viz import to_networkx, write_html

    out = tmp_path_factory.mktemp("viz") / "seed.html"
    with GraphStore(seed_store, read_only=True) as store:
        g = to_networkx(store)
        write_html(store, out)
    return out, g


def test_seed_page_draws_offline(browser, seed_page):
    path, g = seed_page
    browser.open(path.as_uri())
    browser.wait_for("window.kgReady === true", timeout=60)
    browser.drain(0.5)
    drawn = browser.evaluate("[network.body.data.nodes.length, network.body.data.edges.length]")
    assert drawn == [g.number_of_nodes(), g.number_of_edges()]
    assert g.number_of_nodes() >= 20 and g.number_of_edges() >= 10
    # every drawn node is on screen-space, i.e. layout positions were applied
    assert browser.evaluate("Object.keys(network.getPositions()).length") == g.number_of_nodes()
    assert browser.evaluate("document.characterSet") == "UTF-8"
    assert browser.evaluate("network.physics.options.enabled") is False
    browser.screenshot(ARTIFACTS / "viz-seed.png")
    assert browser.errors() == []
    remote = [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)]
    assert remote == [], f"the page fetched {remote}"


def test_seed_page_interaction(browser, seed_page):
    path, g = seed_page
    ant = "https://w3id.org/cnfinkg/id/ant-financial"
    assert ant in g
    browser.open(path.as_uri())
    browser.wait_for("window.kgReady === true", timeout=60)
    # a real mouse click on another node opens its panel
    target = "https://w3id.org/cnfinkg/id/bank-of-nanjing"
    xy = browser.evaluate(
        f"(() => {{ const p = network.canvasToDOM(network.getPositions(['{target}'])['{target}']);"
        " const r = document.getElementById('network').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()"
    )
    browser.click(*xy)
    browser.wait_for("!document.getElementById('details').hidden", timeout=10)
    assert "南京銀行" in browser.evaluate("document.getElementById('details-body').textContent")
    # search by a Simplified name focuses the entity and opens its panel
    assert browser.evaluate("kgSearch('蚂蚁金服')") == ant
    panel = browser.evaluate("document.getElementById('details-body').textContent")
    assert "螞蟻金服" in panel and "FintechCompany" in panel and ant in panel
    # an edge shows its evidence sentence, document date and confidence
    edge = browser.evaluate(
        f"network.body.data.edges.get().find(e => e.from === '{ant}' && e.relation === 'partnerOf').id"
    )
    browser.evaluate(f"kgShowEdge('{edge}')")
    text = browser.evaluate("document.getElementById('details-body').textContent")
    assert "南京銀行達成合作" in text and "2018-05" in text and "confidence 0.8" in text
    # filters: hiding a relation hides its edges; physics toggles on
    n_partner = sum(1 for *_, d in g.edges(data=True) if d["relation"] == "partnerOf")
    browser.evaluate(
        "(() => { const b = [...document.querySelectorAll('#relation-filters input')].find(b => b.value === 'partnerOf');"
        " b.click(); })()"
    )
    assert browser.evaluate("network.body.data.edges.length") == g.number_of_edges() - n_partner
    browser.evaluate("document.getElementById('physics').click()")
    assert browser.evaluate("network.physics.options.enabled") is True
    browser.drain(0.3)
    assert browser.errors() == []
    assert [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)] == []


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_seed_page_is_readable(browser, seed_page):
    """Edge labels drawn are 12 px on screen and clear of each other; isolated entities' labels don't overlap."""
    path, g = seed_page
    browser.open(path.as_uri())
    browser.wait_for("window.kgReady === true", timeout=60)
    browser.drain(0.3)
    state = browser.evaluate("kgEdgeLabels()")
    assert state["shown"], "some edge labels are visible at the initial zoom"
    assert abs(state["size"] * state["scale"] - 12) < 0.01
    # the boxes vis-network drew the visible labels in (canvas units), after one more frame
    boxes = browser.evaluate(
        "new Promise((ok) => { network.redraw(); requestAnimationFrame(() => ok(kgEdgeLabels().shown.map((id) => {"
        " const s = network.body.edges[id].labelModule.size;"
        " return { left: s.left, top: s.top, right: s.left + s.width, bottom: s.top + s.height,"
        " px: network.body.edges[id].options.font.size * network.getScale() }; }))); })"
    )
    assert all(abs(b["px"] - 12) < 0.01 for b in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), f"edge labels overlap: {a} {b}"
    browser.evaluate("network.moveTo({ scale: 2.0 }); kgFitLabels()")
    assert len(browser.evaluate("kgEdgeLabels().shown")) >= len(state["shown"])  # zooming in shows more
    browser.evaluate("network.fit(); kgFitLabels()")
    # boxes vis-network measured itself (shape and label, in the drawn font)
    alone = [n for n in g if g.degree(n) == 0]
    assert len(alone) >= 2
    nodes = browser.evaluate(f"{json.dumps(alone)}.map((id) => network.getBoundingBox(id))")
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not _overlap(a, b), f"isolated entities overlap: {a} {b}"
    face = browser.evaluate(f"network.body.nodes['{alone[0]}'].options.font.face")
    assert "Noto Sans CJK SC" in face and "WenQuanYi Micro Hei" in face
    browser.screenshot(ARTIFACTS / "viz-seed-readable.png")
    # an event is a diamond whose panel lists its roles
    event = browser.evaluate(
        "(() => { const n = network.body.data.nodes.get().find((n) => n.kind === 'event'); return n && n.id; })()"
    )
    assert event, "the seed article states events (a summit, Singles' Day)"
    assert browser.evaluate(f"network.body.nodes['{event}'].options.shape") == "diamond"
    browser.evaluate(f"kgShowNode('{event}')")
    assert "Roles" in browser.evaluate("document.getElementById('details-body').textContent")
    browser.evaluate(
        "(() => { const s = document.getElementById('lang'); s.value = 'zh-Hans';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    browser.drain(0.2)
    assert browser.errors() == []


def wait_file(folder: Path, name: str, timeout: float = 20.0) -> bytes:
    """A downloaded file's bytes, once Chromium has finished writing it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = folder / name
        if f.is_file() and f.stat().st_size > 0 and not list(folder.glob("*.crdownload")):
            return f.read_bytes()
        time.sleep(0.1)
    raise AssertionError(f"no {name} in {folder}: {sorted(p.name for p in folder.iterdir())}")


def test_seed_page_explore_panels(browser, seed_page, tmp_path):
    """The panels the workbench has, over the embedded payload: focus with N hops, path, filters, PNG/SVG export."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    path, g = seed_page
    und = nx.Graph(g.to_undirected())
    ant, nanjing = "https://w3id.org/cnfinkg/id/ant-financial", "https://w3id.org/cnfinkg/id/bank-of-nanjing"
    browser.open(path.as_uri())
    browser.wait_for("window.kgReady === true", timeout=60)
    panel = "document.querySelector('#panels {}')".format

    # Focus: a name in any script, two hops: exactly the entities within two links of it
    browser.evaluate(f"(() => {{ const i = {panel('.kg-x-focus-name')}; i.value = '蚂蚁金服'; i.dispatchEvent(new Event('input')); }})()")
    browser.evaluate(f"{panel('.kg-x-hops')}.value = '2'; {panel('.kg-x-focus')}.click(); 1")
    ego = set(nx.single_source_shortest_path_length(und, ant, cutoff=2))
    browser.wait_for(f"kgExplore.counts().nodes === {len(ego)}", timeout=10)
    assert set(browser.evaluate("network.body.data.nodes.getIds()")) == ego
    assert len(ego) < g.number_of_nodes()
    assert browser.evaluate("document.getElementById('counts').textContent").startswith(f"{len(ego)} / {g.number_of_nodes()}")
    browser.evaluate(f"{panel('.kg-x-all')}.click(); 1")
    browser.wait_for(f"kgExplore.counts().nodes === {g.number_of_nodes()}", timeout=10)

    # Path: the farthest entity from Bank of Nanjing in its component, by name; the path is a shortest one, highlighted
    far, length = max(nx.single_source_shortest_path_length(und, nanjing).items(), key=lambda kv: (kv[1], kv[0]))
    assert length >= 2
    for box, value in ((".kg-x-from-name", "南京銀行"), (".kg-x-to-name", g.nodes[far]["label_en"])):
        browser.evaluate(f"{panel(box)}.value = {json.dumps(value)}; 1")
    browser.evaluate(f"{panel('.kg-x-path')}.click(); 1")
    browser.wait_for("kgExplore.path.length > 0", timeout=10)
    found = browser.evaluate("kgExplore.path")
    assert found[0] == nanjing and found[-1] == far and len(found) == length + 1
    assert all(und.has_edge(a, b) for a, b in zip(found, found[1:], strict=False))
    assert browser.evaluate("[...kgExplore.pathEdges].every(id => network.body.data.edges.get(id).color.color === '#e6550d')")
    assert f"Path: {length} links" in browser.evaluate(f"{panel('.kg-x-status')}.textContent")
    browser.screenshot(ARTIFACTS / "viz-seed-path.png")
    browser.evaluate(f"{panel('.kg-x-clear')}.click(); 1")

    # Filters: a minimum confidence keeps the edges at or above it, and the entities they link
    confs = [d.get("confidence") for *_, d in g.edges(data=True)]
    keep = [(u, v) for u, v, d in g.edges(data=True) if (d.get("confidence") or 0) >= 0.85]
    assert 0 < len(keep) < len(confs)
    browser.evaluate(f"(() => {{ const c = {panel('.kg-x-confidence')}; c.value = '0.85'; c.dispatchEvent(new Event('input')); }})()")
    assert browser.evaluate("network.body.data.edges.length") == len(keep)
    assert set(browser.evaluate("network.body.data.nodes.getIds()")) == {n for e in keep for n in e}
    browser.evaluate(f"{panel('.kg-x-reset')}.click(); 1")
    assert browser.evaluate("network.body.data.edges.length") == g.number_of_edges()
    # ... and a publication-date range keeps the edges some document of that range is evidence for
    dates = {ev["date"] for *_, d in g.edges(data=True) for ev in d["evidence"] if ev.get("date")}
    assert dates == set(browser.evaluate("Object.values(kgExplore.documents).map(d => d.date)"))
    dated = sum(1 for *_, d in g.edges(data=True) if any(ev.get("date") for ev in d["evidence"]))
    for start, expected in ((min(dates), dated), ("2099-01-01", 0)):
        browser.evaluate(f"(() => {{ const d = {panel('.kg-x-from')}; d.value = {json.dumps(start)}; d.dispatchEvent(new Event('change')); }})()")
        assert browser.evaluate("network.body.data.edges.length") == expected
    browser.evaluate(f"{panel('.kg-x-reset')}.click(); 1")

    # Export: PNG of the canvas, SVG of every shown node (with its label) and edge
    browser.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.evaluate(f"{panel('.kg-x-svg')}.click(); {panel('.kg-x-png')}.click(); 1")
    png = wait_file(tmp_path, "kg-view.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    svg = ET.fromstring(wait_file(tmp_path, "kg-view.svg"))
    ns = "{http://www.w3.org/2000/svg}"
    drawn = {kind: [el for el in svg if el.get("class") == kind] for kind in ("node", "edge")}
    assert svg.tag == ns + "svg" and len(drawn["edge"]) == g.number_of_edges() - sum(1 for u, v in g.edges() if u == v)
    assert len(drawn["node"]) == g.number_of_nodes()
    assert all(el[0].tag in (ns + "circle", ns + "polygon") for el in drawn["node"])
    assert all(el[0].tag == ns + "line" for el in drawn["edge"])
    assert g.nodes[ant]["label_en"] in [t.text for t in svg.iter(ns + "text")]
    browser.drain(0.2)
    assert browser.errors() == []
    assert [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)] == []
