from graph.vocab import KG


def rels(doc):
    names = {e.kb_id_: e.text for e in doc.ents}
    return {(names.get(str(r.head)), r.prop.rsplit("#", 1)[-1], names.get(str(r.tail))) for r in doc._.relations}


def test_partnership_distributes_over_enumeration(run):
    r = rels(run("去年騰訊、京東與招商銀行達成合作。"))
    assert ("騰訊", "partnerOf", "招商銀行") in r
    assert ("京東", "partnerOf", "招商銀行") in r


def test_title_gives_holds_position_with_role(run):
    doc = run("招商銀行副行長張明遠表示,將擴大投入。")
    r = [x for x in doc._.relations if x.prop == KG.holdsPosition]
    assert r and r[0].role == "副行長"


def test_subsidiary_forms(run):
    assert ("星河金融科技有限公司", "subsidiaryOf", "中國銀行") in rels(run("中國銀行全資子公司星河金融科技有限公司在上海成立。"))
    assert ("星河金融科技有限公司", "subsidiaryOf", "招商銀行") in rels(run("星河金融科技有限公司是招商銀行的子公司。"))


def test_domain_and_range_pick_the_property(run):
    assert ("中國人民銀行", "issued", "《金融科技發展規劃》") in rels(run("中國人民銀行發布了《金融科技發展規劃》。"))
    r = rels(run("騰訊推出了分散式資料庫TiStore。"))
    assert ("騰訊", "launched", "TiStore") in r


def test_cooccurrence_is_not_a_relation(run):
    assert not run("招商銀行和騰訊的股價昨天都上漲。")._.relations or all(
        x.prop != KG.partnerOf for x in run("招商銀行和騰訊的股價昨天都上漲。")._.relations
    )


def test_every_relation_has_evidence_and_confidence(run):
    text = "去年騰訊與招商銀行達成合作。"
    doc = run(text)
    assert doc._.relations
    for r in doc._.relations:
        assert 0 < r.confidence <= 1
        assert text[r.sent_start : r.sent_end].strip().startswith("去年")


def test_appointment_gives_position_with_title(run):
    doc = run("招商銀行董事會同意聘任王良為該行行長。")
    r = [x for x in doc._.relations if x.prop == KG.holdsPosition]
    assert r and r[0].role == "行長"


def test_founding_in_the_passive_and_headquarters(run):
    assert ("騰訊", "ledFoundingOf", "微眾銀行") in rels(run("據悉，微眾銀行由騰訊牽頭發起成立。"))
    assert ("微眾銀行", "locatedIn", "深圳") in rels(run("微眾銀行註冊資本30億元，總部位於深圳。"))


def test_empty_text_runs_through_a_fresh_pipeline():
    from graph.ingest.reader import Document
    from graph.nlp.pipeline import create_pipeline
    from graph.rdf.mapping import document_graph

    nlp = create_pipeline(False)  # a fresh relation extractor: no earlier document's state to lean on
    doc = nlp.make_doc("")
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert doc._.relations == []
    assert len(document_graph(doc, Document(text="", key="empty"))) > 0


def test_build_summary_counts_distinct_relations_not_evidence():
    from graph import KnowledgeGraph
    from graph.ingest.reader import Document

    text = "中國工商銀行與招商銀行達成合作。\n中國工商銀行與招商銀行達成合作。\n"
    with KnowledgeGraph.open(None) as kg:
        report = kg.add([Document(text=text, key="twice"), Document(text="", key="empty")], use_statistical=False)
        stats = kg.stats()
    assert report.documents == 2
    assert report.evidence == 2 == stats["evidence"]  # one record per sentence
    assert report.relations == 1 == stats["relations"]  # one relation triple
    assert report.as_dict()["relations"] == 1


def test_resignation_never_asserts_a_current_position(run):
    # Item 3 of issue 11: 卸任 / 辭去 / 離職 / 辭職 / 不再擔任 end a position.
    for text in (
        "招商銀行董事長張明因個人原因辭去董事長職務。",
        "招商銀行副行長張明遠因工作調動辭職。",
        "張明遠卸任星河金融科技有限公司董事長。",
        "招商银行董事长张明已卸任。",
        "招商银行副行长张明因年龄原因离职。",
        "招商银行副行长张明不再担任副行长。",
    ):
        doc = run(text)
        assert not [r for r in doc._.relations if r.prop == KG.holdsPosition], text
    # the person who takes over still holds it
    doc = run("平安银行董事会聘任王建国为行长。")
    assert [r.role for r in doc._.relations if r.prop == KG.holdsPosition] == ["行长"]


