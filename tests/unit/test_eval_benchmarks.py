"""The public-benchmark harness scores exact spans and prints the published figures beside ours."""

from __future__ import annotations

from graph.eval import benchmarks
from graph.eval.corpora import Sentence


def test_exact_span_scores_and_label_filter():
    sents = [Sentence("浙商银行叶老桂说", [(0, 4, "ORG"), (4, 7, "PER")], "cluener")]
    preds = [[(0, 4, "ORG"), (4, 6, "PER"), (0, 2, "LOC")]]
    s = benchmarks.score_spans("x", sents, preds)
    assert (s.tp, s.pred, s.gold) == (1, 3, 2)
    op = benchmarks.score_spans("x", sents, preds, benchmarks.org_per)
    assert (op.tp, op.pred, op.gold) == (1, 2, 2)
    assert round(op.f1, 2) == 50.0
    assert op.as_dict()["per_label"]["PER"]["r"] == 0.0


def test_finre_recall_needs_both_entities():
    inst = [("万科", "华润", "s1"), ("万科", "深圳", "s1")]
    assert benchmarks.finre_recall(inst, {"s1": {"万科", "华润"}}) == 50.0


def test_table_prints_anchor_beside_figure():
    res = {"model msra/test": {"p": 1.0, "r": 1.0, "f1": 1.0, "per_label": {}}, "model finre/test head+tail": 42.0}
    lines = list(benchmarks.format_table(res))
    assert any("93.18" in line and "1.00" in line for line in lines)
    assert any("42.00" in line for line in lines)


def test_speed_is_not_read_off_a_cold_first_run():
    import time as _time

    from graph.eval.benchmarks import chars_per_second

    calls = []

    def slow_first(texts):
        calls.append(len(texts))
        _time.sleep(0.3 if len(calls) == 1 else 0.01)

    cps = chars_per_second(slow_first, ["字" * 100] * 10)
    assert cps > 100 * 10 / 0.1  # the 0.3 s set-up of the first call is not in the figure
    assert len(calls) == 4  # a warm-up and three timed runs
