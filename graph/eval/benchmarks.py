"""Scores on the public benchmarks, printed beside the published figures.

The corpora are read from a folder given on the command line (they are not part
of the package).  Named entities are scored as exact character spans; FinRE by
whether both the head and the tail of each instance are among the entities found
in its sentence.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graph.eval.corpora import SCHEMES, Sentence, finre_rows, load_all
from graph.eval.scores import prf

#: Published figures, with their sources (see ../shared/data/README.md and the papers).
ANCHORS: dict[str, str] = {
    "cluener/dev ORG+PER": "BERT-base ≈79 over all 10 types (Xu et al. 2020, CLUENER2020)",
    "cluener/dev": "BiLSTM-CRF 70.0 · BERT-base 78.8 · RoBERTa-wwm-large 80.4 (10 fine types)",
    "msra/test": "Lattice LSTM 93.18 (46.4k/4.4k split) · BERT-base 94.62 (this split)",
    "resume/test": "Lattice LSTM 94.46 · FLAT 95.45 · LEBERT 96.08",
    "finre/test": "no published entity figure (the task gives the pair)",
}

Pred = tuple[int, int, str]


@dataclass
class Score:
    name: str
    tp: int = 0
    pred: int = 0
    gold: int = 0
    per_label: dict[str, list[int]] = field(default_factory=dict)

    def add(self, gold: set[Pred], pred: set[Pred]) -> None:
        self.tp += len(gold & pred)
        self.pred += len(pred)
        self.gold += len(gold)
        for label in {x[2] for x in gold | pred}:
            row = self.per_label.setdefault(label, [0, 0, 0])
            g = {x for x in gold if x[2] == label}
            p = {x for x in pred if x[2] == label}
            row[0] += len(g & p)
            row[1] += len(p)
            row[2] += len(g)

    prf = staticmethod(prf)

    @property
    def f1(self) -> float:
        return self.prf(self.tp, self.pred, self.gold)[2]

    def as_dict(self) -> dict[str, object]:
        p, r, f = self.prf(self.tp, self.pred, self.gold)
        return {"p": round(p, 2), "r": round(r, 2), "f1": round(f, 2),
                "per_label": {k: dict(zip(("p", "r", "f1"), (round(x, 2) for x in self.prf(*v)), strict=True))
                              for k, v in sorted(self.per_label.items())}}


def score_spans(name: str, sentences: list[Sentence], predictions: list[list[Pred]],
                keep: Callable[[str], str | None] = lambda x: x) -> Score:
    """Exact-span score; *keep* maps a label to the label scored (None drops it)."""
    score = Score(name)
    for sent, pred in zip(sentences, predictions, strict=True):
        g = {(s, e, keep(lab)) for s, e, lab in sent.spans if keep(lab)}
        p = {(s, e, keep(lab)) for s, e, lab in pred if keep(lab)}
        score.add(g, p)  # type: ignore[arg-type]
    return score


def org_per(label: str) -> str | None:
    return label if label in ("ORG", "PER") else None


def model_predictions(texts: list[str], domain: str | None = None) -> list[list[Pred]]:
    """The model's spans, tagged under *domain*'s annotation convention (default: the pipeline's)."""
    from graph.nlp.ner.tagger import PIPELINE_DOMAIN, load_model

    preds = load_model().predict(texts, domain=domain or PIPELINE_DOMAIN)
    return [[(s, e, lab) for s, e, lab, _ in p] for p in preds]


class PipelineLabels:
    """Coarse (and CLUENER fine) labels of the pipeline's ontology classes."""

    def __init__(self) -> None:
        from graph.rdf.ontology import load_ontology
        from graph.vocab import KG, SCHEMA

        self.onto = load_ontology()
        self.kg, self.schema = KG, SCHEMA

    def ancestors(self, label: str) -> frozenset:
        return self.onto.ancestors(self.kg[label])

    def coarse(self, label: str) -> str | None:
        anc = self.ancestors(label)
        for cls, name in (("Person", "PER"), ("Organization", "ORG"), ("Place", "LOC"), ("CreativeWork", "WORK")):
            if self.schema[cls] in anc:
                return name
        return None

    def cluener(self, label: str) -> str | None:
        anc = self.ancestors(label)
        if self.kg.GovernmentAgency in anc:
            return "government"
        if self.kg.Company in anc:
            return "company"
        if self.schema.Organization in anc:
            return "organization"
        return "name" if self.schema.Person in anc else None


def pipeline_predictions(texts: list[str], mapper: Callable[[str], str | None], use_model: bool = True) -> list[list[Pred]]:
    from graph.nlp.pipeline import get_pipeline

    nlp = get_pipeline(use_model)
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        out.append([(e.start_char, e.end_char, m) for e in doc.ents if (m := mapper(e.label_))])
    return out


def finre_recall(instances: list[tuple[str, str, str]], predictions: dict[str, set[str]]) -> float:
    hit = sum(1 for h, t, s in instances if h in predictions[s] and t in predictions[s])
    return 100 * hit / len(instances) if instances else 0.0


def _unmasked_rows(path: Path) -> list[tuple[str, ...]]:
    """FinRE rows with the digit mask <N> read as 0, as the training data reads it."""
    return [tuple(x.replace("<N>", "0") for x in row) for row in finre_rows(path)]


def finre_instances(path: Path) -> list[tuple[str, str, str]]:
    return [(h, t, s) for h, t, _, s in _unmasked_rows(path)]


def finre_end_to_end(path: Path) -> dict[str, float]:
    """% of labelled FinRE instances whose pair is found and joined by the property the label maps to."""
    from graph.eval.gold import readings
    from graph.nlp.pipeline import get_pipeline
    from graph.nlp.relations.classifier import label_map
    from graph.rdf.ontology import load_ontology
    from graph.vocab import KG

    onto = load_ontology()
    mapping = label_map()
    rows = [row for row in _unmasked_rows(path) if row[2] != "unknown"]
    texts = sorted({r[3] for r in rows})
    nlp = get_pipeline(True)
    found: dict[str, tuple[dict[str, set], set]] = {}
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=64), strict=True):
        iris: dict[str, set] = {}
        for e in doc.ents:
            iris.setdefault(e.text, set()).add(e.kb_id_)
        found[text] = (iris, {(str(r.head), r.prop, str(r.tail)) for r in doc._.relations or []})
    pair = hit = 0
    for h, t, label, sent in rows:
        iris, rels = found[sent]
        if not (iris.get(h) and iris.get(t)):
            continue
        pair += 1
        row = mapping.get(label) or {}
        if row.get("alias"):
            hit += bool(iris[h] & iris[t])
            continue
        prop = row.get("property")
        if not prop:
            continue
        p = KG[prop.split(":", 1)[1]]
        subj, obj = (iris[t], iris[h]) if row.get("inverse") else (iris[h], iris[t])
        # As the gold harness scores (graph.eval.gold): a relation counts when the ontology makes it
        # an equivalent reading of the labelled one (inverse, symmetric, super-property).
        wanted = set().union(*(readings(onto, a, p, b) for a in subj for b in obj))
        hit += any(readings(onto, *r) & wanted for r in rels)
    n = len(rows)
    return {"pair found": round(100 * pair / n, 2), "pair found and mapped relation": round(100 * hit / n, 2)}


