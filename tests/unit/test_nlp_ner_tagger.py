"""The shipped NER model: present, loadable, offsets into the original text, sane labels."""

from __future__ import annotations

import json

import pytest
import spacy

from graph.nlp.ner import tagger

TEXT_HANS = "中国工商银行董事长陈四清在北京表示，腾讯与万科签署合作协议。"
TEXT_HANT = "中國工商銀行董事長陳四清在北京表示，騰訊與萬科簽署合作協議。"


def test_model_ships_with_meta():
    assert tagger.available(), "graph/models/ner is missing: rebuild it with python -m training.ner"
    meta = json.loads((tagger.MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "ner" and meta["version"].count(".") == 2
    assert set(meta["labels"]["tagger"]) >= {"B-ORG", "E-PER", "S-LOC", "O"}


def test_size_limit():
    size = sum(p.stat().st_size for p in tagger.MODEL_DIR.rglob("*") if p.is_file())
    assert size <= 60 * 1024 * 1024


@pytest.fixture(scope="module")
def model():
    return tagger.load_model()


def test_predictions_are_well_formed(model):
    for text, preds in zip([TEXT_HANS, "", "   "], model.predict([TEXT_HANS, "", "   "]), strict=True):
        for s, e, label, conf in preds:
            assert 0 <= s < e <= len(text)
            assert label in {"PER", "ORG", "LOC", "TITLE", "WORK", "EDU", "PRO", "CONT", "RACE"}
            assert 0.0 <= conf <= 1.0


def test_long_text_is_chunked_with_offsets_kept(model):
    text = "今天天气很好。" * 200 + TEXT_HANS
    (preds,) = model.predict([text])
    assert all(text[s:e] and e <= len(text) for s, e, _, _ in preds)


def test_chunks_cover_the_text():
    text = "甲乙丙，" * 300 + "无标点" * 200
    pieces = tagger.chunks(text, 100)
    assert "".join(text[s:e] for s, e in pieces) == text
    assert all(e - s <= 100 for s, e in pieces)


def test_component_writes_span_layer_aligned_to_tokens():
    from graph.nlp.pipeline import get_pipeline

    nlp = get_pipeline(True)
    doc = nlp(TEXT_HANT)
    spans = doc.spans[tagger.SPAN_KEY]
    for span in spans:
        assert TEXT_HANT[span.start_char : span.end_char] == span.text
    # The same sentence in both scripts gives the same offsets (the model reads Simplified).
    hans_doc = nlp(TEXT_HANS)  # a SpanGroup needs its Doc alive
    hans = hans_doc.spans[tagger.SPAN_KEY]
    assert [(s.start_char, s.end_char, s.label_) for s in spans] == [(s.start_char, s.end_char, s.label_) for s in hans]


def test_texts_predicted_together_are_predicted_as_alone(model, monkeypatch):
    texts = [TEXT_HANS, "", "x", TEXT_HANT, "今天天气很好。" * 120 + TEXT_HANS, "甲乙"]
    alone = [model.predict([t])[0] for t in texts]
    assert model.predict(texts) == alone
    monkeypatch.setattr(tagger, "RUN_CHARS", 1)  # a forward pass per group
    assert model.predict(texts) == alone


def test_component_pipe_gives_what_calling_it_gives():
    from graph.nlp.pipeline import get_pipeline

    nlp = get_pipeline(True)
    comp = nlp.get_pipe("cnfinkg_ner_model")
    texts = [TEXT_HANT, "x", TEXT_HANS * 3, "甲公司"]
    one = [comp(nlp.make_doc(t)) for t in texts]
    many = list(comp.pipe([nlp.make_doc(t) for t in texts], batch_size=3))

    def spans(doc):
        return [(s.start_char, s.end_char, s.label_, s._.model_confidence) for s in doc.spans[tagger.SPAN_KEY]]

    assert [spans(d) for d in many] == [spans(d) for d in one]
    assert any(spans(d) for d in one)


def test_component_refuses_an_unknown_domain():
    with pytest.raises(ValueError, match="unknown NER domain"):
        tagger.NERModelComponent(str(tagger.MODEL_DIR), domain="twitter")


def test_component_tags_under_its_domain(model, monkeypatch):
    seen = []
    real = model.predict

    def spy(texts, batch_chars=tagger.GROUP_CHARS, domain="cluener"):
        seen.append(domain)
        return real(texts, batch_chars, domain)

    comp = tagger.NERModelComponent(str(tagger.MODEL_DIR), domain="msra")
    monkeypatch.setattr(comp.model, "predict", spy)
    comp(spacy.blank("zh").make_doc(TEXT_HANS))
    assert seen == ["msra"]


def test_a_mix_given_as_a_spec_is_the_mix(model):
    """The spec string the component and the CLI take means the same mix as the dict it parses to."""
    text = "相关统计显示，中国智能手机用户突破7亿。"
    spec = model.predict([text], domain="cluener=0.62,msra=0.38")
    assert spec == model.predict([text], domain={"cluener": 0.62, "msra": 0.38})
    assert spec != model.predict([text], domain="cluener") or spec != model.predict([text], domain="msra")
