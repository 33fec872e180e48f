"""The NER training data: each sentence's tags, unannotated characters and convention."""

from __future__ import annotations

import spacy

from graph.eval.corpora import Sentence
from graph.nlp.ner.charfeatures import DOMAIN_KEY
from training.ner.__main__ import to_doc


def test_gold_sentence_is_tagged_under_its_corpus():
    nlp = spacy.blank("zh")
    doc = to_doc(nlp, Sentence("李娜在北京", [(0, 2, "PER"), (3, 5, "LOC")], "msra"))
    assert [t.tag_ for t in doc] == ["B-PER", "E-PER", "O", "B-LOC", "E-LOC"]
    assert doc.user_data[DOMAIN_KEY] == "msra"


def test_silver_sentence_leaves_the_rest_unannotated_under_the_news_convention():
    nlp = spacy.blank("zh")
    doc = to_doc(nlp, Sentence("万科收购了乙", [(0, 2, "ORG")], "finre", complete=False))
    assert [t.tag_ for t in doc] == ["B-ORG", "E-ORG", "", "", "", ""]
    assert doc.user_data[DOMAIN_KEY] == "cluener"
