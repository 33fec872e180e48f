"""How the entity recogniser merges the trained model's layer with the rule and KB layers."""

from __future__ import annotations

import pytest

from graph.nlp.entities import Candidate


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


def test_rule_person_loses_to_a_confident_model_name(recogniser):
    model = Candidate(0, 2, "Person", "model:ner", 40, None, 0.95)
    assert recogniser._overridden(Candidate(0, 3, "Person", "pattern:speaker", 70, None, 0.7), model)


def test_rule_organisation_inside_or_moving_the_start_loses(recogniser):
    model = Candidate(2, 6, "Bank", "model:ner", 40, None, 0.95)
    assert recogniser._overridden(Candidate(3, 6, "Bank", "pattern:org:银行", 60, None, 0.75), model)
    assert recogniser._overridden(Candidate(0, 6, "Bank", "pattern:org:银行", 60, None, 0.75), model)


def test_rule_organisation_extending_the_end_wins(recogniser):
    model = Candidate(0, 6, "SecuritiesFirm", "model:ner", 40, None, 0.95)
    assert not recogniser._overridden(Candidate(0, 10, "SecuritiesFirm", "pattern:org:证券", 60, None, 0.75), model)


def test_knowledge_base_and_titles_are_never_overridden(recogniser):
    model = Candidate(0, 4, "Company", "model:ner", 40, None, 0.99)
    kb = Candidate(0, 2, "City", "kb:label", 100, object(), 0.98)  # type: ignore[arg-type]
    assert not recogniser._overridden(kb, model)
    assert not recogniser._overridden(Candidate(0, 8, "Report", "pattern:title", 120, None, 0.9), model)


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
