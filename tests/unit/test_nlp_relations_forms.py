"""The registry of relation forms (graph/nlp/relations/forms): rules name a form, the handler is found by name."""

from __future__ import annotations

import pytest

from graph.nlp.relations.forms import FORMS, UnknownFormError, form_of, sentence_form, trigger_form
from graph.nlp.relations.rules import load_rules

RULES = """
rules:
  - {form: svo, triggers: [收购], properties: [acquires], confidence: 0.85}
  - {form: title, properties: [holdsPosition]}
  - {form: no_such_form, triggers: [甲乙], properties: [partnerOf]}
forms:
  svo: {passive_marks: [被]}
"""


@pytest.fixture()
def dummy_forms():
    names = ("test_dummy_trigger", "test_dummy_sentence")
    yield names
    for n in names:
        FORMS.pop(n, None)


def test_registered_handler_is_found_by_name(dummy_forms):
    @trigger_form(dummy_forms[0])
    def handler(s, rule, hit):
        """Reads nothing."""

    @sentence_form(dummy_forms[1])
    def per_sentence(s, rule):
        """Reads nothing either."""

    found = form_of({"form": dummy_forms[0], "triggers": ["甲"], "properties": ["partnerOf"]}, 0)
    assert found.handler is handler and found.triggered
    found = form_of({"form": dummy_forms[1], "properties": ["partnerOf"]}, 0)
    assert found.handler is per_sentence and not found.triggered


def test_builtin_forms_are_registered_by_name():
    from graph.nlp.relations.forms import clauses, people

    assert FORMS["svo"].handler is clauses.svo
    assert FORMS["title"].handler is people.title and not FORMS["title"].triggered


def test_unknown_form_names_the_rule(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    with pytest.raises(UnknownFormError) as err:
        load_rules("rules.yaml", tmp_path)
    message = str(err.value)
    assert "rules.yaml" in message and "rule 3" in message and "'no_such_form'" in message
    assert "甲乙" in message and "partnerOf" in message
    assert "svo" in message  # the known forms are listed


def test_form_used_the_wrong_way_is_an_error():
    with pytest.raises(UnknownFormError, match="no triggers"):
        form_of({"form": "svo", "properties": ["acquires"]}, 0)
    with pytest.raises(UnknownFormError, match="once per sentence"):
        form_of({"form": "title", "triggers": ["董事长"], "properties": ["holdsPosition"]}, 1)
    with pytest.raises(UnknownFormError, match="no properties"):
        form_of({"form": "svo", "triggers": ["收购"]}, 2)


def test_a_form_cannot_be_registered_twice(dummy_forms):
    @trigger_form(dummy_forms[0])
    def first(s, rule, hit):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        @trigger_form(dummy_forms[0])
        def second(s, rule, hit):
            pass


def test_rules_get_their_form_defaults(tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES.replace("  - {form: no_such_form, triggers: [甲乙], properties: [partnerOf]}\n", ""),
                                         encoding="utf-8")
    svo, title = load_rules("rules.yaml", tmp_path)
    assert svo["passive_marks"] == ["被"] and svo["triggers"] == ["收购"]
    assert "passive_marks" not in title


def test_every_shipped_rule_resolves_and_every_form_is_used():
    rules = load_rules("relations.yaml")
    used = {r["form"] for r in rules}
    assert used == {name for name in FORMS if not name.startswith("test_")}


def test_markers_keep_full_width_punctuation(tmp_path):
    from graph.nlp.markers import load_markers

    (tmp_path / "m.yaml").write_text('marks: {stops: ["，", ","], words: [對於]}\n', encoding="utf-8")
    marks = load_markers("m.yaml", "marks", tmp_path)
    assert marks["stops"] == ["，", ","]  # not folded to two half-width commas
    assert marks["words"] == ["对于"]  # in Simplified script
