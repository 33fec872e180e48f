"""Relation classification given the pair: FinRE and the DuIE held-out part.

Readers turn the open corpora into :class:`PairInstance` s (sentence, head span, tail
span, label); the scorers compute what the published FinRE results report.

FinRE protocol (MG-Lattice, Li et al. 2019, as in their code ``utils/metric.py`` and
``utils/functions.py`` of thunlp/Chinese_NRE): test lines with the same (head, tail,
sentence) are merged into one instance whose gold is the *set* of their labels; the
classifier's top label counts as a prediction unless it is ``unknown``, and is right when
it is in the gold set; recall is over the instances with any label other than
``unknown``.  That is micro P/R/F1 with ``unknown`` excluded as a positive class.  Macro
P/R/F1 averages the per-label figures over the 43 labels other than ``unknown``.  The
same figures are also given per line (each line an instance, its one label the gold).

DuIE (``duie/train_data_5000.json``): only the last ``holdout`` sentences are scored
(training uses the others).  For each triple whose predicate the classifier knows, the
pair (subject, object) is classified; accuracy is the share whose top label is the
predicate (``简称`` counts as FinRE's ``自己``).  The reverse pair (object, subject) must
get the ``被`` label, and pairs of names in the sentence that no triple links must get
``unknown``: those are scored too.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.eval.scores import PRF

UNKNOWN = "unknown"
ALIAS = "自己"

#: DuIE predicates the classifier learns, and the label each gets (subject, object) -> label.
DUIE_PREDICATES: dict[str, str] = {
    "董事长": "董事长",
    "创始人": "创始人",
    "总部地点": "总部地点",
    "成立日期": "成立日期",
    "注册资本": "注册资本",
    "简称": ALIAS,
}
SYMMETRIC_LABELS = {UNKNOWN, ALIAS}

#: The published anchor: MG-Lattice on FinRE test (Li et al., ACL 2019, P19-1430, the table of final results,
#: F1 and AUC on SanWen, FinRE and ACE 2005).  The value could not be re-read from the paper's text in the
#: stored copies this project can search (their excerpts stop before the results section): it is quoted from
#: memory of that table and must be checked against https://aclanthology.org/P19-1430.pdf.
MG_LATTICE: dict[str, object] = {
    "model": "MG-Lattice",
    "f1": 49.26,
    "protocol": "merged lines, micro-F1 without unknown, all non-unknown predictions counted",
    "source": "Li, Ding, Liu, Zheng and Shen, Chinese Relation Extraction with Multi-Grained Information and "
              "External Linguistic Knowledge, ACL 2019 (P19-1430), table of final results (FinRE F1); "
              "quoted from memory, not re-verified",
    "verified": False,
}


@dataclass(frozen=True)
class PairInstance:
    text: str
    head: tuple[int, int]
    tail: tuple[int, int]
    label: str
    source: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.text[self.head[0]:self.head[1]], self.text[self.tail[0]:self.tail[1]], self.text)


def reverse_label(label: str) -> str:
    if label in SYMMETRIC_LABELS:
        return label
    return label[1:] if label.startswith("被") else "被" + label


def _occurrences(text: str, name: str, limit: int = 20) -> list[int]:
    out: list[int] = []
    i = text.find(name)
    while i >= 0 and len(out) < limit:
        out.append(i)
        i = text.find(name, i + 1)
    return out


def locate_pair(text: str, head: str, tail: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Spans of *head* and *tail* in *text*: the closest pair of occurrences that do not overlap
    (else the first occurrence of each); None when a name is missing."""
    hs = _occurrences(text, head)
    ts = _occurrences(text, tail)
    if not hs or not ts:
        return None
    best = None
    for h in hs:
        for t in ts:
            he, te = h + len(head), t + len(tail)
            if he <= t or te <= h:
                gap = t - he if he <= t else h - te
                if best is None or gap < best[0]:
                    best = (gap, h, t)
    if best is None:
        h, t = hs[0], ts[0]
    else:
        _, h, t = best
    return (h, h + len(head)), (t, t + len(tail))