def test_relation_docs_are_generated_from_the_rules():
    from pathlib import Path

    from graph.nlp.relations.docs import render

    checked_in = (Path(__file__).resolve().parents[2] / "docs" / "relations.md").read_text(encoding="utf-8")
    assert checked_in == render(), "docs/relations.md is stale: run python -m graph.nlp.relations.docs -o docs/relations.md"


def test_ontology_keeps_no_trigger_words():
    """relations.yaml is the one list of trigger words: the ontology no longer repeats them on properties."""
    from graph.rdf.ontology import load_ontology
    from graph.vocab import KG

    onto = load_ontology()
    assert not list(onto.graph.subjects(KG.trigger, None))


def test_a_stake_in_a_company_is_held_by_the_name_before_suo_chi(run):
    """'甲所持乙 30% 股權' is a stake in 乙 held by 甲, never 乙 holding shares of the sentence's first company."""
    r = rels(run("中國平安以10億元收購招商銀行所持星河金融科技有限公司30%的股權。"))
    assert ("招商銀行", "shareholderOf", "星河金融科技有限公司") in r
    assert ("星河金融科技有限公司", "shareholderOf", "中國平安") not in r
    bare = rels(run("中國平安以10億元收購星河金融科技有限公司30%的股權。"))
    assert ("星河金融科技有限公司", "shareholderOf", "中國平安") not in bare


def test_shareholders_listed_with_their_figures_still_hold_the_first_company(run):
    r = rels(run("星河金融科技有限公司的股東中，招商銀行持股30%，騰訊持股20%。"))
    assert ("招商銀行", "shareholderOf", "星河金融科技有限公司") in r
    assert ("騰訊", "shareholderOf", "星河金融科技有限公司") in r


def test_a_trigger_that_starts_a_noun_is_not_a_verb(run):
    """控股股東 / 控股子公司: 控股 is not the verb 'holds a controlling stake in' there."""
    r = rels(run("招商銀行控股股東中國平安昨日發布公告。"))
    assert ("招商銀行", "shareholderOf", "中國平安") not in r


def test_transferring_a_stake_in_a_company_reduces_the_stake_in_it(run):
    """轉讓乙公司30%股權: 乙 is the company whose shares move, not the one they move to."""
    r = rels(run("招商銀行擬轉讓星河金融科技有限公司30%的股權。"))
    assert ("招商銀行", "reducesStakeIn", "星河金融科技有限公司") in r
    assert ("招商銀行", "transfersStakeTo", "星河金融科技有限公司") not in r
    assert ("招商銀行", "transfersStakeTo", "騰訊") in rels(run("招商銀行將所持股份轉讓給騰訊。"))


def test_a_quoted_trigger_is_a_rating_not_a_trade(run):
    """給予乙“增持”評級 / 評級由“減持”上調: an analyst's rating; nobody bought or sold shares."""
    for text in ("中信證券給予招商銀行“增持”評級。", "騰訊的評級被中信證券由「減持」上調至中性。"):
        doc = run(text)
        assert not [r for r in doc._.relations if r.prop in (KG.increasesStakeIn, KG.reducesStakeIn)], text
        assert not [e for e in doc._.events or [] if e.type.startswith("shareholding")], text


def test_buying_a_companys_business_buys_its_assets(run):
    """收購乙公司的部分業務: the assets of 乙 change hands, not 乙 itself."""
    r = rels(run("招商銀行宣布收購星河金融科技有限公司的支付業務。"))
    assert ("招商銀行", "buysAssetsOf", "星河金融科技有限公司") in r
    assert ("招商銀行", "acquires", "星河金融科技有限公司") not in r  # nor from the acquisition event
    assert ("招商銀行", "acquires", "星河金融科技有限公司") in rels(run("招商銀行宣布收購星河金融科技有限公司。"))
