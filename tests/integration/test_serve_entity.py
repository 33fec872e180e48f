"""Entity pages of ``kg serve`` (``/entity``, ``/entity.json``): labels, relations, highlighted mentions, errors."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from graph.serve import SparqlServer
from graph.serve.protocol import RequestRefused
from tests.integration.test_serve import ANT, ICBC, KG, TEXT, _http, running

# -- entity pages ---------------------------------------------------------------------------------

ACQUISITION = "華宇科技股份有限公司宣布以12億元收購星辰數據有限公司70%股權。"
# A mention in a sentence that states no relation or figure: its page still shows it in context.
BARE = "業界人士普遍看好中國工商銀行今年的表現。"


@pytest.fixture(scope="module")
def entity_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """A store with a partnership, an acquisition event, and one entity whose labels are markup."""
    import pyoxigraph as ox

    import graph

    path = tmp_path_factory.mktemp("entity") / "s"
    graph.build([TEXT, ACQUISITION, BARE], store=path, use_statistical=False).close()
    store = ox.Store(str(path))
    odd = ox.NamedNode("https://example.org/id/odd")
    store.add(ox.Quad(odd, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal('<script>alert("x")</script> & co', language="en")))
    store.flush()
    del store
    with running(path) as srv:
        yield srv


def _entity(server: SparqlServer, iri: str, json_: bool = False) -> tuple[int, str, str]:
    path = "/entity.json" if json_ else "/entity"
    status, ctype, body = _http(server.url + path + "?iri=" + urllib.parse.quote(iri, safe=""))
    return status, ctype, body.decode("utf-8")


def test_entity_page_labels_relations_mentions(entity_server: SparqlServer) -> None:
    status, ctype, page = _entity(entity_server, str(ANT))
    assert status == 200 and ctype.startswith("text/html")
    assert "<h1>Ant Financial</h1>" in page
    for label in ("螞蟻金服", "蚂蚁金服", "zh-Hant", "zh-Hans", "kg:FintechCompany"):
        assert label in page
    # the relation in, with its confidence and evidence sentence, links to the other entity's page
    row = re.search(r'<tr class="relation in">(.*?)</tr>', page, re.S)
    assert row is not None and "kg:partnerOf" in row.group(1) and "0.80" in row.group(1)
    assert "entity?iri=" + urllib.parse.quote(str(ICBC), safe="") in row.group(1)
    assert "中國工商銀行與螞蟻金服達成合作。" in row.group(1)
    # the mention, highlighted in its sentence
    assert "中國工商銀行與<mark>螞蟻金服</mark>達成合作。" in page
    assert "Content-Security-Policy" in _headers(entity_server, "/entity?iri=" + urllib.parse.quote(str(ANT)))


def _headers(server: SparqlServer, path: str) -> dict[str, str]:
    with urllib.request.urlopen(server.url + path, timeout=30) as resp:
        return dict(resp.headers)


def test_every_mention_is_shown_in_its_sentence(entity_server: SparqlServer) -> None:
    status, _, body = _entity(entity_server, str(ICBC), json_=True)
    mentions = json.loads(body)["mentions"]
    assert status == 200 and len(mentions) >= 2
    assert all(m["sentence"] and m["highlight"] for m in mentions), mentions
    assert any(m["sentence"] == BARE for m in mentions)


def test_entity_json_and_events(entity_server: SparqlServer) -> None:
    status, ctype, body = _entity(entity_server, "kgid:ant-financial", json_=True)  # a prefixed name works too
    assert status == 200 and ctype.startswith("application/json")
    data = json.loads(body)
    assert data["iri"] == str(ANT) and data["labels"]["zh-Hant"] == ["螞蟻金服"]
    (rel,) = [r for r in data["relations"] if r["other"] == str(ICBC)]
    assert rel["direction"] == "in" and rel["evidence"][0]["confidence"] == pytest.approx(0.8)
    assert data["mentions"][0]["highlight"] == [7, 11] and data["documents"][0]["mentions"] == 1
    status, _, body = _entity(entity_server, "https://w3id.org/cnfinkg/id/hua-yu-ke-ji-gu-fen-you-xian-gong-si-77863a3e",
                              json_=True)
    events = json.loads(body)["events"]
    assert status == 200 and any(e["type"] == "AcquisitionEvent" and e["role"] == "acquirer" for e in events)
    status, _, page = _entity(entity_server, "https://w3id.org/cnfinkg/id/hua-yu-ke-ji-gu-fen-you-xian-gong-si-77863a3e")
    assert "AcquisitionEvent" in page and "acquirer" in page


def test_entity_unknown_is_404_and_malformed_is_400(entity_server: SparqlServer) -> None:
    status, ctype, page = _entity(entity_server, "https://w3id.org/cnfinkg/id/no-such-entity")
    assert status == 404 and ctype.startswith("text/html")
    assert "No such entity" in page and "no entity &lt;https://w3id.org/cnfinkg/id/no-such-entity&gt; in this store" in page
    for bad in ("not an iri", "no-scheme", "http://x/<b>", ""):
        status, ctype, page = _entity(entity_server, bad)
        assert status == 400 and ctype.startswith("text/html"), bad
        assert "<b>" not in page
    status, _, page = _entity(entity_server, "not an iri")
    assert "malformed IRI" in page
    status, _, body = _http(entity_server.url + "/entity")
    assert status == 400 and b"give exactly one iri parameter" in body
    status, ctype, body = _http(entity_server.url + "/entity.json?iri=" + urllib.parse.quote("a b"))
    assert status == 400 and ctype.startswith("text/plain") and b"malformed IRI" in body
    status, _, _ = _http(entity_server.url + "/entity.json?iri=" + urllib.parse.quote("https://example.org/none"))
    assert status == 404
    status, _, _ = _http(entity_server.url + "/entity", b"x", {"Content-Type": "text/plain"}, method="POST")
    assert status == 405


def test_entity_page_escapes_what_the_store_holds(entity_server: SparqlServer) -> None:
    status, _, page = _entity(entity_server, "https://example.org/id/odd")
    assert status == 200
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    status, _, page = _entity(entity_server, 'https://example.org/"onmouseover=x')
    assert status == 400 and '"onmouseover' not in page and "&quot;onmouseover=x" in page
    status, _, page = _entity(entity_server, "https://example.org/x'onmouseover=alert(1)")
    assert status == 404 and "x'onmouseover" not in page and "x&#x27;onmouseover=alert(1)" in page


def test_entity_iri_parsing_and_highlight() -> None:
    from graph.serve.entity import compact, highlight, parse_iri

    assert parse_iri(["kgid:x"]) == "https://w3id.org/cnfinkg/id/x"
    assert parse_iri(["<https://example.org/a>"]) == "https://example.org/a"
    for bad in ([], ["a", "b"], [" "], ["a b"], ["x"], ["https://e.org/" + "a" * 3000]):
        with pytest.raises(RequestRefused) as info:
            parse_iri(bad)
        assert info.value.status == 400
    assert compact(KG + "partnerOf") == "kg:partnerOf" and compact("https://example.org/a") == "https://example.org/a"
    assert highlight("乙丙", 11, "甲乙丙丁", 10) == (1, 3)  # by offsets
    assert highlight("乙丙", 50, "甲乙丙丁", 10) == (1, 3)  # offsets disagree: found by text
    assert highlight("戊", 11, "甲乙丙丁", 10) is None and highlight("乙", 1, None, None) is None
