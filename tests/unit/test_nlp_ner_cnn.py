"""The numpy forward pass computes what thinc computes."""

from __future__ import annotations

import numpy

from graph.nlp.ner.cnn import compile_tagger
from graph.nlp.ner.tagger import load_model


def test_numpy_forward_matches_thinc():
    model = load_model()
    texts = ["中國工商銀行董事長陳四清在北京表示。", "万科A（000002.SZ）公告称，", "x", "", "腾讯 与 阿里巴巴\n合作"]
    docs = [model.nlp.make_doc(t) for t in texts]
    fast = compile_tagger(model.tagger.model)
    assert fast is not None
    for ref, got in zip(model.tagger.model.predict(docs), fast(docs), strict=True):
        assert numpy.asarray(ref).shape == got.shape
        assert numpy.allclose(numpy.asarray(ref), got, atol=1e-4)


def test_the_shipped_model_uses_the_fast_path():
    assert load_model().forward.__module__ == "graph.nlp.ner.cnn"


def test_groups_run_together_give_the_bits_of_each_group_alone():
    """Batching is speed only: tiny groups (a few characters, a different BLAS kernel) and empty docs included."""
    model = load_model()
    texts = ["x", "ab", "abc", "中国", "甲乙丙丁", "", "甲公司与乙公司签署合作协议。", "今天天气很好。" * 60]
    groups = [[model.nlp.make_doc(t)] for t in texts]
    groups.append([model.nlp.make_doc("甲"), model.nlp.make_doc("乙公司收购丙公司")])  # one group of two docs
    together = model.forward.run(groups)
    for group, got in zip(groups, together, strict=True):
        alone = model.forward.run([group])[0]
        assert len(alone) == len(got) == len(group)
        for a, b, doc in zip(alone, got, group, strict=True):
            assert a.shape == (len(doc), len(model.labels))
            assert numpy.array_equal(a, b), doc.text