def read_finre(path: Path) -> list[PairInstance]:
    out: list[PairInstance] = []
    name = Path(path).stem
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 4:
            continue
        head, tail, label, text = (re.sub(r"\s+", "", p) for p in parts)
        spans = locate_pair(text, head, tail)
        if spans is None:
            continue
        out.append(PairInstance(text, spans[0], spans[1], label, f"finre/{name}"))
    return out


def finre_labels(path: Path) -> list[str]:
    labels = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            labels.append(parts[0])
    return labels


def _duie_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def read_duie(path: Path, part: str = "train", holdout: int = 500, negatives: str = "company",
              max_negatives: int = 4) -> list[PairInstance]:
    """Pair instances of the DuIE subset.

    *part* ``train`` is every sentence but the last *holdout*; ``heldout`` is those.  Each triple
    of a predicate in :data:`DUIE_PREDICATES` gives the pair (subject, object) with its label and
    the reverse pair with the reverse label.  *negatives*: ``none``; ``company`` (pairs of names
    of a sentence with a company triple that no triple links, up to *max_negatives* a sentence);
    ``all`` (the same in every sentence).
    """
    records = _duie_records(path)
    records = records[:-holdout] if part == "train" else records[-holdout:]
    out: list[PairInstance] = []
    src = f"duie/{part}"
    for rec in records:
        text = re.sub(r"\s+", "", rec["text"])
        names: list[str] = []
        linked: set[frozenset[str]] = set()
        positives: list[tuple[str, str, str]] = []
        for spo in rec.get("spo_list", []):
            subj = re.sub(r"\s+", "", spo["subject"])
            obj = spo["object"]
            obj = re.sub(r"\s+", "", obj.get("@value", "") if isinstance(obj, dict) else str(obj))
            if not subj or not obj or subj == obj:
                continue
            linked.add(frozenset((subj, obj)))
            names += [subj, obj]
            if spo["predicate"] in DUIE_PREDICATES:
                positives.append((subj, obj, DUIE_PREDICATES[spo["predicate"]]))
        seen: set[tuple[str, str]] = set()
        for subj, obj, label in positives:
            for h, t, lab in ((subj, obj, label), (obj, subj, reverse_label(label))):
                if (h, t) in seen:
                    continue
                spans = locate_pair(text, h, t)
                if spans is not None:
                    seen.add((h, t))
                    out.append(PairInstance(text, spans[0], spans[1], lab, src))
        if negatives == "none" or (negatives == "company" and not positives):
            continue
        uniq = sorted(set(names), key=names.index)
        count = 0
        for i, a in enumerate(uniq):
            for b in uniq[i + 1:]:
                if count >= max_negatives:
                    break
                if frozenset((a, b)) in linked or a in b or b in a:
                    continue
                spans = locate_pair(text, a, b)
                if spans is None:
                    continue
                out.append(PairInstance(text, spans[0], spans[1], UNKNOWN, src))
                out.append(PairInstance(text, spans[1], spans[0], UNKNOWN, src))
                count += 1
    return out


# --------------------------------------------------------------------------- scoring


@dataclass
class RelScore:
    micro: PRF = field(default_factory=PRF)
    per_label: dict[str, PRF] = field(default_factory=dict)
    n: int = 0

    def macro(self, labels: Iterable[str]) -> tuple[float, float, float]:
        rows = [self.per_label.get(lab, PRF()) for lab in labels if lab != UNKNOWN]
        if not rows:
            return 0.0, 0.0, 0.0
        return (sum(r.p for r in rows) / len(rows), sum(r.r for r in rows) / len(rows),
                sum(r.f1 for r in rows) / len(rows))

    def as_dict(self, labels: Iterable[str]) -> dict[str, float]:
        mp, mr, mf = self.macro(labels)
        return {"instances": self.n, "micro_p": round(self.micro.p, 2), "micro_r": round(self.micro.r, 2),
                "micro_f1": round(self.micro.f1, 2), "macro_p": round(mp, 2), "macro_r": round(mr, 2),
                "macro_f1": round(mf, 2)}


