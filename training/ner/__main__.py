"""Rebuild the shipped NER model from the open corpora.

    python -m training.ner --data ../shared/data [--output graph/models/ner] [--max-minutes 110]

Steps: read and map every corpus (training/ner/corpora.py) into DocBins in a
temporary folder (the data never enters the repo); train training/ner/config.cfg
with spaCy; ship ``model-best`` (selected on the combined dev splits: CLUENER dev,
the last 3,000 MSRA train sentences, Resume dev, each read under its own corpus's
annotation convention: :mod:`graph.nlp.ner.charfeatures`) with a clean config and a meta that
names the model, its version, its data and its scores.  ``--max-minutes`` stops the
loop at a wall-clock budget; the best checkpoint so far is then shipped (and the run
is not step-reproducible, which the script says).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.util import registry

from graph.eval.corpora import Sentence, load_all
from graph.nlp.ner import bioes, charfeatures  # noqa: F401 - registers the architecture and scorer

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MODEL_NAME = "cnfinkg_ner"
MODEL_VERSION = "3.0.0"
TRAIN_MIX = {"cluener/train": 2, "msra/train": 1, "resume/train": 1, "duie/train": 1, "finre/train": 1}
DEV_SPLITS = ("cluener/dev", "msra/dev", "resume/dev")


class _TimeUp(Exception):
    pass


_DEADLINE = {"t": float("inf")}


@registry.callbacks("cnfinkg.deadline.v1")
def _deadline():
    def before_update(nlp, info):  # noqa: ARG001
        if time.monotonic() > _DEADLINE["t"]:
            raise _TimeUp(f"wall-clock budget used up at step {info.get('step')}")

    return before_update


def to_doc(nlp, sent: Sentence):
    doc = nlp.make_doc(sent.text)
    tags = ["O" if sent.complete else ""] * len(doc)
    tok_spans = []
    for a, b, label in sent.spans:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None:
            tok_spans.append((span.start, span.end, label))
    for a, b in sent.blank:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                tags[i] = ""
    for i, tag in enumerate(bioes.spans_to_tags(len(doc), tok_spans)):
        if tag != "O":
            tags[i] = tag
    for tok, tag in zip(doc, tags, strict=True):
        tok.tag_ = tag
    doc.user_data[charfeatures.DOMAIN_KEY] = charfeatures.domain_of(sent.corpus)
    return doc


def write_docbins(data: Path, tmp: Path) -> dict[str, int]:
    splits = load_all(data)
    nlp = spacy.blank("zh")
    counts = {}
    train = DocBin(attrs=["TAG"], store_user_data=True)
    for key, times in TRAIN_MIX.items():
        docs = [to_doc(nlp, s) for s in splits[key] if s.text.strip()]
        for _ in range(times):
            for d in docs:
                train.add(d)
        counts[key] = len(docs) * times
    train.to_disk(tmp / "train.spacy")
    dev = DocBin(attrs=["TAG"], store_user_data=True)
    for key in DEV_SPLITS:
        for s in splits[key]:
            dev.add(to_doc(nlp, s))
        counts[key] = len(splits[key])
    dev.to_disk(tmp / "dev.spacy")
    return counts


def ship(best: Path, output: Path, scores: dict, counts: dict[str, int], capped: bool) -> None:
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(best, output, ignore=shutil.ignore_patterns("*.lock"))
    cfg = spacy.util.load_config(output / "config.cfg", interpolate=False)
    cfg["paths"]["train"] = None
    cfg["paths"]["dev"] = None
    cfg["training"]["before_update"] = None
    cfg.to_disk(output / "config.cfg")
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    meta.update({
        "name": MODEL_NAME.removeprefix("cnfinkg_"),
        "version": MODEL_VERSION,
        "description": "Character BIOES tagger for Chinese NER (PER ORG LOC TITLE WORK EDU PRO CONT RACE), "
        "hashed character/bigram/jieba-word features and the annotation convention to follow (CLUENER, MSRA or Resume), "
        "a maxout CNN; trained on CLUENER2020, MSRA NER, Resume NER and silver spans of FinRE and DuIE.",
        "author": "cnfinkg",
        "license": "research data: see the corpora's terms",
        "sources": [{"name": k, "documents": v} for k, v in counts.items()],
        "stopped_by_time_budget": capped,
        "domains": {"conventions": list(charfeatures.DOMAINS), "default": charfeatures.DEFAULT_DOMAIN,
                    "corpora": {k.split("/")[0]: charfeatures.domain_of(k.split("/")[0]) for k in TRAIN_MIX}},
    })
    (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild the shipped NER model from the open corpora.")
    ap.add_argument("--data", type=Path, required=True, help="folder with cluener2020/, msra_ner/, resume_ner/, finre/, duie/")
    ap.add_argument("--output", type=Path, default=REPO / "graph" / "models" / "ner")
    ap.add_argument("--config", type=Path, default=HERE / "config.cfg")
    ap.add_argument("--workdir", type=Path, default=None, help="keep DocBins and checkpoints here (default: a temp folder)")
    ap.add_argument("--max-minutes", type=float, default=110.0)
    ap.add_argument("--max-steps", type=int, default=None)
    args = ap.parse_args(argv)
    if not (args.data / "cluener2020" / "train.json").exists():
        print(f"error: no corpora under {args.data} (expected cluener2020/train.json …)", file=sys.stderr)
        return 2
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    with tempfile.TemporaryDirectory(prefix="cnfinkg_ner_") as tmpname:
        work = args.workdir or Path(tmpname)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        counts = write_docbins(args.data, work)
        print(f"[data] {counts} in {time.monotonic() - t0:.0f}s", flush=True)
        overrides = {
            "paths.train": str(work / "train.spacy"),
            "paths.dev": str(work / "dev.spacy"),
            "training.before_update": {"@callbacks": "cnfinkg.deadline.v1"},
        }
        if args.max_steps:
            overrides["training.max_steps"] = args.max_steps
        config = spacy.util.load_config(args.config, overrides=overrides, interpolate=False)
        nlp = init_nlp(config, use_gpu=-1)
        out = work / "out"
        out.mkdir(exist_ok=True)
        _DEADLINE["t"] = time.monotonic() + 60 * args.max_minutes
        capped = False
        try:
            train_loop(nlp, out, use_gpu=-1, stdout=sys.stdout, stderr=sys.stderr)
        except _TimeUp as exc:
            capped = True
            print(f"[train] {exc}; shipping the best checkpoint so far", flush=True)
        best = out / "model-best"
        if not best.exists():
            print("error: no checkpoint was written", file=sys.stderr)
            return 1
        meta = json.loads((best / "meta.json").read_text(encoding="utf-8"))
        ship(best, args.output, meta.get("performance", {}), counts, capped)
    print(f"[done] model in {args.output}: dev {meta.get('performance', {}).get('ents_f')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
