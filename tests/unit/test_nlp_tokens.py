"""Token splitting at model boundaries keeps the text and the tags."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from graph.nlp.tokens import split_at


def _doc() -> Doc:
    nlp = spacy.blank("zh")
    doc = Doc(nlp.vocab, words=["加拉塔萨雷上", "赛季", "夺冠"], spaces=[False, False, False])
    for tok, tag in zip(doc, ["nr", "n", "v"], strict=True):
        tok.tag_ = tag
    return doc


def test_split_inside_a_word():
    doc = _doc()
    assert split_at(doc, [5]) == 1
    assert [t.text for t in doc] == ["加拉塔萨雷", "上", "赛季", "夺冠"]
    assert doc.text == "加拉塔萨雷上赛季夺冠"
    assert [t.tag_ for t in doc][:2] == ["nr", "nr"]
    assert doc.char_span(0, 5) is not None


def test_boundaries_and_out_of_range_offsets_change_nothing():
    doc = _doc()
    assert split_at(doc, [0, 6, 8, 10, 99, -1]) == 0
    assert len(doc) == 3


def test_several_cuts_in_one_word():
    doc = _doc()
    split_at(doc, [1, 3])
    assert [t.text for t in doc][:3] == ["加", "拉塔", "萨雷上"]
