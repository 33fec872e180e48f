"""NetworkX conversion, GraphML/GEXF export and the offline HTML viewer (no browser needed)."""

from __future__ import annotations

import io
import json
import math
import os
import re
from pathlib import Path

import networkx as nx
import pytest

from graph.viz import (
    FONT_STACK,
    TEMPLATE_FILES,
    class_styles,
    ego,
    find_entities,
    graph_payload,
    layout,
    mark_violations,
    render_html,
    to_networkx,
    write_graph_file,
    write_html,
)

ICBC = "https://w3id.org/cnfinkg/id/icbc"
ANT = "https://w3id.org/cnfinkg/id/ant-financial"
TEXT = """---
title: 工行與螞蟻金服合作
published: 2018-06-01
---
2018年6月1日，中國工商銀行與螞蟻金服達成戰略合作，雙方將在杭州共建金融科技實驗室。
中國工商銀行董事長易會滿出席了簽約儀式。
"""


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    import graph

    kg = graph.build([TEXT], store=tmp_path_factory.mktemp("viz") / "s", use_statistical=False)
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def g(kg) -> nx.MultiDiGraph:
    return to_networkx(kg.store)


@pytest.fixture(scope="module")
def page(kg, tmp_path_factory) -> tuple[Path, str]:
    path = write_html(kg.store, tmp_path_factory.mktemp("html") / "g.html", lang="zh-Hant")
    return path, path.read_bytes().decode("utf-8")


def _payload(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.S)
    assert m, "the page carries its data as JSON"
    return json.loads(m.group(1))


def test_nodes_carry_labels_type_mentions_identifiers(g):
    assert {ICBC, ANT} <= set(g.nodes)
    icbc = g.nodes[ICBC]
    assert icbc["label_zh_hant"] == "中國工商銀行"
    assert icbc["label_zh_hans"] == "中国工商银行"
    assert icbc["label_en"]
    assert icbc["type"] == "Bank"
    assert icbc["mentions"] >= 2
    assert isinstance(icbc["identifiers"], dict)
    assert g.nodes[ANT]["type"] == "FintechCompany"


def test_partnership_edge_has_evidence(g):
    edges = [d for u, v, d in g.edges(data=True) if {u, v} == {ICBC, ANT}]
    assert [d["relation"] for d in edges] == ["partnerOf"]
    d = edges[0]
    assert "合作" in d["trigger"]
    assert 0 < d["confidence"] <= 1
    ev = d["evidence"][0]
    assert {"doc", "sentence", "start", "end", "confidence"} <= set(ev)
    assert "中國工商銀行與螞蟻金服達成戰略合作" in ev["sentence"]
    assert 0 <= ev["start"] < ev["end"]
    assert ev["date"] == "2018-06-01"


def test_every_edge_joins_two_entities(g):
    for u, v, k, d in g.edges(keys=True, data=True):
        assert u in g and v in g
        assert k == d["relation"] and d["predicate"].endswith("#" + k)


def test_html_is_offline_and_utf8(page):
    path, text = page
    raw = path.read_bytes()
    assert raw.decode("utf-8") == text
    assert '<meta charset="utf-8">' in text[:300]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I), "no remote src/href"
    assert not re.search(r"@import|sourceMappingURL", text)
    assert "default-src 'none'" in text  # the browser itself refuses any fetch
    assert "中國工商銀行" in text and "螞蟻金服" in text
    assert "vis.Network" in text and "<script src" not in text


def test_html_payload_matches_graph(page, g):
    _, text = page
    data = _payload(text)
    assert len(data["nodes"]) == g.number_of_nodes()
    assert len(data["edges"]) == g.number_of_edges()
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels[ICBC] == "中國工商銀行"  # lang='zh-Hant'
    edge = next(e for e in data["edges"] if {e["from"], e["to"]} == {ICBC, ANT})
    assert edge["label"] == "partnerOf"  # relation name in English ...
    assert "合作" in edge["title"]  # ... the Chinese trigger on hover
    assert data["evidence"][edge["id"]]["evidence"][0]["date"] == "2018-06-01"
    info = data["info"][ICBC]
    assert (info["labels"]["zh-Hant"], info["labels"]["zh-Hans"]) == ("中國工商銀行", "中国工商银行")
    assert info["type"] == "Bank" and info["labels"]["en"] == g.nodes[ICBC]["label_en"]
    assert "Bank" in [c[0] for c in data["classes"]] and "partnerOf" in [r[0] for r in data["relations"]]
    assert all("x" in n and "y" in n for n in data["nodes"])
    for needle in (
        'id="search"',
        'id="physics"',
        'id="class-filters"',
        'id="relation-filters"',
        'id="details"',
    ):
        assert needle in text


