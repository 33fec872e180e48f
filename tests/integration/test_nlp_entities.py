def ents(doc):
    return {(e.text, e.label_) for e in doc.ents}


def test_knowledge_base_names_in_both_scripts(run):
    for text in ("招商銀行與騰訊達成合作。", "招商银行与腾讯达成合作。"):
        labels = {e.label_ for e in run(text).ents}
        assert "Bank" in labels and "TechnologyCompany" in labels


def test_unknown_organisation_by_suffix_with_start_from_segmentation(run):
    doc = run("去年成立的星河易達金融信息服務(上海)有限公司宣布上線新平台。")
    names = [e.text for e in doc.ents]
    assert "星河易達金融信息服務(上海)有限公司" in names


def test_generic_words_are_never_entities(run):
    doc = run("銀行和金融機構都在上雲,科技公司提供雲平台,私有雲和公有雲並存。")
    assert not [e.text for e in doc.ents if e.text in ("銀行", "金融機構", "雲", "平台", "科技公司", "私有雲", "公有雲")]


def test_person_next_to_title_in_either_order(run):
    doc = run("星河證券董事長張明遠表示,公司將擴大業務。")
    assert ("張明遠", "Person") in ents(doc)
    doc = run("據王立新博士介紹,項目已經上線。")
    assert ("王立新", "Person") in ents(doc)


def test_titles_in_book_brackets(run):
    doc = run("央行發布了《2019年金融科技發展規劃》。")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("《2019年金融科技發展規劃》") == "PolicyDocument"


def test_latin_names_typed_by_context(run):
    doc = run("該行採用了分散式資料庫TiStore和中間件ZMesh。")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("TiStore") == "Database"
    assert labels.get("ZMesh") == "Middleware"


def test_event_by_suffix(run):
    doc = run("6月5日,第三屆數字普惠金融峰會在成都召開。")
    assert any(e.label_ == "Conference" and e.text.endswith("峰會") for e in doc.ents)


def test_offsets_point_into_original_text(run):
    text = "  星河證券與招商銀行簽約。"
    doc = run(text)
    for e in doc.ents:
        assert text[e.start_char : e.end_char] == e.text


def test_each_layer_writes_its_candidates_to_a_span_group(run):
    doc = run("招商銀行與星河證券合作,董事長張明遠表示。")
    assert ("招商銀行", True) in {(s.text, bool(s.kb_id_)) for s in doc.spans["kb_names"]}
    patterns = doc.spans["pattern_names"]
    assert {"星河證券", "張明遠"} <= {s.text for s in patterns}
    assert all(s.id_.startswith("pattern:") for s in patterns)  # the rule that proposed it
    assert list(doc.spans["model_names"]) == []  # the rules-only pipeline runs no model
    assert {e.text for e in doc.ents} >= {"招商銀行", "星河證券", "張明遠"}


def test_the_big_four_banks_is_a_description_not_a_name(run):
    doc = run("客戶把房貸從四大銀行轉到了其他機構，各大銀行紛紛回應。")
    assert not [e.text for e in doc.ents if e.text.endswith("銀行")]
