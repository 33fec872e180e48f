from graph.nlp.linking import english_name, mint_iri
from graph.vocab import KG


def test_abbreviation_defined_in_text_merges(run):
    doc = run("星河易達金融科技有限公司(以下簡稱「星河金科」)今日成立。星河金科將服務銀行。")
    iris = {e.kb_id_ for e in doc.ents if "星河" in e.text}
    assert len(iris) == 1


def test_kb_abbreviation_and_short_form_link_to_full_name(run):
    doc = run("中國工商銀行發布年報。工行表示,將加大投入。")
    iris = {e.kb_id_ for e in doc.ents if e.text in ("中國工商銀行", "工行")}
    assert len(iris) == 1


def test_same_unknown_entity_same_iri_in_both_scripts():
    assert mint_iri("星河易達金融信息服務有限公司") == mint_iri("星河易达金融信息服务有限公司")


def test_pinyin_english_label_for_unknown_names():
    assert english_name("融聯易雲", KG.Company, {}) == "Ronglian Yiyun"
    assert english_name("張明遠", KG.Person, {}) == "Zhang Mingyuan"


def test_labels_in_three_languages(run):
    doc = run("星河證券宣布上線新平台。")
    rec = next(r for r in doc._.entities.values() if r.type == KG.SecuritiesFirm)
    assert {"en", "zh-Hant", "zh-Hans"} <= set(rec.labels)
