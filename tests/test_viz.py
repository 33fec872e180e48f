"""NetworkX conversion, GraphML/GEXF export and the offline HTML viewer (no browser needed)."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import networkx as nx
import pytest

from graph.viz import (
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
    import graph.validate as validate_mod
    from graph.validate import ValidationReport, Violation

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