def chars_per_second(fn: Callable[[list[str]], object], texts: list[str], repeats: int = 3) -> float:
    """Characters per second over *texts*: the median of *repeats* timed runs after a warm-up on a few
    texts.  One cold run was not a measurement: the blank tokenizer, fast enough for lazy set-up to
    dominate, read anywhere from 124k to 1,246k chars/s on this machine."""
    fn(texts[:50])
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn(texts)
        times.append(time.perf_counter() - t0)
    return sum(map(len, texts)) / statistics.median(times)


def run(data: Path, include_pipeline: bool = True, progress: Callable[[str], None] = print) -> dict[str, object]:
    """Every benchmark figure, as a dict (see :func:`format_table`)."""
    splits = load_all(data)
    res: dict[str, object] = {}
    for key in ("cluener/dev", "msra/test", "resume/test"):
        progress(f"model on {key}")
        sents = splits[key]
        corpus = key.split("/")[0]
        scheme = SCHEMES[corpus]  # a corpus is scored on the labels it annotates
        preds = model_predictions([s.text for s in sents], corpus)  # and tagged under its own convention
        res[f"model {key}"] = score_spans(key, sents, preds, lambda x, sc=scheme: x if x in sc else None).as_dict()
        preds = model_predictions([s.text for s in sents])  # the pipeline's convention, for comparison
        res[f"model {key}, pipeline convention"] = score_spans(
            key, sents, preds, lambda x, sc=scheme: x if x in sc else None).as_dict()
        if key == "cluener/dev":  # what the pipeline must not fall below: the model as the pipeline runs it
            res["model cluener/dev ORG+PER"] = score_spans(key, sents, preds, org_per).as_dict()
    inst = finre_instances(data / "finre" / "test.txt")
    texts = sorted({s for _, _, s in inst})
    progress("model on finre/test")
    found = {t: {t[s:e] for s, e, _ in p} for t, p in zip(texts, model_predictions(texts), strict=True)}
    res["model finre/test head+tail"] = round(finre_recall(inst, found), 2)
    if include_pipeline:
        labels = PipelineLabels()
        cl = splits["cluener/dev"]
        progress("pipeline on cluener/dev")
        preds = pipeline_predictions([s.text for s in cl], labels.coarse)
        res["pipeline cluener/dev ORG+PER"] = score_spans("cluener/dev", cl, preds, org_per).as_dict()
        fine = _cluener_fine(data)
        preds_fine = pipeline_predictions([s.text for s in fine], labels.cluener)
        res["pipeline cluener/dev fine"] = score_spans("cluener/dev", fine, preds_fine).as_dict()
        progress("pipeline on finre/test")
        found = {t: {t[s:e] for s, e, _ in p} for t, p in zip(texts, pipeline_predictions(texts, labels.coarse), strict=True)}
        res["pipeline finre/test head+tail"] = round(finre_recall(inst, found), 2)
        progress("pipeline on finre/test relations")
        res["pipeline finre/test relations (labelled instances, %)"] = finre_end_to_end(data / "finre" / "test.txt")
        progress("speed")
        sample = [s.text for s in cl]
        import spacy

        blank = spacy.blank("zh")
        res["speed chars/s"] = {
            "spacy.blank('zh') tokenizer": round(chars_per_second(lambda ts: list(blank.pipe(ts)), sample)),
            "model alone": round(chars_per_second(model_predictions, sample)),
            "full pipeline": round(chars_per_second(lambda ts: pipeline_predictions(ts, labels.coarse), sample)),
        }
    return res


