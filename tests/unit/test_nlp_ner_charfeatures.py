"""The tagger's features: the domain column reaches the network and its training docs."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import DocBin

from graph.nlp.ner import charfeatures
from graph.nlp.ner.charfeatures import DOMAIN_KEY, N_FEATURES, doc_features


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("zh")


def test_features_without_domain_have_the_v1_width(nlp):
    rows = doc_features(nlp.make_doc("万科公告称"))
    assert len(rows) == 5 and all(len(r) == N_FEATURES for r in rows)


def test_domain_is_one_column_the_same_on_every_character(nlp):
    doc = nlp.make_doc("万科公告称")
    doc.user_data[DOMAIN_KEY] = "msra"
    rows = doc_features(doc, with_domain=True)
    assert all(len(r) == N_FEATURES + 1 for r in rows)
    assert len({r[-1] for r in rows}) == 1
    assert [r[:-1] for r in rows] == doc_features(doc)


def test_domains_differ_and_default_is_the_news_convention(nlp):
    plain = nlp.make_doc("万科")
    tagged = {}
    for dom in charfeatures.DOMAINS:
        doc = nlp.make_doc("万科")
        doc.user_data[DOMAIN_KEY] = dom
        tagged[dom] = doc_features(doc, with_domain=True)[0][-1]
    assert len(set(tagged.values())) == len(charfeatures.DOMAINS)
    assert doc_features(plain, with_domain=True)[0][-1] == tagged[charfeatures.DEFAULT_DOMAIN]


def test_v2_embedding_wants_a_size_for_the_domain_table():
    with pytest.raises(ValueError, match="6 sizes"):
        charfeatures.chinese_char_embed_v2(width=32, rows=[10, 10, 10, 10, 10])
    model = charfeatures.chinese_char_embed_v2(width=32, rows=[10, 10, 10, 10, 10, 4])
    model.initialize()
    doc = spacy.blank("zh").make_doc("甲乙")
    (out,) = model.predict([doc])
    assert out.shape == (2, 32)


def test_domain_corpus_hands_the_domain_to_the_predicted_doc(nlp, tmp_path):
    db = DocBin(store_user_data=True)
    for text, dom in (("甲公司", "msra"), ("乙公司", "resume")):
        doc = nlp.make_doc(text)
        doc.user_data[DOMAIN_KEY] = dom
        db.add(doc)
    db.add(nlp.make_doc("丙"))  # no domain: the predicted doc gets none either
    db.to_disk(tmp_path / "x.spacy")
    examples = list(charfeatures.domain_corpus(str(tmp_path / "x.spacy"))(nlp))
    assert [eg.predicted.user_data.get(DOMAIN_KEY) for eg in examples] == ["msra", "resume", None]


def test_silver_corpora_train_under_the_news_convention():
    """FinRE and DuIE mark only related names: a convention of their own would learn only "tag more"."""
    assert charfeatures.domain_of("finre") == charfeatures.domain_of("duie") == charfeatures.DEFAULT_DOMAIN
    assert charfeatures.domain_of("msra") == "msra"
    assert all(charfeatures.domain_of(d) == d for d in charfeatures.DOMAINS)


def test_domain_specs_parse_into_a_convention_or_a_normalised_mix():
    assert charfeatures.parse_domain("msra") == "msra"
    assert charfeatures.parse_domain("cluener=3,msra=1") == {"cluener": 0.75, "msra": 0.25}
    assert charfeatures.parse_domain("cluener=1") == "cluener"
    assert charfeatures.main_domain({"cluener": 0.62, "msra": 0.38}) == "cluener"
    for bad in ("twitter", "cluener=x", "", "cluener=0", "cluener=-1,msra=2"):
        with pytest.raises(ValueError, match="NER domain"):
            charfeatures.parse_domain(bad)