def score(golds: Sequence[set[str] | frozenset[str]], preds: Sequence[str]) -> RelScore:
    """Micro and per-label counts; each gold is a set of labels (one line, or a merged group)."""
    out = RelScore(n=len(golds))
    for gold, pred in zip(golds, preds, strict=True):
        pos = {g for g in gold if g != UNKNOWN}
        if pos:
            out.micro.gold += 1
        if pred != UNKNOWN:
            out.micro.pred += 1
            out.micro.tp += pred in pos
            row = out.per_label.setdefault(pred, PRF())
            row.pred += 1
            row.tp += pred in pos
        for g in pos:
            out.per_label.setdefault(g, PRF()).gold += 1
    return out


def grouped(instances: Sequence[PairInstance]) -> tuple[list[PairInstance], list[frozenset[str]]]:
    """Merge instances with the same (head, tail, sentence): one representative and the label set."""
    order: list[tuple[str, str, str]] = []
    labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    first: dict[tuple[str, str, str], PairInstance] = {}
    for ins in instances:
        k = ins.key
        if k not in first:
            first[k] = ins
            order.append(k)
        labels[k].add(ins.label)
    return [first[k] for k in order], [frozenset(labels[k]) for k in order]


Predictor = Callable[[Sequence[PairInstance]], list[str]]


def evaluate_finre(instances: Sequence[PairInstance], predict: Predictor, labels: Sequence[str]) -> dict:
    """Both protocols on *instances*; *predict* gives the top label of each instance."""
    reps, gold_sets = grouped(instances)
    preds = predict(reps)
    by_key = {ins.key: p for ins, p in zip(reps, preds, strict=True)}
    group = score(gold_sets, preds)
    line = score([frozenset([i.label]) for i in instances], [by_key[i.key] for i in instances])
    return {"grouped": group.as_dict(labels), "per_line": line.as_dict(labels),
            "per_label": {lab: {"p": round(r.p, 1), "r": round(r.r, 1), "f1": round(r.f1, 1), "gold": r.gold}
                          for lab, r in sorted(group.per_label.items(), key=lambda kv: -kv[1].gold)}}


def evaluate_duie(instances: Sequence[PairInstance], predict: Predictor) -> dict:
    preds = predict(instances)
    by: dict[str, Counter] = defaultdict(Counter)
    for ins, p in zip(instances, preds, strict=True):
        by[ins.label]["n"] += 1
        by[ins.label]["ok"] += p == ins.label
    pos = [lab for lab in by if lab != UNKNOWN]
    n_pos = sum(by[lab]["n"] for lab in pos)
    ok_pos = sum(by[lab]["ok"] for lab in pos)
    out = {
        "pairs": len(instances),
        "related_pairs": n_pos,
        "accuracy_related": round(100.0 * ok_pos / n_pos, 2) if n_pos else 0.0,
        "accuracy_unrelated": round(100.0 * by[UNKNOWN]["ok"] / by[UNKNOWN]["n"], 2) if by[UNKNOWN]["n"] else None,
        "accuracy_all": round(100.0 * sum(c["ok"] for c in by.values()) / len(instances), 2) if instances else 0.0,
        "by_label": {lab: {"n": c["n"], "accuracy": round(100.0 * c["ok"] / c["n"], 1)}
                     for lab, c in sorted(by.items(), key=lambda kv: -kv[1]["n"])},
    }
    return out


def threshold_table(instances: Sequence[PairInstance], predict_with_prob: Callable, thresholds=(0.0, 0.3, 0.5, 0.7, 0.9)):
    """Merged-protocol micro P/R/F1 when predictions below a confidence are dropped (read as unknown)."""
    reps, gold_sets = grouped(instances)
    pairs = predict_with_prob(reps)
    rows = []
    for t in thresholds:
        preds = [lab if p >= t else UNKNOWN for lab, p in pairs]
        s = score(gold_sets, preds)
        rows.append({"threshold": t, "p": round(s.micro.p, 2), "r": round(s.micro.r, 2), "f1": round(s.micro.f1, 2)})
    return rows
