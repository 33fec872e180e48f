"""Financial event frames (graph/nlp/events/frames.py): roles, figures, dates, relations, RDF and named queries.

The sentences are composed for these tests (fictional companies next to knowledge-base names).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

import graph.nlp.events.frames  # noqa: F401 - registers the component
from graph.vocab import KG, KGID

PUBLISHED = dt.date(2024, 6, 1)


def _pipeline():
    from graph.nlp.pipeline import create_pipeline

    nlp = create_pipeline(False)
    if "cnfinkg_events" not in nlp.pipe_names:
        nlp.add_pipe("cnfinkg_events")
    return nlp


@pytest.fixture(scope="module")
def enlp():
    return _pipeline()


@pytest.fixture()
def ev(enlp, run):
    assert "cnfinkg_events" in enlp.pipe_names
    return lambda text, published=PUBLISHED: run(text, published)


def names(doc):
    return {e.kb_id_: e.text for e in doc.ents}


def frames(doc, type_):
    return [e for e in doc._.events if e.type == type_]


def role(doc, event, name):
    n = names(doc)
    return [n.get(str(i)) for i in event.roles.get(name, [])]


def rels(doc):
    n = names(doc)
    return {(n.get(str(r.head)), r.prop.rsplit("#", 1)[-1], n.get(str(r.tail))) for r in doc._.relations}


# ------------------------------------------------------------------ frames, one per event type


def test_acquisition_roles_amount_and_asset(ev):
    doc = ev("华宇科技股份有限公司宣布以12亿元收购星辰数据有限公司70%股权。")
    (a,) = frames(doc, "acquisition")
    assert a.cls == KG.AcquisitionEvent
    assert role(doc, a, "acquirer") == ["华宇科技股份有限公司"]
    assert role(doc, a, "target") == ["星辰数据有限公司"]
    assert a.amount.value == Decimal(1200000000) and a.amount.unit == "CNY"
    assert a.texts["asset"] == "70%股权"
    assert ("华宇科技股份有限公司", "acquires", "星辰数据有限公司") in rels(doc)


@pytest.mark.parametrize("text", [
    "华宇科技股份有限公司收购辰光集团有限公司持有的星辰数据有限公司70%股权。",
    "华宇科技股份有限公司向辰光集团有限公司定向增发收购其持有的星辰数据有限公司70%股权。",
], ids=["seller-before-chiyou", "share-subscriber"])
def test_acquisition_of_a_stake_another_company_holds_targets_the_company_held(ev, text):
    """收購 A 持有的 B 股權: B is the target, never A, the seller; 向 A 增發 makes A a subscriber, not the acquirer."""
    doc = ev(text)
    (a,) = frames(doc, "acquisition")
    assert role(doc, a, "acquirer") == ["华宇科技股份有限公司"]
    assert role(doc, a, "target") == ["星辰数据有限公司"]


def test_acquisition_target_is_in_the_triggers_clause(ev):
    """收購 used as a noun (收購完成後, …) does not reach a company named in the next clause."""
    doc = ev("华宇科技股份有限公司表示，收购完成后，星辰数据有限公司将扩大在华东的业务。")
    assert not [a for a in frames(doc, "acquisition") if role(doc, a, "target") == ["星辰数据有限公司"]]


def test_passive_acquisition_reverses_roles_traditional(ev):
    doc = ev("星辰數據有限公司被華宇科技股份有限公司收購。")
    (a,) = frames(doc, "acquisition")
    assert role(doc, a, "acquirer") == ["華宇科技股份有限公司"]
    assert role(doc, a, "target") == ["星辰數據有限公司"]
    r = [x for x in doc._.relations if x.prop == KG.acquires]
    assert len(r) == 1 and r[0].extractor == "event:acquisition"
    assert names(doc)[str(r[0].head)] == "華宇科技股份有限公司"


def test_planned_acquisition_is_not_an_acquires_relation(ev):
    doc = ev("华宇科技股份有限公司拟以12亿元收购星辰数据有限公司。")
    (a,) = frames(doc, "acquisition")
    assert a.attributes["status"] == "planned"
    r = rels(doc)
    assert ("华宇科技股份有限公司", "plansToAcquire", "星辰数据有限公司") in r
    assert ("华宇科技股份有限公司", "acquires", "星辰数据有限公司") not in r
    assert "status" not in frames(ev("华宇科技股份有限公司以12亿元收购星辰数据有限公司。"), "acquisition")[0].attributes


def test_suspended_listing(ev):
    (b,) = frames(ev("上海证券交易所决定暂缓华宇科技股份有限公司上市。"), "listing")
    assert b.attributes["status"] == "suspended"


def test_event_date_resolved_against_publication_date(ev):
    doc = ev("華宇科技股份有限公司去年3月以8億元收購星辰數據有限公司。")
    (a,) = frames(doc, "acquisition")
    assert a.date == "2023-03"
    assert a.amount.value == Decimal(800000000)
    doc = ev("華宇科技股份有限公司去年3月以8億元收購星辰數據有限公司。", published=dt.date(2020, 1, 1))
    assert frames(doc, "acquisition")[0].date == "2019-03"


def test_share_pledge_roles(ev):
    doc = ev("华宇科技股份有限公司控股股东星辰投资集团将其持有的1500万股公司股份质押给中信证券。")
    (p,) = frames(doc, "share_pledge")
    assert p.cls == KG.SharePledgeEvent
    assert role(doc, p, "pledger") == ["星辰投资集团"]
    assert role(doc, p, "pledgee") == ["中信证券"]
    assert role(doc, p, "company") == ["华宇科技股份有限公司"]
    assert p.shares == Decimal(15000000)
    assert "status" not in p.attributes  # 將 here marks the object, not the future


def test_pledge_release_is_not_a_pledge(ev):
    doc = ev("星辰投资集团将质押给中信证券的800万股华宇科技股份有限公司股份解除质押。")
    assert not frames(doc, "share_pledge")
    (r,) = frames(doc, "pledge_release")
    assert r.cls == KG.PledgeReleaseEvent and r.attributes["kind"] == "release"
    assert role(doc, r, "pledger") == ["星辰投资集团"]
    assert role(doc, r, "pledgee") == ["中信证券"]
    assert role(doc, r, "company") == ["华宇科技股份有限公司"]
    assert r.shares == Decimal(8000000)


def test_shareholding_decrease_holder_stock_shares_and_percentage(ev):
    doc = ev("星辰投资集团宣布减持所持华宇科技股份有限公司股份500万股，占总股本的1.2%。")
    (c,) = frames(doc, "shareholding_decrease")
    assert c.cls == KG.ShareholdingChangeEvent and c.attributes["kind"] == "decrease"
    assert role(doc, c, "holder") == ["星辰投资集团"]
    assert role(doc, c, "stock") == ["华宇科技股份有限公司"]
    assert c.shares == Decimal(5000000)
    assert c.share_of_total == Decimal("1.2")


def test_shareholding_increase(ev):
    doc = ev("星辰投资集团近日增持华宇科技股份有限公司股份300万股。")
    (c,) = frames(doc, "shareholding_increase")
    assert c.attributes["kind"] == "increase"
    assert role(doc, c, "holder") == ["星辰投资集团"]
    assert c.shares == Decimal(3000000)


def test_buyback(ev):
    doc = ev("华宇科技股份有限公司宣布以1.5亿元回购公司股份。")
    (b,) = frames(doc, "buyback")
    assert b.cls == KG.BuybackEvent
    assert role(doc, b, "company") == ["华宇科技股份有限公司"]
    assert b.amount.value == Decimal(150000000)


def test_reverse_repo_is_not_a_buyback(ev):
    assert not frames(ev("中国人民银行今日开展1000亿元逆回购操作。"), "buyback")


def test_bid_won_winner_tenderer_object_amount(ev):
    doc = ev("华宇科技股份有限公司中标中国银行核心系统升级项目，中标金额1.5亿元。")
    (b,) = frames(doc, "bid_won")  # 中標金額 opens no second frame
    assert role(doc, b, "winner") == ["华宇科技股份有限公司"]
    assert role(doc, b, "tenderer") == ["中国银行"]
    assert b.texts["object"].endswith("升级项目")
    assert b.amount.value == Decimal(150000000)


def test_financing_round_lead_investors_round_amount(ev):
    doc = ev("星河智能科技有限公司完成5亿元B轮融资，由红杉资本领投，腾讯跟投。")
    (f,) = frames(doc, "financing_round")
    assert f.cls == KG.FinancingEvent
    assert role(doc, f, "investee") == ["星河智能科技有限公司"]
    assert role(doc, f, "lead") == ["红杉资本"]
    assert role(doc, f, "investors") == ["红杉资本", "腾讯"]
    assert f.texts["round"] == "B轮"
    assert f.amount.value == Decimal(500000000)
    r = rels(doc)
    assert ("红杉资本", "investsIn", "星河智能科技有限公司") in r
    assert ("腾讯", "investsIn", "星河智能科技有限公司") in r


def test_financing_received_from_investor(ev):
    doc = ev("星河智能科技有限公司获得红杉资本5亿元A轮投资。")
    (f,) = frames(doc, "financing_round")
    assert role(doc, f, "investee") == ["星河智能科技有限公司"]
    assert role(doc, f, "investors") == ["红杉资本"]


def test_investment_without_a_round_is_not_a_financing_round(ev):
    assert not frames(ev("华宇科技股份有限公司表示将加大研发投资。"), "financing_round")


def test_appointment_asserts_position_with_title(ev):
    doc = ev("平安银行董事会聘任王建国为行长。")
    (e,) = frames(doc, "appointment")
    assert e.cls == KG.ExecutiveChangeEvent and e.attributes["kind"] == "appointed"
    assert role(doc, e, "person") == ["王建国"] and role(doc, e, "company") == ["平安银行"]
    assert e.texts["position"] == "行长"  # not 董事 of 董事会
    pos = [r for r in doc._.relations if r.prop == KG.holdsPosition]
    assert [(names(doc)[str(r.head)], r.role) for r in pos] == [("王建国", "行长")]


@pytest.mark.parametrize("text", [
    "招商银行董事长张明因个人原因辞去董事长职务。",
    "招商銀行行長張明遠因工作調動辭職。",
    "招商银行董事长张明已卸任。",
    "招商银行副行长张明因年龄原因离职。",
])
def test_resignation_is_an_executive_change_and_no_position(ev, text):
    doc = ev(text)
    (e,) = frames(doc, "resignation")
    assert e.cls == KG.ExecutiveChangeEvent and e.attributes["kind"] == "resigned"
    assert role(doc, e, "company") in (["招商银行"], ["招商銀行"])
    assert e.texts["position"] in ("董事长", "行長", "副行长")
    assert not [r for r in doc._.relations if r.prop == KG.holdsPosition]


def test_resignation_date(ev):
    doc = ev("2024年3月5日，招商银行董事长张明因个人原因辞去董事长职务。")
    (e,) = frames(doc, "resignation")
    assert e.date == "2024-03-05"


def test_regulator_interview(ev):
    doc = ev("中国人民银行约谈蚂蚁集团。")
    (r,) = frames(doc, "regulator_interview")
    assert r.cls == KG.RegulatoryActionEvent and r.attributes["kind"] == "interview"
    assert role(doc, r, "regulator") == ["中国人民银行"]
    assert role(doc, r, "company") == ["蚂蚁集团"]


def test_regulator_penalty_with_amount(ev):
    doc = ev("华宇科技股份有限公司被中国人民银行罚款300万元。")
    (r,) = frames(doc, "regulator_penalty")
    assert r.attributes["kind"] == "penalty"
    assert role(doc, r, "regulator") == ["中国人民银行"]
    assert role(doc, r, "company") == ["华宇科技股份有限公司"]
    assert r.amount.value == Decimal(3000000)
    assert ("中国人民银行", "regulates", "华宇科技股份有限公司") in rels(doc)


def test_regulator_licence(ev):
    doc = ev("华宇科技股份有限公司获得中国人民银行颁发的支付业务许可证。")
    (r,) = frames(doc, "regulator_licence")
    assert r.attributes["kind"] == "licence"
    assert role(doc, r, "regulator") == ["中国人民银行"]
    assert role(doc, r, "company") == ["华宇科技股份有限公司"]
    assert "许可证" in r.texts["licence"]


def test_bankruptcy(ev):
    doc = ev("星辰数据有限公司向法院申请破产清算。")
    (b,) = frames(doc, "bankruptcy")
    assert b.cls == KG.BankruptcyEvent
    assert role(doc, b, "company") == ["星辰数据有限公司"]


def test_listing_exchange_code_price(ev):
    doc = ev("华宇科技股份有限公司（688123.SH）今日在上海证券交易所挂牌上市，发行价为每股18.5元。")
    (b,) = frames(doc, "listing")
    assert b.cls == KG.ListingEvent
    assert role(doc, b, "exchange") == ["上海证券交易所"]
    assert b.role("company") is not None
    assert b.texts["code"] == "688123.SH"
    assert b.texts["price"] == "18.5"


def test_listed_company_is_not_a_listing(ev):
    assert not frames(ev("华宇科技股份有限公司是一家上市公司。"), "listing")


def test_reported_loss(ev):
    doc = ev("华宇科技股份有限公司去年净亏损3.2亿元。")
    (b,) = frames(doc, "loss")
    assert b.cls == KG.LossReportEvent
    assert role(doc, b, "company") == ["华宇科技股份有限公司"]
    assert b.amount.value == Decimal(320000000)
    assert b.date == "2023"


def test_turnaround_is_not_a_loss(ev):
    assert not frames(ev("华宇科技股份有限公司去年扭亏为盈。"), "loss")


def test_company_carried_from_the_sentence_before(ev):
    doc = ev("华宇科技股份有限公司今日发布公告。公司拟以不超过2亿元回购股份。公司董事长张明因个人原因辞去董事长职务。")
    (b,) = frames(doc, "buyback")
    assert role(doc, b, "company") == ["华宇科技股份有限公司"]
    assert b.amount.value == Decimal(200000000)
    (r,) = frames(doc, "resignation")
    assert role(doc, r, "company") == ["华宇科技股份有限公司"] and role(doc, r, "person") == ["张明"]
    direct = frames(ev("华宇科技股份有限公司拟以不超过2亿元回购股份。"), "buyback")[0]
    assert b.confidence < direct.confidence  # a carried participant is less sure


def test_financing_round_traditional(ev):
    doc = ev("星河智能科技有限公司完成3億元C輪融資，由紅杉資本領投。")
    (f,) = frames(doc, "financing_round")
    assert f.texts["round"] == "C輪"  # as written
    assert role(doc, f, "investee") == ["星河智能科技有限公司"]
    assert role(doc, f, "lead") == ["紅杉資本"]
    assert f.amount.value == Decimal(300000000)


def test_no_entities_no_events(ev):
    assert ev("市场普遍预期明年将有更多收购。")._.events == []


def test_every_event_has_evidence_fields(ev):
    text = "星河智能科技有限公司完成5亿元B轮融资，由红杉资本领投，腾讯跟投。"
    doc = ev(text)
    for e in doc._.events:
        assert 0 <= e.sent_start <= e.trigger_start < e.trigger_end <= e.sent_end <= len(text)
        assert text[e.trigger_start : e.trigger_end] == e.trigger
        assert 0 < e.confidence <= 1
        assert e.extractor == f"event:{e.type}"


# ------------------------------------------------------------------ RDF


def _graph(doc, text, key="doc-a"):
    from graph.ingest.reader import Document
    from graph.rdf.mapping import document_graph

    meta = Document(text=text, key=key)
    return document_graph(doc, meta), meta


def test_event_node_in_rdf(ev):
    text = "华宇科技股份有限公司宣布以12亿元收购星辰数据有限公司70%股权。"
    doc = ev(text)
    g, meta = _graph(doc, text)
    (e,) = list(g.subjects(RDF.type, KG.AcquisitionEvent))
    assert str(e).startswith(str(KGID) + "event-")
    assert (e, PROV.wasDerivedFrom, meta.iri) in g
    (a,) = frames(doc, "acquisition")
    assert (e, KG.acquirer, a.role("acquirer")) in g
    assert (e, KG.target, a.role("target")) in g
    assert (e, KG.amount, Literal(Decimal(1200000000), datatype=XSD.decimal)) in g
    assert (e, KG.amountUnit, Literal("CNY")) in g
    assert (e, KG.start, Literal(0)) in g and (e, KG.end, Literal(len(text))) in g
    assert str(g.value(e, KG.extractor)).endswith("/event:acquisition")
    assert {lit.language for lit in g.objects(e, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} == {
        "en", "zh-Hant", "zh-Hans"}
    assert (a.role("acquirer"), KG.acquires, a.role("target")) in g
    assert (e, KG.eventStatus, None) not in g
    assert (e, KG.amountMeasurement, None) in g and (g.value(e, KG.amountMeasurement), RDF.type, KG.Measurement) in g


def test_event_iris_are_deterministic(enlp):
    text = "华宇科技股份有限公司被中国人民银行罚款300万元。"

    def iris(key):
        doc = enlp(text)
        return [e.iri(key) for e in doc._.events]

    first = iris("doc-a")
    assert first and first == iris("doc-a")
    assert first != iris("doc-b")
    fresh = _pipeline()
    assert [e.iri("doc-a") for e in fresh(text)._.events] == first


# ------------------------------------------------------------------ store and named queries

TEXTS = [
    "华宇科技股份有限公司宣布以12亿元收购星辰数据有限公司70%股权。",
    "华宇科技股份有限公司控股股东星辰投资集团将其持有的1500万股公司股份质押给中信证券。\n"
    "星河智能科技有限公司完成5亿元B轮融资，由红杉资本领投，腾讯跟投。",
    "招商银行董事长张明因个人原因辞去董事长职务。平安银行董事会聘任王建国为行长。\n"
    "华宇科技股份有限公司被中国人民银行罚款300万元。",
    "星辰投资集团宣布减持所持华宇科技股份有限公司股份500万股，占总股本的1.2%。\n"
    "星河智能科技有限公司宣布以1.5亿元回购公司股份。\n"
    "星河智能科技有限公司中标中国银行核心系统升级项目，中标金额1.5亿元。\n"
    "星河智能科技有限公司今日在上海证券交易所挂牌上市，发行价为每股18.5元。\n"
    "星河智能科技有限公司去年净亏损3.2亿元。\n"
    "星辰数据有限公司向法院申请破产清算。",
]


@pytest.fixture(scope="module")
def event_store(tmp_path_factory):
    import graph.nlp.pipeline
    from graph import build

    saved = graph.nlp.pipeline.get_pipeline
    graph.nlp.pipeline.get_pipeline = lambda use_statistical=True: _EVENT_NLP.setdefault("nlp", _pipeline())
    try:
        kg = build(TEXTS, store=tmp_path_factory.mktemp("events") / "s", use_statistical=False)
    finally:
        graph.nlp.pipeline.get_pipeline = saved
    yield kg
    kg.close()


_EVENT_NLP: dict = {}


def _col(result, name):
    i = result.vars.index(name)
    return [None if r[i] is None else str(r[i]) for r in result.rows]


def test_named_queries_list_events(event_store):
    q = event_store.query("acquisitions")
    assert len(q) == 1
    assert _col(q, "acquirer") == ["Huayu Keji Co., Ltd."] and _col(q, "target") == ["Xingchen Shuju Co., Ltd."]
    assert _col(q, "amount") == ["1200000000"] and _col(q, "unit") == ["CNY"]
    assert len(event_store.query("pledges")) == 1
    assert _col(event_store.query("pledges"), "pledgee") == ["CITIC Securities"]
    f = event_store.query("financings")
    assert len(f) == 1 and _col(f, "round") == ["B轮"]
    assert "Sequoia" in _col(f, "lead")[0] and "Tencent" in _col(f, "investors")[0]
    x = event_store.query("executive-changes")
    assert sorted(_col(x, "kind")) == ["appointed", "resigned"]
    r = event_store.query("regulator-actions")
    assert _col(r, "kind") == ["penalty"] and _col(r, "regulator") == ["People's Bank of China"]
    c = event_store.query("shareholding-changes")
    assert _col(c, "kind") == ["decrease"] and _col(c, "shares") == ["5000000"] and _col(c, "shareOfTotal") == ["1.2"]
    assert _col(event_store.query("buybacks"), "amount") == ["150000000"]
    b = event_store.query("bids")
    assert _col(b, "tenderer") == ["Bank of China"] and _col(b, "amount") == ["150000000"]
    x = event_store.query("listings")
    assert _col(x, "exchange") == ["Shanghai Stock Exchange"] and _col(x, "price") == ["18.5"]
    assert _col(event_store.query("losses"), "amount") == ["320000000"]
    assert len(event_store.query("bankruptcies")) == 1
    assert len(event_store.query("events")) == 12


def test_store_holds_no_position_for_a_resignation(event_store):
    q = event_store.query(
        "SELECT ?p WHERE { ?p kg:holdsPosition ?o . ?p rdfs:label ?l FILTER(STR(?l) = '张明') }")
    assert len(q) == 0
    q = event_store.query(
        "SELECT ?p WHERE { ?p kg:holdsPosition ?o . ?p rdfs:label ?l FILTER(STR(?l) = '王建国') }")
    assert len(q) == 1


def test_event_store_validates(event_store):
    report = event_store.validate()
    assert report.conforms, report.violations[:5]


def test_event_shape_catches_a_broken_event(ev):
    from graph.rdf.validate import validate

    text = "华宇科技股份有限公司被中国人民银行罚款300万元。"
    g, _ = _graph(ev(text), text)
    assert validate(g).conforms
    (e,) = list(g.subjects(RDF.type, KG.RegulatoryActionEvent))
    g.add((e, KG.amount, Literal(Decimal(1), datatype=XSD.decimal)))
    report = validate(g)
    assert not report.conforms and any("kg:amount" in v.rule or "amount" in v.path for v in report.violations)
