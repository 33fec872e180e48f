"""The graph view's explore resources of ``kg serve``: focus with N hops, shortest path, node sets, search, events."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from graph.serve import SparqlServer
from graph.serve.explore import MAX_HOPS, View, _cap_links, with_values
from tests.integration.test_serve import ANT, ICBC, _http, running

NANJING = "https://w3id.org/cnfinkg/id/bank-of-nanjing"
FIRST = "---\ntitle: 工行與螞蟻金服合作\npublished: 2018-06-01\n---\n中國工商銀行與螞蟻金服達成合作。\n"
SECOND = "---\ntitle: 螞蟻金服與南京銀行合作\npublished: 2019-03-15\n---\n螞蟻金服與南京銀行達成合作。\n"
DEAL = "---\ntitle: 收購\npublished: 2020-07-01\n---\n華宇科技股份有限公司宣布以12億元收購星辰數據有限公司70%股權。\n"


@pytest.fixture(scope="module")
def explore_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """A chain ICBC – Ant – Bank of Nanjing (two dated articles) and, apart, an acquisition event."""
    import graph

    path = tmp_path_factory.mktemp("explore") / "s"
    graph.build([FIRST, SECOND, DEAL], store=path, use_statistical=False).close()
    with running(path) as srv:
        yield srv


def _get(server: SparqlServer, resource: str, **params: object) -> tuple[int, dict | str]:
    status, ctype, body = _http(server.url + "/explore/" + resource + "?" + urllib.parse.urlencode(params, doseq=True))
    if ctype.startswith("application/json"):
        return status, json.loads(body)
    return status, body.decode("utf-8")


def _search(server: SparqlServer, text: str) -> str:
    status, data = _get(server, "search.json", q=text)
    assert status == 200, data
    return data["results"][0]["id"]


def test_focus_grows_hop_by_hop_with_confidence_documents_and_dates(explore_server: SparqlServer) -> None:
    status, one = _get(explore_server, "neighbourhood.json", iri=str(ICBC), hops=1)
    assert status == 200
    assert {n["id"]: n["hop"] for n in one["nodes"]} == {str(ICBC): 0, str(ANT): 1}
    status, two = _get(explore_server, "neighbourhood.json", iri=str(ICBC), hops=2)
    hops = {n["id"]: n["hop"] for n in two["nodes"]}
    assert hops == {str(ICBC): 0, str(ANT): 1, NANJING: 2} and two["truncated"] is False
    node = next(n for n in two["nodes"] if n["id"] == NANJING)
    assert node["labels"] == {"en": "Bank of Nanjing", "zh-Hant": "南京銀行", "zh-Hans": "南京银行"}
    assert node["type"] == node["group"] == "Bank" and node["kind"] == "entity" and "Bank" in two["groups"]
    edge = next(e for e in two["edges"] if NANJING in (e["from"], e["to"]))
    assert edge["relation"] == "partnerOf" and edge["confidence"] == pytest.approx(0.8) and edge["role"] is False
    (doc,) = edge["docs"]
    assert two["documents"][doc] == {"date": "2019-03-15", "headline": "螞蟻金服與南京銀行合作"}
    assert len(two["edges"]) == 2 and len(two["documents"]) == 2


def test_focus_is_cut_at_the_limit(explore_server: SparqlServer) -> None:
    status, data = _get(explore_server, "neighbourhood.json", iri=str(ANT), hops=2, limit=2)
    assert status == 200 and data["truncated"] is True and len(data["nodes"]) == 2
    assert all({e["from"], e["to"]} <= {n["id"] for n in data["nodes"]} for e in data["edges"])


def test_focus_includes_the_events_an_entity_takes_part_in(explore_server: SparqlServer) -> None:
    buyer = _search(explore_server, "華宇科技")
    status, data = _get(explore_server, "neighbourhood.json", iri=buyer, hops=1)
    assert status == 200
    (event,) = [n for n in data["nodes"] if n["kind"] == "event"]
    assert event["type"] == "AcquisitionEvent" and event["label"] == "acquisition" and event["docs"]
    assert data["legend"]["AcquisitionEvent"][2] == "Event" and data["groups"]["AcquisitionEvent"]["shape"] == "diamond"
    roles = {e["relation"]: e for e in data["edges"] if e["role"]}
    assert set(roles) == {"acquirer", "target"} and roles["acquirer"]["to"] == buyer and roles["acquirer"]["from"] == event["id"]
    assert roles["acquirer"]["confidence"] is not None and roles["acquirer"]["docs"] == event["docs"]
    assert roles["acquirer"]["color"]["color"] != "#999999", "an event's roles are drawn in the events' colour"


def test_shortest_path_through_the_middle_entity(explore_server: SparqlServer) -> None:
    status, data = _get(explore_server, "path.json", **{"from": str(ICBC), "to": NANJING})
    assert status == 200 and data["note"] is None
    assert data["path"] == [str(ICBC), str(ANT), NANJING]
    assert {n["id"] for n in data["nodes"]} == set(data["path"])
    assert sorted((e["from"], e["to"]) for e in data["edges"]) == sorted([(str(ICBC), str(ANT)), (str(ANT), NANJING)])
    # one link at most: no path, said in the answer
    status, data = _get(explore_server, "path.json", **{"from": str(ICBC), "to": NANJING, "maxHops": 1})
    assert status == 200 and data["path"] == [] and "at most 1" in data["note"]
    buyer = _search(explore_server, "華宇科技")
    status, data = _get(explore_server, "path.json", **{"from": str(ICBC), "to": buyer})
    assert status == 200 and data["path"] == [] and data["note"]


def test_subgraph_of_a_node_set_by_post(explore_server: SparqlServer) -> None:
    body = urllib.parse.urlencode({"iri": [str(ICBC), str(ANT), "https://example.org/not-there"]}, doseq=True).encode()
    status, ctype, raw = _http(explore_server.url + "/explore/subgraph.json", data=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    data = json.loads(raw)
    assert status == 200 and ctype.startswith("application/json")
    assert {n["id"] for n in data["nodes"]} == {str(ICBC), str(ANT)} and data["requested"] == 3
    assert [(e["from"], e["relation"], e["to"]) for e in data["edges"]] == [(str(ICBC), "partnerOf", str(ANT))]


def test_search_by_any_name(explore_server: SparqlServer) -> None:
    status, data = _get(explore_server, "search.json", q="蚂蚁")  # Simplified finds the entity too
    assert status == 200 and data["results"][0]["id"] == str(ANT) and data["results"][0]["label"] == "Ant Financial"
    status, data = _get(explore_server, "search.json", q="no such name anywhere")
    assert status == 200 and data["results"] == []


@pytest.mark.parametrize(("resource", "params", "status", "needle"), [
    ("neighbourhood.json", {"iri": str(ANT), "hops": MAX_HOPS + 1}, 400, f"hops must be from 1 to {MAX_HOPS}"),
    ("neighbourhood.json", {"iri": str(ANT), "hops": "two"}, 400, "hops must be a whole number"),
    ("neighbourhood.json", {}, 400, "give exactly one iri parameter"),
    ("neighbourhood.json", {"iri": "not an iri"}, 400, "malformed IRI"),
    ("neighbourhood.json", {"iri": "https://w3id.org/cnfinkg/id/nobody"}, 404, "no entity or event"),
    ("path.json", {"from": str(ANT)}, 400, "give exactly one to parameter"),
    ("search.json", {"q": ""}, 400, "give a q parameter"),
    ("subgraph.json", {}, 400, "iri parameters"),
])
def test_bad_requests_get_one_line(explore_server: SparqlServer, resource: str, params: dict, status: int, needle: str) -> None:
    got, body = _get(explore_server, resource, **params)
    assert got == status and isinstance(body, str)
    assert needle in body and body.count("\n") == 1


def test_explore_resources_are_read_only_and_cors_readable(explore_server: SparqlServer) -> None:
    import urllib.request

    url = explore_server.url + "/explore/search.json?q=bank"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": "http://elsewhere.example"}), timeout=30) as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    status, _, _ = _http(url, method="OPTIONS", headers={"Origin": "http://elsewhere.example",
                                                          "Access-Control-Request-Method": "GET"})
    assert status == 204
    status, _, _ = _http(url, data=b"x", method="PUT")
    assert status == 405


def test_the_viewer_script_is_served_to_the_workbench(explore_server: SparqlServer) -> None:
    from graph.viz.assets import template_text

    status, ctype, body = _http(explore_server.url + "/static/viewer/explore.js")
    assert status == 200 and ctype.startswith("text/javascript")
    assert body.decode("utf-8") == template_text("explore.js") and b"window.KGExplore" in body
    status, _, _ = _http(explore_server.url + "/static/viewer/other.js")
    assert status == 404


def test_with_values_binds_every_iri() -> None:
    text = with_values("relations", "n", ["https://example.org/a", "https://example.org/b"])
    assert "VALUES ?n { <https://example.org/a> <https://example.org/b> }" in text
    assert text.index("VALUES ?n") > text.index("\nWHERE {")


def test_capping_links_keeps_every_node_linked() -> None:
    """Beyond the edge limit, the link that brought each node in stays; the others go, farthest first."""
    nodes = {"f": {"hop": 0}, "a": {"hop": 1}, "b": {"hop": 1}, "c": {"hop": 2}}
    links = {("f", "p", "a"), ("b", "p", "f"), ("a", "p", "c"), ("b", "p", "c"), ("a", "q", "b")}
    view = View(nodes=nodes, links=set(links))
    assert _cap_links(view, 3) == 2
    assert len(view.links) == 3
    linked = {n for s, _, o in view.links for n in (s, o)}
    assert linked == set(nodes)
    view = View(nodes=nodes, links=set(links))
    assert _cap_links(view, 10) == 0 and view.links == links
