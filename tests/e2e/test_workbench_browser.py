"""The `kg serve` workbench in real headless Chromium: YASGUI loads, a named query shows a table, offline.

Chromium (the Debian package) is driven over the Chrome DevTools Protocol by ``CDPBrowser`` from
``tests/e2e/test_viz_browser.py`` (``websockets`` only).  Skipped when ``/usr/bin/chromium`` is missing;
``.ci/run`` installs it, so CI runs it.  Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graph.serve import SparqlServer
from tests.e2e.test_viz_browser import ARTIFACTS, CHROMIUM, CDPBrowser, wait_file
from tests.integration.test_serve import running

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed"),
]

LOCAL_SCHEMES = ("data:", "about:", "blob:", "chrome-error:", "devtools:")


@pytest.fixture(scope="module")
def server(seed_store: Path) -> Iterator[SparqlServer]:
    with running(seed_store) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[CDPBrowser]:
    pytest.importorskip("websockets", reason="websockets is needed to drive Chromium")
    with CDPBrowser() as b:
        yield b


def _remote(requests: list[str]) -> list[str]:
    """Requests that left the machine: anything not to a loopback host (or a local scheme)."""
    return [u for u in requests if not u.startswith(LOCAL_SCHEMES) and urlsplit(u).hostname not in
            ("127.0.0.1", "localhost", "::1")]


def test_workbench_runs_a_named_query_offline(browser: CDPBrowser, server: SparqlServer) -> None:
    browser.open(server.url + "/")
    browser.wait_for("window.kgWorkbench && (window.kgWorkbench.ready || window.kgWorkbench.error)", timeout=60)
    assert browser.evaluate("window.kgWorkbench.error") is None
    # YASGUI drew its editor, pointed at this server's endpoint, with the project's prefixes preloaded.
    assert browser.evaluate("!!document.querySelector('.yasgui .CodeMirror')")
    endpoint = browser.evaluate("kgWorkbench.yasgui.getTab().getEndpoint()")
    assert endpoint == server.url + "/sparql"
    first_query = browser.evaluate("kgWorkbench.yasgui.getTab().getQuery()")
    assert "PREFIX kg: <https://w3id.org/cnfinkg/ontology#>" in first_query
    # The gallery lists the named-query library.
    names = browser.evaluate("[...document.querySelectorAll('#gallery-list button')].map(b => b.dataset.query)")
    assert {"partners", "entities-by-type", "documents"} <= set(names)

    # Run a named query by clicking its gallery entry: a results table appears.
    browser.evaluate("document.querySelector('#gallery-list button[data-query=\"partners\"]').click()")
    browser.wait_for("kgWorkbench.yasgui.getTab().getName() === 'partners'", timeout=20)
    browser.wait_for(
        "(() => { const t = document.querySelector('.tabPanel.active .yasr table.dataTable');"
        " return t && t.querySelectorAll('tbody tr').length > 0; })()",
        timeout=60,
    )
    headers = browser.evaluate(
        "[...document.querySelectorAll('.tabPanel.active .yasr table.dataTable thead th')].map(th => th.textContent.trim())"
    )
    assert {"a", "b", "sentences"} <= set(headers)
    text = browser.evaluate("document.querySelector('.tabPanel.active .yasr table.dataTable tbody').textContent")
    assert "Ant Financial" in text and "Bank of Nanjing" in text
    # YASR offers its built-in download of the results.
    assert browser.evaluate("!!document.querySelector('.tabPanel.active .yasr .yasr_downloadIcon')")
    browser.drain(0.5)
    browser.screenshot(ARTIFACTS / "workbench-partners.png")

    assert browser.errors() == []
    remote = _remote(browser.requests())
    assert remote == [], f"the workbench fetched {remote}"
    # and it did talk to the local endpoint
    assert any(urlsplit(u).path == "/sparql" for u in browser.requests())


def test_workbench_history_survives_a_reload(browser: CDPBrowser, server: SparqlServer) -> None:
    """YASGUI keeps tabs (queries) in localStorage: the tab opened above is there after a reload."""
    browser.open(server.url + "/")
    browser.wait_for("window.kgWorkbench && window.kgWorkbench.ready", timeout=60)
    tabs = browser.evaluate("Object.values(kgWorkbench.yasgui._tabs).map(t => t.getName())")
    assert "partners" in tabs
    # A query written in the editor runs against the endpoint and gets a table too.
    query = ("PREFIX kgid: <https://w3id.org/cnfinkg/id/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
             "SELECT ?label WHERE { kgid:ant-financial rdfs:label ?label }")
    browser.evaluate(
        "(() => { const t = kgWorkbench.yasgui.addTab(true, {name: 'typed'});"
        f" t.setQuery({json.dumps(query)}); return t.query().then(() => true); }})()"
    )
    browser.wait_for(
        "(() => { const t = document.querySelector('.tabPanel.active .yasr table.dataTable');"
        " return t && t.textContent.includes('螞蟻金服'); })()",
        timeout=60,
    )
    browser.screenshot(ARTIFACTS / "workbench-typed-query.png")
    assert _remote(browser.requests()) == []
    assert browser.errors() == []


CROSS_ORIGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="yasgui.min.css"><script src="yasgui.min.js"></script></head>
<body><div id="y"></div></body></html>
"""


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain static server on another port (another origin) with a page that only loads YASGUI."""
    import functools
    import shutil
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from graph.serve import STATIC_DIR

    root = tmp_path_factory.mktemp("other-origin")
    for name in ("yasgui.min.js", "yasgui.min.css"):
        shutil.copy(STATIC_DIR / "vendor" / "yasgui" / name, root / name)
    (root / "index.html").write_text(CROSS_ORIGIN_PAGE, encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://localhost:{srv.server_address[1]}"  # localhost vs 127.0.0.1: a different origin
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def test_yasgui_on_another_origin_queries_the_endpoint(browser: CDPBrowser, server: SparqlServer,
                                                        other_origin: str) -> None:
    """CORS in a real browser: a YASGUI page served elsewhere POSTs (preflighted) queries to `kg serve`."""
    browser.open(other_origin + "/index.html")
    browser.wait_for("typeof Yasgui === 'function' && document.readyState === 'complete'", timeout=30)
    assert browser.evaluate("location.origin") != server.url
    endpoint = server.url + "/sparql"
    browser.evaluate(
        "(() => { Yasgui.Yasqe.defaults.autocompleters = ['variables', 'prefixes'];"
        f" window.y = new Yasgui(document.getElementById('y'), {{requestConfig: {{endpoint: {json.dumps(endpoint)},"
        " method: 'POST'}, persistenceId: null, endpointCatalogueOptions: {getData: () => []}});"
        " const t = window.y.getTab();"
        " t.setQuery('SELECT ?o WHERE { <https://w3id.org/cnfinkg/id/ant-financial> ?p ?o } LIMIT 5');"
        " return t.query().then(() => true); })()"
    )
    browser.wait_for(
        "(() => { const t = document.querySelector('.yasr table.dataTable');"
        " return t && t.querySelectorAll('tbody tr').length > 0; })()",
        timeout=60,
    )
    # a preflighted fetch (application/sparql-query is not a simple content type) works too
    status = browser.evaluate(
        f"fetch({json.dumps(endpoint)}, {{method: 'POST', headers: {{'Content-Type': 'application/sparql-query',"
        " 'Accept': 'application/sparql-results+json'}, body: 'ASK { ?s ?p ?o }'})"
        ".then(r => r.json()).then(j => j.boolean)"
    )
    assert status is True
    browser.screenshot(ARTIFACTS / "workbench-cross-origin-yasgui.png")
    assert browser.errors() == []
    assert _remote(browser.requests()) == []


ANT = "https://w3id.org/cnfinkg/id/ant-financial"
PAIRS = ("PREFIX kg: <https://w3id.org/cnfinkg/ontology#>\n"
         "SELECT ?a ?b WHERE { ?a kg:partnerOf ?b }")


def _double_click(browser: CDPBrowser, x: float, y: float) -> None:
    """Two real mouse clicks, the second one a double-click (as Chromium sends them)."""
    for count in (1, 2):
        for kind in ("mousePressed", "mouseReleased"):
            browser.call("Input.dispatchMouseEvent",
                         {"type": kind, "x": x, "y": y, "button": "left", "clickCount": count}, session=True)


def test_graph_view_draws_pairs_and_expands_a_node(browser: CDPBrowser, server: SparqlServer) -> None:
    browser.open(server.url + "/")
    browser.wait_for("window.kgWorkbench && (window.kgWorkbench.ready || window.kgWorkbench.error)", timeout=60)
    browser.evaluate(
        "(() => { const t = kgWorkbench.yasgui.addTab(true, {name: 'pairs'});"
        f" t.setQuery({json.dumps(PAIRS)}); return t.query().then(() => true); }})()"
    )
    browser.wait_for("!!document.querySelector('.tabPanel.active .yasr table.dataTable tbody a[data-iri]')", timeout=60)
    # entities in the table link to their entity page
    href = browser.evaluate("document.querySelector('.tabPanel.active .yasr table.dataTable tbody a[data-iri]').href")
    assert href.startswith(server.url + "/entity?iri=https%3A%2F%2Fw3id.org%2Fcnfinkg%2Fid%2F")
    # the Graph view draws the pairs, with English labels
    browser.evaluate("kgWorkbench.yasgui.getTab().getYasr().selectPlugin('graph')")
    browser.wait_for("kgWorkbench.graph && kgWorkbench.graph.nodes.length > 1", timeout=30)
    browser.wait_for(f"kgWorkbench.graph.nodes.get({json.dumps(ANT)}).label === 'Ant Financial'", timeout=30)
    browser.evaluate("kgWorkbench.graph.network.stopSimulation(); kgWorkbench.graph.network.setOptions({physics: false})")
    before = browser.evaluate("kgWorkbench.graph.nodes.length")
    browser.evaluate("document.querySelector('.tabPanel.active .kg-graph').scrollIntoView({block: 'center'}); 1")
    browser.drain(0.5)
    browser.screenshot(ARTIFACTS / "workbench-graph.png")
    xy = browser.evaluate(
        f"(() => {{ const n = kgWorkbench.graph.network; const p = n.canvasToDOM(n.getPositions([{json.dumps(ANT)}])[{json.dumps(ANT)}]);"
        " const r = document.querySelector('.tabPanel.active .kg-graph').getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    )
    _double_click(browser, *xy)
    browser.wait_for(f"kgWorkbench.graph.nodes.length > {before}", timeout=30)
    after = browser.evaluate("kgWorkbench.graph.nodes.length")
    assert after > before
    browser.evaluate("kgWorkbench.graph.network.setOptions({physics: true}); 1")
    browser.drain(2.0)
    browser.screenshot(ARTIFACTS / "workbench-graph-expanded.png")
    assert browser.errors() == []
    assert _remote(browser.requests()) == []
    assert any(urlsplit(u).path == "/static/vis/vis-network.min.js" for u in browser.requests())


def test_entity_page_highlights_a_mention(browser: CDPBrowser, server: SparqlServer) -> None:
    from urllib.parse import quote

    browser.open(server.url + "/entity?iri=" + quote(ANT, safe=""))
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('#mentions mark')", timeout=30)
    assert browser.evaluate("document.querySelector('h1').textContent") == "Ant Financial"
    marks = browser.evaluate("[...document.querySelectorAll('#mentions td.sentence mark')].map(m => m.textContent)")
    assert "螞蟻金服" in marks
    labels = browser.evaluate("document.querySelector('#labels').textContent")
    assert "螞蟻金服" in labels and "蚂蚁金服" in labels and "kg:FintechCompany" in labels
    confidences = browser.evaluate("[...document.querySelectorAll('#relations td.confidence')].map(t => t.textContent)")
    assert any(c.startswith("0.") for c in confidences)
    # a related entity's link opens its page
    browser.evaluate("document.querySelector('#relations a[href^=\"entity?iri=\"]').click()")
    browser.wait_for("location.search.startsWith('?iri=') && !location.search.includes('ant-financial')"
                     " && !!document.querySelector('h1')", timeout=30)
    browser.open(server.url + "/entity?iri=" + quote(ANT, safe=""))
    browser.wait_for("!!document.querySelector('#mentions mark')", timeout=30)
    browser.screenshot(ARTIFACTS / "entity-page.png")
    browser.evaluate("document.querySelector('#mentions').scrollIntoView(); 1")
    browser.screenshot(ARTIFACTS / "entity-page-mentions.png")
    assert browser.errors() == []
    assert _remote(browser.requests()) == []


# -- graph exploration: focus, path, filters, export, events --------------------------------------
NANJING = "https://w3id.org/cnfinkg/id/bank-of-nanjing"
ICBC = "https://w3id.org/cnfinkg/id/icbc"
CHAIN = ("---\ntitle: 工行與螞蟻金服合作\npublished: 2018-06-01\n---\n中國工商銀行與螞蟻金服達成合作。\n",
         "---\ntitle: 螞蟻金服與南京銀行合作\npublished: 2019-03-15\n---\n螞蟻金服與南京銀行達成合作。\n",
         "---\ntitle: 收購\npublished: 2020-07-01\n---\n華宇科技股份有限公司宣布以12億元收購星辰數據有限公司70%股權。\n")
HIGHLIGHT = "#e6550d"


@pytest.fixture(scope="module")
def explore_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """ICBC – Ant – Bank of Nanjing in two dated articles, and an acquisition (an event with two roles)."""
    import graph

    path = tmp_path_factory.mktemp("explore-browser") / "s"
    graph.build(list(CHAIN), store=path, use_statistical=False).close()
    with running(path) as srv:
        yield srv


def _graph_of(browser: CDPBrowser, server: SparqlServer, query: str, name: str) -> None:
    """Open the workbench, run ``query`` in a new tab and switch to its Graph view, annotated by the server."""
    browser.open(server.url + "/")
    browser.wait_for("window.kgWorkbench && (window.kgWorkbench.ready || window.kgWorkbench.error)", timeout=60)
    browser.evaluate(
        f"(() => {{ const t = kgWorkbench.yasgui.addTab(true, {{name: {json.dumps(name)}}});"
        f" t.setQuery({json.dumps(query)}); return t.query().then(() => true); }})()"
    )
    browser.wait_for("!!document.querySelector('.tabPanel.active .yasr table.dataTable tbody tr')", timeout=60)
    browser.evaluate("kgWorkbench.yasgui.getTab().getYasr().selectPlugin('graph')")
    browser.wait_for("kgWorkbench.graph && kgWorkbench.graph.initial && kgWorkbench.graph.initial.nodes.length > 1", timeout=30)
    browser.evaluate("kgWorkbench.graph.network.setOptions({physics: false}); "
                     "document.querySelector('.tabPanel.active .kg-graph').scrollIntoView({block: 'center'}); 1")


def _panel(selector: str) -> str:
    return f"document.querySelector('.tabPanel.active .kg-graph-panels {selector}')"


def _node_xy(browser: CDPBrowser, iri: str) -> tuple[float, float]:
    return tuple(browser.evaluate(
        f"(() => {{ const n = kgWorkbench.graph.network; const p = n.canvasToDOM(n.getPositions([{json.dumps(iri)}])[{json.dumps(iri)}]);"
        " const r = document.querySelector('.tabPanel.active .kg-graph').getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    ))


def _type(browser: CDPBrowser, selector: str, text: str) -> None:
    browser.evaluate(f"(() => {{ const i = {_panel(selector)}; i.value = {json.dumps(text)};"
                     " i.dispatchEvent(new Event('input')); i.dispatchEvent(new Event('change')); })()")


def _downloads(browser: CDPBrowser, folder: Path) -> None:
    browser.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def test_graph_view_focus_path_filters_and_export(browser: CDPBrowser, explore_server: SparqlServer,
                                                  tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    _graph_of(browser, explore_server, "PREFIX kg: <https://w3id.org/cnfinkg/ontology#>\nSELECT ?a ?b WHERE { ?a kg:partnerOf ?b }",
              "partners-graph")
    assert set(browser.evaluate("kgWorkbench.graph.nodes.getIds()")) == {ICBC, ANT, NANJING}
    # the server named and typed the nodes of the result, for the class filter
    assert browser.evaluate(f"kgWorkbench.graph.nodes.get({json.dumps(NANJING)}).group") == "Bank"
    classes = browser.evaluate(f"[...{_panel('.kg-x-classes')}.querySelectorAll('input')].map(b => b.value)")
    assert set(classes) == {"Bank", "FintechCompany"}

    # Focus: a name typed in the box, one hop: the view is the server's neighbourhood of ICBC
    _type(browser, ".kg-x-focus-name", "中國工商銀行")
    browser.evaluate(f"{_panel('.kg-x-hops')}.value = '1'; {_panel('.kg-x-focus')}.click(); 1")
    browser.wait_for(f"kgWorkbench.graph.nodes.length === 2 && !kgWorkbench.graph.nodes.get({json.dumps(NANJING)})", timeout=30)
    assert set(browser.evaluate("kgWorkbench.graph.nodes.getIds()")) == {ICBC, ANT}
    assert "Focus: 2 nodes" in browser.evaluate(f"{_panel('.kg-x-status')}.textContent")

    # Path: pick ICBC by a real click and "◎", type the other end's name; the server's path is added and highlighted
    browser.click(*_node_xy(browser, ICBC))
    browser.wait_for(f"kgWorkbench.graph.ex.selected === {json.dumps(ICBC)}", timeout=10)
    browser.evaluate(f"{_panel('.kg-x-pick')}.click(); 1")
    icbc = browser.evaluate(f"kgWorkbench.graph.nodes.get({json.dumps(ICBC)}).label")
    assert browser.evaluate(f"{_panel('.kg-x-from-name')}.value") == icbc == "Industrial and Commercial Bank of China"
    _type(browser, ".kg-x-to-name", "南京銀行")
    browser.evaluate(f"{_panel('.kg-x-path')}.click(); 1")
    browser.wait_for("kgWorkbench.graph.ex.path.length === 3", timeout=30)
    assert browser.evaluate("kgWorkbench.graph.ex.path") == [ICBC, ANT, NANJING]
    colours = browser.evaluate("[...kgWorkbench.graph.ex.pathEdges].map(id => kgWorkbench.graph.edges.get(id).color.color)")
    assert colours == [HIGHLIGHT, HIGHLIGHT]
    assert browser.evaluate(f"kgWorkbench.graph.nodes.get({json.dumps(NANJING)}).color.border") == HIGHLIGHT
    assert "Path: 2 links" in browser.evaluate(f"{_panel('.kg-x-status')}.textContent")
    browser.drain(0.5)
    browser.screenshot(ARTIFACTS / "workbench-graph-path.png")

    # Filters: min confidence above every edge's hides them all (and the entities left alone); a date range keeps 2019
    browser.evaluate(f"{_panel('.kg-x-clear')}.click(); 1")
    browser.evaluate(f"(() => {{ const c = {_panel('.kg-x-confidence')}; c.value = '0.9'; c.dispatchEvent(new Event('input')); }})()")
    assert browser.evaluate("kgWorkbench.graph.ex.counts()") == {"nodes": 0, "edges": 0, "allNodes": 3, "allEdges": 2}
    browser.evaluate(f"{_panel('.kg-x-reset')}.click(); 1")
    assert browser.evaluate("kgWorkbench.graph.ex.counts()")["edges"] == 2
    browser.evaluate(f"(() => {{ const d = {_panel('.kg-x-from')}; d.value = '2019-01-01'; d.dispatchEvent(new Event('change')); }})()")
    shown = browser.evaluate("kgWorkbench.graph.ex.edgeView.get().map(e => [e.from, e.to].sort())")
    assert shown == [sorted([ANT, NANJING])]
    assert set(browser.evaluate("kgWorkbench.graph.ex.nodeView.getIds()")) == {ANT, NANJING}
    docs = browser.evaluate(f"[...{_panel('.kg-x-doc')}.options].map(o => o.textContent)")
    assert docs[0] == "all" and "2018-06-01 · 工行與螞蟻金服合作" in docs
    browser.evaluate(f"{_panel('.kg-x-reset')}.click(); 1")

    # Export: the buttons download a PNG of the canvas and an SVG of every shown node and edge
    _downloads(browser, tmp_path)
    browser.evaluate(f"{_panel('.kg-x-png')}.click(); {_panel('.kg-x-svg')}.click(); 1")
    png = wait_file(tmp_path, "kg-view.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    svg = ET.fromstring(wait_file(tmp_path, "kg-view.svg"))
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.tag == ns + "svg"
    texts = [t.text for t in svg.iter(ns + "text")]
    assert {icbc, "Ant Financial", "Bank of Nanjing"} <= set(texts) and texts.count("partnerOf") == 2
    assert len(svg.findall(f"{ns}g[@class='edge']")) == 2 and len(svg.findall(f"{ns}g[@class='node']/{ns}circle")) == 3
    assert browser.errors() == []
    assert _remote(browser.requests()) == []


def test_double_click_adds_the_events_an_entity_takes_part_in(browser: CDPBrowser, explore_server: SparqlServer) -> None:
    _graph_of(browser, explore_server, "PREFIX kg: <https://w3id.org/cnfinkg/ontology#>\nSELECT ?a ?b WHERE { ?a kg:acquires ?b }",
              "acquisitions-graph")
    buyer = browser.evaluate("kgWorkbench.graph.edges.get()[0].from")
    assert browser.evaluate("kgWorkbench.graph.nodes.get({filter: n => n.kind === 'event'}).length") == 0
    _double_click(browser, *_node_xy(browser, buyer))
    browser.wait_for("kgWorkbench.graph.nodes.get({filter: n => n.kind === 'event'}).length === 1", timeout=30)
    event = browser.evaluate("kgWorkbench.graph.nodes.get({filter: n => n.kind === 'event'})[0]")
    assert event["type"] == "AcquisitionEvent" and event["label"] == "acquisition"
    assert browser.evaluate(f"kgWorkbench.graph.network.body.nodes[{json.dumps(event['id'])}].options.shape") == "diamond"
    roles = browser.evaluate(f"kgWorkbench.graph.edges.get({{filter: e => e.from === {json.dumps(event['id'])}}})"
                             ".map(e => [e.relation, e.role, e.color.color])")
    assert sorted(r[0] for r in roles) == ["acquirer", "target"] and all(r[1] for r in roles)
    assert len({r[2] for r in roles}) == 1 and roles[0][2] != "#8a99a8", "roles are drawn in the events' own colour"
    legend = browser.evaluate(f"{_panel('.kg-x-classes')}.textContent")
    assert "AcquisitionEvent (1) · event" in legend
    browser.drain(0.5)
    browser.screenshot(ARTIFACTS / "workbench-graph-events.png")
    assert browser.errors() == []
    assert _remote(browser.requests()) == []