def test_node_size_follows_mentions(g):
    data = graph_payload(g)
    size = {n["id"]: n["size"] for n in data["nodes"]}
    ment = {n: d["mentions"] for n, d in g.nodes(data=True)}
    most, least = max(ment, key=ment.get), min(ment, key=ment.get)
    assert ment[most] == ment[least] or size[most] > size[least]


def test_output_is_deterministic(kg, tmp_path):
    a = write_html(kg.store, tmp_path / "a.html").read_bytes()
    b = write_html(kg.store, tmp_path / "b.html").read_bytes()
    assert a == b
    assert write_graph_file(kg.store, "graphml") == write_graph_file(kg.store, "graphml")


@pytest.mark.parametrize(
    "lang, label", [("en", None), ("zh-Hans", "中国工商银行"), ("zh-Hant", "中國工商銀行")]
)
def test_label_language(g, lang, label):
    data = graph_payload(g, lang)
    got = next(n["label"] for n in data["nodes"] if n["id"] == ICBC)
    assert got == (label or g.nodes[ICBC]["label_en"])


def test_bad_language(kg, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        write_html(kg.store, tmp_path / "x.html", lang="fr")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_files_parse_back(kg, g, fmt):
    data = write_graph_file(kg.store, fmt)
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    back = read(io.BytesIO(data))
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    node = back.nodes[ICBC]
    assert node["label_zh_hant"] == "中國工商銀行"
    assert node["type"] == "Bank"
    assert isinstance(json.loads(node["identifiers"]), dict)
    edge = next(d for u, v, d in back.edges(data=True) if {u, v} == {ICBC, ANT})
    assert edge["relation"] == "partnerOf"
    assert json.loads(edge["evidence"])[0]["sentence"]


def test_unknown_graph_format(kg):
    with pytest.raises(ValueError, match="graphml or gexf"):
        write_graph_file(kg.store, "dot")


def test_export_through_serialize(kg):
    out = kg.serialize("graphml")
    assert out is not None and "中國工商銀行" in out


def test_focus_by_any_name_in_either_script(kg, g, tmp_path):
    for name in ("螞蟻金服", "蚂蚁金服", g.nodes[ANT]["label_en"], g.nodes[ANT]["label_en"].upper()):
        assert find_entities(g, name) == [ANT]
    sub = ego(g, "蚂蚁金服", hops=1)
    assert ANT in sub and ICBC in sub
    assert ego(g, "螞蟻金服", hops=0).number_of_nodes() == 1
    path = write_html(kg.store, tmp_path / "f.html", focus="蚂蚁金服")
    data = _payload(path.read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == set(sub.nodes)


def test_focus_matching_nothing_is_a_clear_error(kg, tmp_path):
    with pytest.raises(ValueError, match="matches no entity"):
        write_html(kg.store, tmp_path / "x.html", focus="不存在的公司")


def test_query_selects_subgraph(kg, tmp_path):
    path = write_html(
        kg.store, tmp_path / "q.html", query="CONSTRUCT { ?s kg:partnerOf ?o } WHERE { ?s kg:partnerOf ?o }"
    )
    data = _payload(path.read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == {ICBC, ANT}
    assert [e["relation"] for e in data["edges"]] == ["partnerOf"]
    path = write_html(
        kg.store,
        tmp_path / "q2.html",
        query="SELECT ?s ?p ?o WHERE { ?s a kg:Bank . BIND(rdf:type AS ?p) BIND(kg:Bank AS ?o) }",
    )
    data = _payload(path.read_text(encoding="utf-8"))
    assert [n["id"] for n in data["nodes"]] == [ICBC] and data["edges"] == []
    with pytest.raises(ValueError, match="no entity"):
        write_html(kg.store, tmp_path / "q3.html", query="SELECT ?s ?p ?o WHERE { ?s a kg:Insurer ; ?p ?o }")


def test_layout_is_deterministic_and_spread():
    g = nx.MultiDiGraph()
    for i in range(30):
        g.add_node(f"n{i:02d}")
    for i in range(20):
        g.add_edge(f"n{i:02d}", f"n{(i * 7 + 3) % 20:02d}", key="partnerOf")
    a, b = layout(g), layout(g)
    assert a == b
    assert len(set(a.values())) == 30  # no two nodes on the same spot


def test_fast_layout_for_large_graphs():
    big = nx.gnm_random_graph(1500, 3000, seed=1, directed=True)
    g = nx.MultiDiGraph()
    g.add_nodes_from(f"n{i}" for i in big.nodes)
    g.add_edges_from((f"n{u}", f"n{v}", "partnerOf") for u, v in big.edges)
    pos = layout(g)
    assert len(pos) == 1500 and len(set(pos.values())) > 1490
    html = render_html(g)
    assert '"large":true' in html


def test_render_empty_graph():
    html = render_html(nx.MultiDiGraph())
    assert '"nodes":[]' in html


def test_layout_is_the_same_in_every_process(tmp_path):
    """String hashing is salted per process; the seeded layout must not depend on set order."""
    import subprocess
    import sys

    code = (
        "import json, networkx as nx\n"
        "from graph.viz import layout\n"
        "g = nx.MultiDiGraph()\n"
        "g.add_nodes_from(f'n{i:02d}' for i in range(40))\n"
        "g.add_edges_from((f'n{i:02d}', f'n{(i * 7 + 3) % 25:02d}', 'partnerOf') for i in range(25))\n"
        "print(json.dumps(layout(g), sort_keys=True))\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


def test_shacl_violations_are_marked(kg, g, monkeypatch):
    import graph.rdf.validate as validate_mod
    from graph.rdf.validate import ValidationReport, Violation

    edge = next(d for u, v, d in g.edges(data=True) if {u, v} == {ICBC, ANT})
    statement = edge["evidence"][0]["statement"]
    fake = ValidationReport(
        False,
        [
            Violation(statement, "s", "range rule", "object", "ant-financial"),
            Violation(ICBC, "ICBC", "label rule", "label", "x"),
        ],
    )
    monkeypatch.setattr(validate_mod, "validate", lambda _graph: fake)
    h = to_networkx(kg.store)
    assert mark_violations(kg.store, h) == 2
    data = graph_payload(h)
    e = next(e for e in data["edges"] if {e["from"], e["to"]} == {ICBC, ANT})
    assert e["dashes"] and data["evidence"][e["id"]]["violations"]
    n = next(n for n in data["nodes"] if n["id"] == ICBC)
    assert n["shapeProperties"]["borderDashes"] and data["info"][ICBC]["violations"] == [
        "label rule (label x)"
    ]


# -- templates, readability, styles -----------------------------------------------------------
def _outside_vendored(text: str) -> str:
    """The page without vis-network's inlined code and the JSON data (IRIs there are names, not links)."""
    from graph.viz import vis_assets

    js, css = vis_assets()
    text = text.replace(js, "").replace(css, "")
    return re.sub(r'(<script type="application/json" id="kg-data">).*?(</script>)', r"\1\2", text, flags=re.S)


def test_templates_are_package_files_inlined_into_one_page(page):
    from importlib import resources

    import graph.viz as viz_pkg

    _, text = page
    folder = resources.files("graph.viz") / "templates"
    for name in TEMPLATE_FILES:
        f = folder / name
        assert f.is_file(), f"{name} is a file of the package"
        body = f.read_text(encoding="utf-8")
        assert not re.search(r"https?://", body), f"{name} links nothing"
        if name != "page.html":  # the stylesheet and script are inlined, not linked
            first = next(line for line in body.splitlines() if line.strip() and "@@" not in line)
            assert first in text
    for module in sorted(Path(viz_pkg.__file__).parent.glob("*.py")):  # no page, script or style in any module
        source = module.read_text(encoding="utf-8")
        assert "<!DOCTYPE" not in source and "new vis.Network" not in source and "#details dt" not in source, module.name
    assert "new vis.Network" in text and "#details dt" in text
    assert "@@" not in _outside_vendored(text), "every placeholder is filled"
    own = _outside_vendored(text)
    assert own.count("<script") == 4 and "<link" not in own and "<script src" not in text
    assert not re.search(r"https?://", _outside_vendored(text)), (
        "nothing but vendored code and data names a URL"
    )


def test_pyproject_ships_the_templates():
    import tomllib

    root = Path(__file__).resolve().parents[2]
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "templates/**/*" in conf["tool"]["setuptools"]["package-data"]["graph.viz"]


def test_cjk_font_stack_in_page_and_canvas(page):
    _, text = page
    for font in ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei"):
        assert font in FONT_STACK
    assert FONT_STACK.rstrip().endswith("sans-serif")
    css = re.search(r"html, body \{[^}]*\}", text)
    assert css and FONT_STACK in css.group(0), "the page's own text uses the stack"
    assert _payload(text)["font"] == FONT_STACK, "node and edge labels on the canvas use it too"


def _all_kg_classes() -> list[str]:
    from graph.rdf.ontology import load_ontology

    return sorted(str(c).rsplit("#", 1)[-1] for c in load_ontology().classes)


def test_class_styles_are_injective_and_deterministic(g):
    present = sorted({d["type"] for _, d in g.nodes(data=True)})
    assert len(present) >= 3
    for classes in (present, _all_kg_classes()):
        styles = class_styles(classes)
        assert set(styles) == set(classes)
        assert len(set(styles.values())) == len(classes), "two classes would look alike"
        assert class_styles(list(reversed(classes))) == styles
    data = graph_payload(g)
    pairs = {(grp["color"]["background"], grp["shape"]) for grp in data["groups"].values()}
    assert len(pairs) == len(data["groups"]) == len(present)
    # shape by family: all organisations share one shape, a person another
    styles = class_styles(["Bank", "FintechCompany", "Person", "City"])
    assert styles["Bank"][1] == styles["FintechCompany"][1] != styles["Person"][1] != styles["City"][1]
    assert styles["Bank"][0] != styles["FintechCompany"][0]


def test_events_are_their_own_kind_of_node():
    g = nx.MultiDiGraph()
    g.add_node(ICBC, label_en="ICBC", type="Bank", mentions=3)
    g.add_node(ANT, label_en="Ant", type="FintechCompany", mentions=2)
    ev = "https://w3id.org/cnfinkg/id/event/acq-1"
    g.add_node(ev, label_en="Acquisition: ICBC / Ant", type="AcquisitionEvent", mentions=1)
    g.add_edge(ev, ICBC, key="acquirer", relation="acquirer")
    g.add_edge(ev, ANT, key="target", relation="target")
    g.add_edge(ICBC, ANT, key="partnerOf", relation="partnerOf")
    data = graph_payload(g)
    node = {n["id"]: n for n in data["nodes"]}
    assert node[ev].get("kind") == "event" and "kind" not in node[ICBC]
    assert data["info"][ev]["kind"] == "event" and data["info"][ICBC]["kind"] == "entity"
    assert data["groups"]["AcquisitionEvent"]["shape"] == "diamond"
    # the node shows the event's kind; the role edges name the participants, the panel the full label
    assert node[ev]["label"] == "Acquisition" and node[ICBC]["label"] == "ICBC"
    assert data["info"][ev]["labels"]["en"] == "Acquisition: ICBC / Ant" and "ICBC / Ant" in node[ev]["title"]
    every = class_styles(_all_kg_classes())
    diamonds = {c for c, (_, shape) in every.items() if shape == "diamond"}
    assert "AcquisitionEvent" in diamonds and diamonds.isdisjoint({"Bank", "Person", "Product", "City"})
    roles = {e["relation"]: e for e in data["edges"]}
    assert (
        roles["acquirer"].get("role") and roles["target"].get("role") and not roles["partnerOf"].get("role")
    )
    assert roles["acquirer"]["color"] != roles["partnerOf"].get("color")


def _estimated_box(d: dict, x: float, y: float, font_px: float) -> tuple[float, float, float, float]:
    """The test's own estimate of what a node covers: CJK 1 em a character, anything else 0.6 em."""
    labels = [d.get(k) or "" for k in ("label_en", "label_zh_hant", "label_zh_hans")]
    width = max(sum(font_px if ord(ch) >= 0x2E80 else 0.6 * font_px for ch in t) for t in labels)
    r = 10 + 6 * math.log2(1 + d.get("mentions", 0))
    half = max(width / 2, r)
    return (x - half, y - r, x + half, y + r + 1.2 * font_px)


def test_isolated_entities_grouped_by_class_without_overlap():
    from graph.viz import NODE_FONT_PX

    g = nx.MultiDiGraph()
    names = [
        "中國工商銀行股份有限公司",
        "螞蟻金服",
        "Industrial and Commercial Bank of China",
        "京東數科",
        "AB",
    ]
    classes = ["Bank", "FintechCompany", "Person", "City"]
    for i in range(40):
        cls = classes[i % 4]
        label = names[i % 5] + str(i)
        g.add_node(f"n{i:02d}", label_en=label, label_zh_hant=label, label_zh_hans=label, type=cls,
                   mentions=i % 7)  # fmt: skip
    g.add_edge("n00", "n01", key="partnerOf")
    g.add_edge("n01", "n02", key="partnerOf")
    pos = layout(g)
    assert pos == layout(g)
    alone = sorted(n for n in g if g.degree(n) == 0)
    boxes = {n: _estimated_box(g.nodes[n], *pos[n], NODE_FONT_PX) for n in g}
    for i, a in enumerate(alone):
        for b in alone[i + 1 :]:
            A, B = boxes[a], boxes[b]
            overlap = A[0] < B[2] and B[0] < A[2] and A[1] < B[3] and B[1] < A[3]
            assert not overlap, f"{a} and {b} overlap: {A} {B}"
        for c in ("n00", "n01", "n02"):  # nor does an isolated node sit on the connected part
            A, B = boxes[a], boxes[c]
            assert not (A[0] < B[2] and B[0] < A[2] and A[1] < B[3] and B[1] < A[3]), (a, c)
    # one block per class: the bounding rectangles of the classes' isolated nodes are disjoint
    rect = {}
    for cls in classes:
        mine = [boxes[n] for n in alone if g.nodes[n]["type"] == cls]
        rect[cls] = (
            min(b[0] for b in mine),
            min(b[1] for b in mine),
            max(b[2] for b in mine),
            max(b[3] for b in mine),
        )
    for i, a in enumerate(classes):
        for b in classes[i + 1 :]:
            A, B = rect[a], rect[b]
            assert not (A[0] < B[2] and B[0] < A[2] and A[1] < B[3] and B[1] < A[3]), f"{a} and {b} grids mix"


def test_connected_nodes_are_spread_until_labels_clear():
    """A hub with many long-named neighbours: spring layout alone piles the labels on each other."""
    from graph.viz import NODE_FONT_PX

    g = nx.MultiDiGraph()
    g.add_node("hub", label_en="Hub", label_zh_hant="中心", label_zh_hans="中心", type="Bank", mentions=30)
    for i in range(24):
        label = f"上市：上海證券交易所 / 螞蟻金服{i}" if i % 2 else f"Industrial Bank Branch {i}"
        g.add_node(f"n{i:02d}", label_en=label, label_zh_hant=label, label_zh_hans=label, type="Company")
        g.add_edge("hub", f"n{i:02d}", key="partnerOf")
    pos = layout(g)
    boxes = {n: _estimated_box(g.nodes[n], *pos[n], NODE_FONT_PX) for n in g}
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            A, B = boxes[a], boxes[b]
            assert not (A[0] < B[2] and B[0] < A[2] and A[1] < B[3] and B[1] < A[3]), f"{a} and {b} overlap"
