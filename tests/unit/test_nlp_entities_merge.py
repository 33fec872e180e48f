"""How the entity recogniser merges the trained model's layer with the rule and KB layers."""

from __future__ import annotations

import pytest

from graph.nlp.entities import Candidate
from graph.nlp.entities.merge import overridden, unsupported_person


@pytest.fixture(scope="module")
def recogniser(nlp):
    return nlp.get_pipe("cnfinkg_entities")


def _run_with_model_spans(nlp, text, spans):
    """Run the rules-only pipeline, with a hand-made model layer in place of the trained model."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == "cnfinkg_entities":
            from graph.nlp.tokens import split_at

            split_at(doc, [x for s, e, _, _ in spans for x in (s, e)])
            layer = []
            for s, e, label, conf in spans:
                span = doc.char_span(s, e, label=label)
                span._.model_confidence = conf
                layer.append(span)
            doc.spans["ner_model"] = layer
        doc = proc(doc)
    return doc


def test_rule_person_loses_to_a_confident_model_name():
    model = Candidate(0, 2, "Person", "model:ner", 40, None, 0.95)
    assert overridden(Candidate(0, 3, "Person", "pattern:speaker", 70, None, 0.7), model)


def test_a_pattern_person_needs_a_model_person_over_it_when_the_model_ran():
    rule = Candidate(3, 6, "Person", "pattern:speaker", 70, None, 0.7)
    assert unsupported_person(rule, [])
    assert unsupported_person(rule, [(0, 3), (6, 8)])  # people elsewhere do not count
    assert not unsupported_person(rule, [(4, 6)])
    assert not unsupported_person(rule, None)  # the model did not run: the patterns stand alone
    known = Candidate(3, 6, "Person", "kb:label", 100, object(), 0.98)  # type: ignore[arg-type]
    assert not unsupported_person(known, [])
    assert not unsupported_person(Candidate(3, 6, "Company", "pattern:org:银行", 60, None, 0.75), [])


def test_a_title_the_model_reads_is_not_taken_for_a_speaker(nlp):
    text = "辦公室王主任向記者透露，會議已經結束。"
    speaker = [(e.text, e._.source) for e in _run_with_model_spans(nlp, text, [(3, 5, "TITLE", 0.9)]).ents]
    assert not any(t == "向記者" for t, _ in speaker)
    rules_alone = nlp(text)  # the conftest pipeline has no model: the speaker pattern stands
    assert "ner_model" not in rules_alone.spans


def test_an_organisation_of_common_words_is_kept_in_a_sentence_about_shares(nlp):
    gates = nlp.get_pipe("cnfinkg_entities").rules.gates
    assert gates.market < gates.common_ok
    conf = (gates.market + gates.common_ok) / 2
    about_shares = _run_with_model_spans(nlp, "未來電氣發布公告，股價上漲。", [(0, 4, "ORG", conf)])
    elsewhere = _run_with_model_spans(nlp, "未來電氣的產品很好用。", [(0, 4, "ORG", conf)])
    assert [e.text for e in about_shares.ents] == ["未來電氣"]
    assert list(elsewhere.ents) == []


def test_rule_organisation_inside_or_moving_the_start_loses():
    model = Candidate(2, 6, "Bank", "model:ner", 40, None, 0.95)
    assert overridden(Candidate(3, 6, "Bank", "pattern:org:银行", 60, None, 0.75), model)
    assert overridden(Candidate(0, 6, "Bank", "pattern:org:银行", 60, None, 0.75), model)


def test_rule_organisation_extending_the_end_wins():
    model = Candidate(0, 6, "SecuritiesFirm", "model:ner", 40, None, 0.95)
    assert not overridden(Candidate(0, 10, "SecuritiesFirm", "pattern:org:证券", 60, None, 0.75), model)


def test_knowledge_base_and_titles_are_never_overridden():
    model = Candidate(0, 4, "Company", "model:ner", 40, None, 0.99)
    kb = Candidate(0, 2, "City", "kb:label", 100, object(), 0.98)  # type: ignore[arg-type]
    assert not overridden(kb, model)
    assert not overridden(Candidate(0, 8, "Report", "pattern:title", 120, None, 0.9), model)


def test_longer_model_organisation_beats_the_place_at_its_start(nlp):
    text = "印度外交部發言人表示。"
    doc = _run_with_model_spans(nlp, text, [(0, 5, "ORG", 0.97)])
    assert [(e.text, e.label_) for e in doc.ents][:1] == [("印度外交部", "GovernmentAgency")]


def test_descriptor_at_the_start_of_a_model_span_is_cut(nlp):
    text = "其股東廣東粵電集團有限公司表示。"
    doc = _run_with_model_spans(nlp, text, [(1, 13, "ORG", 0.9)])
    assert "廣東粵電集團有限公司" in {e.text for e in doc.ents}
    assert not any(e.text.startswith("股東") for e in doc.ents)


def test_low_confidence_and_common_word_spans_are_dropped(nlp, recogniser):
    doc = _run_with_model_spans(nlp, "監管部門與甲乙丙丁合作。", [(0, 4, "ORG", 0.99), (5, 9, "ORG", recogniser.model_min / 2)])
    assert not {"監管部門", "甲乙丙丁"} & {e.text for e in doc.ents}


# ---------------------------------------------------------------- the merge on hand-made candidates

def _merge(nlp, text, cands_by_layer):
    """Write hand-made candidates as the layers would, then run the registered merge on them."""
    from spacy.util import registry

    from graph.nlp.entities.candidates import read_group, write_group
    from graph.nlp.entities.text import DocText

    recogniser = nlp.get_pipe("cnfinkg_entities")
    view = DocText.of(nlp.make_doc(text))
    for key, cands in cands_by_layer.items():
        write_group(view, key, cands)
    cands = [c for key in cands_by_layer for c in read_group(view.doc, key, recogniser.kb)]
    merge = registry.misc.get("cnfinkg.entity_merge.v1")()
    ents, aliases = merge(view, cands, recogniser.merge_rules)
    return [(e.text, e.label_, e._.source) for e in ents], aliases


def test_candidates_keep_their_exact_characters_through_the_span_group(nlp):
    from graph.nlp.entities.candidates import read_group, write_group
    from graph.nlp.entities.text import DocText

    doc = nlp.make_doc("甲乙丙丁戊己有限公司成立。")
    inside = Candidate(1, 3, "Person", "pattern:speaker", 70, None, 0.7)  # cuts through a token
    same_chars = Candidate(1, 3, "Person", "pattern:title-name", 80, None, 0.85)
    assert doc.char_span(1, 3) is None  # the token is 甲乙丙丁
    write_group(DocText.of(doc), "test_layer", [inside, same_chars])
    group = doc.spans["test_layer"]
    assert [s.id_ for s in group] == ["pattern:speaker", "pattern:title-name"]
    assert all(s.start_char <= 1 and s.end_char >= 3 for s in group)  # the spans cover whole tokens
    assert read_group(doc, "test_layer", None) == [inside, same_chars]


def test_longer_candidate_wins_and_ties_go_to_the_higher_rank(nlp):
    ents, _ = _merge(nlp, "星河易达科技有限公司发布新品。", {
        "pattern_names": [Candidate(0, 4, "Company", "pattern:org:科技", 60, None, 0.75),
                          Candidate(0, 10, "Company", "pattern:org:有限公司", 60, None, 0.75)],
        "model_names": [Candidate(0, 10, "Company", "model:ner", 40, None, 0.5)],
    })
    assert ents == [("星河易达科技有限公司", "Company", "pattern:org:有限公司")]


def test_confident_model_name_overrides_a_rule_reading_inside_it(nlp):
    ents, _ = _merge(nlp, "甲乙丙银行发布年报。", {
        "pattern_names": [Candidate(1, 5, "Bank", "pattern:org:银行", 60, None, 0.75)],
        "model_names": [Candidate(0, 5, "Bank", "model:ner", 40, None, 0.95)],
    })
    assert ents == [("甲乙丙银行", "Bank", "model:ner")]


def test_a_person_found_once_is_found_at_every_mention(nlp):
    ents, _ = _merge(nlp, "董事长张明远表示，张明远将出席。", {
        "pattern_names": [Candidate(3, 6, "Person", "pattern:title-name", 80, None, 0.85)],
    })
    # the second choice ranks every mention alike, the first one included
    assert ents == [("张明远", "Person", "propagated:person")] * 2


def test_an_alias_the_text_defines_names_the_same_entity(nlp):
    text = "星河易达金融科技有限公司（以下简称“星河金科”）今日成立。星河金科将服务银行。"
    ents, aliases = _merge(nlp, text, {"pattern_names": [Candidate(0, 12, "FintechCompany", "pattern:org:有限公司", 60, None, 0.75)]})
    assert aliases == {"星河金科": "星河易达金融科技有限公司"}
    assert [t for t, _, s in ents if s == "alias:defined"] == ["星河金科", "星河金科"]


@pytest.mark.parametrize("text", [
    "星河易达金融科技有限公司(下简称星河金科)今日成立。星河金科将服务银行。",
    "星河易达金融科技有限公司（下称“星河金科”，下同）今日成立。星河金科将服务银行。",
])
def test_alias_markers_without_quotes_or_with_a_remark_after_them(nlp, text):
    ents, aliases = _merge(nlp, text, {"pattern_names": [Candidate(0, 12, "FintechCompany", "pattern:org:有限公司", 60, None, 0.75)]})
    assert aliases == {"星河金科": "星河易达金融科技有限公司"}
    assert [t for t, _, s in ents if s == "alias:defined"] == ["星河金科", "星河金科"]


def test_a_short_name_given_first_with_its_full_name_in_the_bracket(nlp):
    text = "星河金科（星河易达金融科技有限公司，以下简称“星河金科”）今日成立。"
    ents, aliases = _merge(nlp, text, {"pattern_names": [Candidate(5, 17, "FintechCompany", "pattern:org:有限公司", 60, None, 0.75)]})
    assert aliases == {"星河金科": "星河易达金融科技有限公司"}
    assert [t for t, _, s in ents if s == "alias:defined"] == ["星河金科", "星河金科"]


def test_a_custom_merge_is_taken_from_the_config():
    import spacy
    from spacy.util import registry

    @registry.misc("test.entities_none.v1")
    def _none():
        return lambda view, cands, rules: ([], {})

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "cnfinkg.ScriptNormalizingTokenizer.v1"}}})
    nlp.add_pipe("cnfinkg_entities", config={"use_kb": False, "merge": {"@misc": "test.entities_none.v1"}})
    doc = nlp("星河證券董事長張明遠表示。")
    assert list(doc.ents) == []
    assert {s.text for s in doc.spans["pattern_names"]} >= {"星河證券", "張明遠"}


def test_rule_organisation_adding_only_a_verb_like_ending_loses():
    model = Candidate(0, 4, "Company", "model:ner", 40, None, 0.95)
    rule = Candidate(0, 6, "InvestmentFirm", "pattern:org:投资", 60, None, 0.75)
    assert overridden(rule, model, frozenset({"投资"}))
    assert not overridden(rule, model)  # without the ending marked verb-like it extends the name


def test_organisation_followed_by_invest_keeps_its_name_and_the_verb_stays_a_verb(nlp):
    doc = _run_with_model_spans(nlp, "由林達集團投資開發的海漁廣場開業。", [(1, 5, "ORG", 0.95)])
    assert [e.text for e in doc.ents][:1] == ["林達集團"]


def test_two_names_run_together_are_two_people(nlp):
    doc = _run_with_model_spans(nlp, "本報訊（記者李蕾張羽飛）有媒體報道。", [(6, 11, "PER", 0.9)])
    assert [e.text for e in doc.ents if e.label_ == "Person"] == ["李蕾", "張羽飛"]


def test_a_transliterated_name_is_one_person(nlp):
    doc = _run_with_model_spans(nlp, "俄羅斯總統梅德韋傑夫表示支持。", [(5, 10, "PER", 0.9)])
    assert "梅德韋傑夫" in [e.text for e in doc.ents if e.label_ == "Person"]


def test_a_model_name_with_a_place_in_brackets_is_kept_and_typed_by_its_inner_ending(nlp):
    text = "昨日，渣打銀行（香港）有限公司作出公告。"
    doc = _run_with_model_spans(nlp, text, [(3, 15, "ORG", 0.97)])
    assert [(e.text, e.label_) for e in doc.ents][:1] == [("渣打銀行（香港）有限公司", "Bank")]
