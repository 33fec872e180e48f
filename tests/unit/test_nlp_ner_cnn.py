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
