"""The numpy forward pass computes what thinc computes."""

from __future__ import annotations

import numpy
import pytest

from graph.nlp.ner.charfeatures import DOMAIN_KEY, DOMAINS
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


@pytest.mark.parametrize("domain", DOMAINS)
def test_numpy_forward_matches_thinc_under_every_domain(domain):
    model = load_model()
    docs = [model.nlp.make_doc(t) for t in ("万科公告称，公司股东深圳地铁集团增持。", "李娜在北京出生。")]
    for doc in docs:
        doc.user_data[DOMAIN_KEY] = domain
    fast = compile_tagger(model.tagger.model)
    for ref, got in zip(model.tagger.model.predict(docs), fast(docs), strict=True):
        assert numpy.allclose(numpy.asarray(ref), got, atol=1e-4)


def test_the_domain_reaches_the_network():
    """The shipped model was trained with the domain feature: the convention asked for changes its output."""
    model = load_model()
    assert len(model.forward.tables) == 6
    text = "新华社北京电，国务院总理在人民大会堂会见了来访的德国总理。"
    logits = {}
    for domain in ("cluener", "msra"):
        doc = model.nlp.make_doc(text)
        doc.user_data[DOMAIN_KEY] = domain
        logits[domain] = model.forward([doc])[0]
    assert not numpy.allclose(logits["cluener"], logits["msra"], atol=1e-3)


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


def test_a_mix_of_conventions_lies_between_them_and_a_whole_one_is_that_convention():
    model = load_model()

    def logits(domain):
        doc = model.nlp.make_doc("相关统计显示，中国智能手机用户突破7亿。")
        doc.user_data[DOMAIN_KEY] = domain
        return model.forward([doc])[0]

    assert numpy.array_equal(logits({"cluener": 1.0}), logits("cluener"))
    a, b, mid = logits("cluener"), logits("msra"), logits({"cluener": 0.5, "msra": 0.5})
    assert not numpy.allclose(mid, a, atol=1e-3) and not numpy.allclose(mid, b, atol=1e-3)
