"""The pipeline's entry points: annotate_stream gives what annotate gives, document by document."""

from __future__ import annotations

import pytest

from graph.ingest.reader import Document, key_for_text, parse_text
from graph.nlp.pipeline import annotate, annotate_stream

TEXTS = [
    "甲乙科技股份有限公司董事长张明远表示，公司将与丙丁银行合作。",
    "x",
    "",
    "2018年5月，甲乙科技宣布收购戊己信息技术有限公司51%的股权，交易金额为3亿元。去年营收增长20%。",
    "甲乙科技與丙丁銀行簽署戰略合作協議。",
    "\n".join(["丙丁银行股份有限公司今日发布公告。"] * 40),
]


def _docs() -> list[Document]:
    docs = [parse_text(t, key_for_text(t)) for t in TEXTS]
    docs[3].published = "2019-03-01"  # relative dates are read against it
    return docs


def _result(sdoc) -> tuple:
    """What the later stages read from a Doc."""
    return (
        [(t.idx, t.text, t.tag_) for t in sdoc],
        [(s.start_char, s.end_char, s.label_, s._.model_confidence) for s in sdoc.spans.get("ner_model", [])],
        [(e.start_char, e.end_char, e.label_, e.kb_id_, e._.confidence) for e in sdoc.ents],
        [repr(r) for r in sdoc._.relations or []],
        [repr(f) for f in sdoc._.facts or []],
        sorted((str(k), repr(v)) for k, v in (sdoc._.entities or {}).items()),
    )


@pytest.mark.parametrize("statistical", [True, False])
@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_stream_gives_what_annotate_gives(statistical, batch_size):
    docs = _docs()
    alone = [_result(annotate(d, use_statistical=statistical)) for d in docs]
    streamed = list(annotate_stream(iter(docs), use_statistical=statistical, batch_size=batch_size))
    assert [d for d, _ in streamed] == docs
    assert all(a is b for (a, _), b in zip(streamed, docs, strict=True))
    assert [_result(s) for _, s in streamed] == alone
    assert any(r[2] for r in alone) and (not statistical or any(r[1] for r in alone))


def test_stream_reads_documents_as_batches_need_them():
    docs = _docs()
    taken: list[int] = []

    def source():
        for i, d in enumerate(docs):
            taken.append(i)
            yield d

    stream = annotate_stream(source(), batch_size=2)
    first, _ = next(stream)
    assert first is docs[0] and len(taken) < len(docs)
    assert [d for d, _ in stream] == docs[1:]


def test_stream_of_nothing_is_empty():
    assert list(annotate_stream([])) == []
