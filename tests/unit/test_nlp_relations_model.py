"""The trained relation layer over the rules: which pairs it classifies, and how strictly."""

from __future__ import annotations

import pytest

from graph.nlp.relations.classifier import label_map
from graph.nlp.relations.model import RelationModel
from graph.vocab import KG

TEXT = "南京銀行與中國銀行簽署戰略合作協議。"


class _Stub:
    """A classifier that gives every pair one label at one probability."""

    def __init__(self, label: str, prob: float, labels: list[str]) -> None:
        self.label, self.prob, self.finre_labels = label, prob, labels
        self.calls = 0

    def predict_batch(self, items, k=1, allowed=None):  # noqa: ARG002
        self.calls += len(items)
        return [[(self.label, self.prob)] for _ in items]


@pytest.fixture(scope="module")
def layer():
    return RelationModel("relations.yaml")


def _run(nlp, layer, label, prob):
    doc = nlp(TEXT)  # the rules-only pipeline: the trigger rules have run
    before = list(doc._.relations)
    saved = layer.clf
    layer.clf = _Stub(label, prob, list(saved.finre_labels))
    try:
        doc = layer(doc)
    finally:
        stub, layer.clf = layer.clf, saved
    return before, doc._.relations, stub.calls


def test_a_pair_a_rule_related_gets_a_second_relation_only_above_the_stricter_gate(nlp, layer):
    assert layer.gate < layer.gate_ruled <= 1
    before, after, calls = _run(nlp, layer, "持股", (layer.gate + layer.gate_ruled) / 2)
    assert before and calls == 1  # the rule-related pair was classified
    assert after == before  # above the ordinary gate, below the stricter one
    before, after, _ = _run(nlp, layer, "持股", 0.99)
    added = [r for r in after if r not in before]
    assert [(r.prop, r.extractor) for r in added] == [(KG.shareholderOf, "model:relclf")]


def test_the_classifier_does_not_repeat_what_a_rule_said(nlp, layer):
    before, _, _ = _run(nlp, layer, "持股", 0.99)
    assert {r.prop for r in before} >= {KG.partnerOf}
    label = next(lab for lab, row in label_map().items() if row.get("property") == "kg:partnerOf" and not row.get("inverse"))
    _, after, _ = _run(nlp, layer, label, 0.99)
    assert len([r for r in after if r.prop == KG.partnerOf]) == len([r for r in before if r.prop == KG.partnerOf])
