"""Tests for the optional statistical NER layer (graph/statner.py)."""

from __future__ import annotations

import pytest

from graph import statner

pytestmark = pytest.mark.skipif(not statner.available(), reason="CLUENER model not shipped")


@pytest.fixture(scope="module")
def ner():
    return statner.StatisticalNER()


VALID_CLASSES = set(statner.LABEL_TO_CLASS.values())


def _check_spans(text, preds):
    for start, end, cls, score in preds:
        assert 0 <= start < end <= len(text)
        assert cls in VALID_CLASSES
        assert 0.0 <= score <= 1.0


def test_to_simplified_keeps_length():
    trad = "中國工商銀行董事長陳四清在北京表示，臺灣積體電路製造將擴產。"
    simp = statner.to_simplified(trad)
    assert len(simp) == len(trad)
    assert simp.startswith("中国工商银行董事长陈四清")


def test_split_chunks_covers_text_and_respects_limit():
    text = ("今天天气很好。" * 50) + "无标点" * 300 + "！结尾"
    chunks = statner.split_chunks(text, max_len=100)
    assert "".join(c for _, c in chunks) == text
    for off, c in chunks:
        assert len(c) <= 100
        assert text[off : off + len(c)] == c


def test_empty_text(ner):
    assert ner.predict("") == []
    assert list(ner.pipe(["", "   "])) == [[], []]


def test_simplified_sentence_company_and_person(ner):
    text = "中国工商银行董事长陈四清在北京表示"
    preds = ner.predict(text)
    _check_spans(text, preds)
    by_class = {cls: text[s:e] for s, e, cls, _ in preds}
    assert {"Company", "Organization"} & set(by_class), preds
    assert "Person" in by_class, preds
    assert by_class["Person"] == "陈四清"
    org = by_class.get("Company") or by_class.get("Organization")
    assert "工商银行" in org


def test_offsets_point_into_original_traditional_text(ner):
    text = "中國工商銀行董事長陳四清在北京表示，將加大對實體經濟的支持。"
    preds = ner.predict(text)
    assert preds, "expected some entities in the Traditional sentence"
    _check_spans(text, preds)
    spans = {text[s:e]: cls for s, e, cls, _ in preds}
    assert spans.get("陳四清") == "Person", spans
    assert any("工商銀行" in s and c in ("Company", "Organization") for s, c in spans.items()), spans


def test_long_text_offsets_shift_back(ner):
    sent = "中國工商銀行董事長陳四清在北京表示。"
    text = "今天市場平穩。" * 120 + sent  # > 500 chars, forces chunking
    assert len(text) > statner.MAX_CHUNK
    preds = ner.predict(text)
    _check_spans(text, preds)
    base = text.index(sent)
    tail = [(s - base, e - base, c) for s, e, c, _ in preds if s >= base]
    assert any(sent[s:e] == "陳四清" and c == "Person" for s, e, c in tail), preds


def test_pipe_matches_predict(ner):
    texts = ["中国工商银行董事长陈四清在北京表示", "", "阿里巴巴集团在杭州发布财报。"]
    assert list(ner.pipe(texts, batch_size=2)) == [ner.predict(t) for t in texts]
