"""Precision, recall and F1: one definition for every harness (gold articles, NER and RE corpora)."""

from __future__ import annotations

from dataclasses import dataclass


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    """(P, R, F1) in percent; 0 where a denominator is 0, so empty sets score 0, not an error."""
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return 100 * p, 100 * r, (200 * p * r / (p + r) if p + r else 0.0)


@dataclass
class PRF:
    """Counts of correct, predicted and gold items, with the scores in percent."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def p(self) -> float:
        return prf(self.tp, self.pred, self.gold)[0]

    @property
    def r(self) -> float:
        return prf(self.tp, self.pred, self.gold)[1]

    @property
    def f1(self) -> float:
        return prf(self.tp, self.pred, self.gold)[2]