def _cluener_fine(data: Path) -> list[Sentence]:
    """CLUENER dev with its own organisation and person types (company, government, organization, name)."""
    import json

    out = []
    for line in (data / "cluener2020" / "dev.json").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            spans = [(s, e + 1, label) for label, m in (rec.get("label") or {}).items()
                     if label in ("company", "government", "organization", "name") for v in m.values() for s, e in v]
            out.append(Sentence(rec["text"], spans, "cluener"))
    return out


def format_table(res: dict[str, object]) -> Iterable[str]:
    yield f"{'benchmark':<42}{'P':>7}{'R':>7}{'F1':>7}   published"
    for key, value in res.items():
        if isinstance(value, dict) and "f1" in value:
            anchor = ANCHORS.get(key.split(" ", 1)[1].replace(" fine", ""), "")
            yield f"{key:<42}{value['p']:7.2f}{value['r']:7.2f}{value['f1']:7.2f}   {anchor}"
            for label, v in value["per_label"].items():
                yield f"    {label:<38}{v['p']:7.2f}{v['r']:7.2f}{v['f1']:7.2f}"
        elif isinstance(value, float):
            yield f"{key:<42}{'':>14}{value:7.2f}   (% of instances with both entities found)"
        elif isinstance(value, dict) and key.startswith("pipeline finre"):
            yield key
            for k, v in value.items():
                yield f"    {k:<38}{v:>12.2f}"
        elif isinstance(value, dict):
            yield key
            base = next(iter(value.values()))
            for k, v in value.items():
                yield f"    {k:<38}{v:>12,}  {v / base:6.3f}×"
