"""Train the optional statistical NER model shipped in ``graph/models/cluener``.

One command::

    python -m training.train_ner [--data /work/shared/data/cluener2020]
                                 [--output graph/models/cluener] [--max-minutes 20]

Steps

1. Convert CLUENER2020 ``train.json`` / ``dev.json`` (JSON lines, character
   offsets with INCLUSIVE ends) to spaCy ``DocBin`` files in a temporary
   directory (never inside the repo).  Ends are made exclusive, only the labels
   in :data:`KEEP_LABELS` are kept (game, movie and scene are dropped and their
   characters become ordinary "O" tokens), and overlapping spans are resolved
   with :func:`spacy.util.filter_spans` (longest span wins, then the earliest).
2. Train ``training/ner.cfg`` (blank ``zh`` pipeline, character segmenter,
   ``tok2vec`` + ``ner``) in-process with ``spacy.training.loop.train``.
3. Copy only ``model-best`` into ``--output`` (the previous contents are
   replaced), with the training-only bits stripped from its config.
4. Print dev-set precision/recall/F1 per label and overall.

Wall-clock cap
    ``--max-minutes`` installs a ``before_update`` callback that stops training
    once the budget is used up; the last ``model-best`` checkpoint (written at
    every evaluation that improved dev F1) is then shipped.  The step budget in
    ``ner.cfg`` (``max_steps``) is chosen so that a normal run on a 2-core CPU
    ends by itself well before the cap; the cap is only a safety net.

Reproducibility
    The seed is fixed (``[system] seed = 0``; thinc's ``fix_random_seed`` seeds
    ``random`` and ``numpy``), the corpus order is fixed (spans sorted per sentence),
    and the NER label set is inferred from that fixed corpus.  On the same machine, same data + same
    config + same library versions give the same weights: the CPU kernels
    (blis/numpy) used by thinc are single-threaded by default.  Bit-identity
    is NOT guaranteed across CPUs / BLAS builds (floating-point summation order
    may differ), nor when the wall-clock cap fires before ``max_steps`` (the
    stopping step then depends on machine load) -- the script prints a warning
    in that case.
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
from spacy.util import filter_spans, registry

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = Path(__file__).resolve().parent / "ner.cfg"
DEFAULT_DATA = Path("/work/shared/data/cluener2020")
DEFAULT_OUTPUT = REPO_ROOT / "graph" / "models" / "cluener"

KEEP_LABELS = ("address", "book", "company", "government", "name", "organization", "position")

# Files a trained pipeline directory needs at run time (everything else is dropped).
_RUNTIME_ENTRIES = ("config.cfg", "meta.json", "tokenizer", "vocab", "tok2vec", "ner")


class _TimeUp(Exception):
    """Raised from the before_update callback once the wall-clock budget is used."""


_DEADLINE: dict[str, float] = {"t": float("inf")}


@registry.callbacks("cluener.deadline.v1")
def _make_deadline_callback():
    def before_update(nlp, info):  # noqa: ARG001 - signature fixed by spaCy
        if time.monotonic() > _DEADLINE["t"]:
            raise _TimeUp(f"wall-clock budget used up at step {info.get('step')}")

    return before_update


# --------------------------------------------------------------------------- conversion
def convert(json_path: Path, nlp, out_path: Path) -> dict[str, int]:
    """Convert one CLUENER JSON-lines file to a DocBin; return counters."""
    db = DocBin(store_user_data=False)
    stats = {"docs": 0, "spans": 0, "dropped_label": 0, "dropped_overlap": 0, "misaligned": 0}
    with open(json_path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            text = rec["text"]
            doc = nlp.make_doc(text)
            spans = []
            for label in sorted(rec.get("label") or {}):
                mentions = rec["label"][label]
                for surface in sorted(mentions):
                    for start, end_incl in mentions[surface]:
                        if label not in KEEP_LABELS:
                            stats["dropped_label"] += 1
                            continue
                        span = doc.char_span(start, end_incl + 1, label=label)
                        if span is None:
                            stats["misaligned"] += 1
                            continue
                        spans.append(span)
            kept = filter_spans(spans)
            stats["dropped_overlap"] += len(spans) - len(kept)
            stats["spans"] += len(kept)
            doc.ents = sorted(kept, key=lambda s: s.start)
            db.add(doc)
            stats["docs"] += 1
    db.to_disk(out_path)
    return stats


# --------------------------------------------------------------------------- evaluation
def print_scores(scores: dict, stream=sys.stdout) -> None:
    per = scores.get("ents_per_type") or {}
    w = stream.write
    w(f"\n{'label':<14}{'P':>8}{'R':>8}{'F1':>8}\n")
    for label in sorted(per):
        s = per[label]
        w(f"{label:<14}{100 * s['p']:8.2f}{100 * s['r']:8.2f}{100 * s['f']:8.2f}\n")
    w(
        f"{'OVERALL':<14}{100 * (scores.get('ents_p') or 0):8.2f}"
        f"{100 * (scores.get('ents_r') or 0):8.2f}{100 * (scores.get('ents_f') or 0):8.2f}\n"
    )


def evaluate(model_dir: Path, dev_docbin: Path) -> dict:
    from spacy.training import Corpus

    nlp = spacy.load(model_dir)
    examples = list(Corpus(dev_docbin)(nlp))
    return nlp.evaluate(examples)


# --------------------------------------------------------------------------- packaging
def install_model(best: Path, output: Path) -> None:
    """Copy model-best to ``output`` keeping only the files needed at run time."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for name in _RUNTIME_ENTRIES:
        src = best / name
        if src.is_dir():
            shutil.copytree(src, output / name)
        elif src.is_file():
            shutil.copy2(src, output / name)
    # The saved config remembers the temp corpus paths and our training-only
    # callback; reset them so the shipped config is clean and self-contained.
    cfg = spacy.util.load_config(output / "config.cfg", interpolate=False)
    cfg["paths"]["train"] = None
    cfg["paths"]["dev"] = None
    cfg["training"]["before_update"] = None
    cfg.to_disk(output / "config.cfg")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--config", type=Path, default=CONFIG_PATH)
    ap.add_argument("--max-minutes", type=float, default=20.0,
                    help="wall-clock cap on the training loop (safety net)")
    ap.add_argument("--max-steps", type=int, default=None,
                    help="override training.max_steps from the config (e.g. a quick smoke run)")
    args = ap.parse_args(argv)

    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cluener_") as tmp:
        tmp = Path(tmp)
        base = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
        for split in ("train", "dev"):
            st = convert(args.data / f"{split}.json", base, tmp / f"{split}.spacy")
            print(f"[convert] {split}: {st}", flush=True)

        overrides = {
            "paths.train": str(tmp / "train.spacy"),
            "paths.dev": str(tmp / "dev.spacy"),
            "training.before_update": {"@callbacks": "cluener.deadline.v1"},
        }
        if args.max_steps is not None:
            overrides["training.max_steps"] = args.max_steps
        config = spacy.util.load_config(args.config, overrides=overrides, interpolate=False)
        nlp = init_nlp(config, use_gpu=-1)
        out_tmp = tmp / "out"
        out_tmp.mkdir()
        _DEADLINE["t"] = time.monotonic() + 60.0 * args.max_minutes
        t_train = time.monotonic()
        capped = False
        try:
            train_loop(nlp, out_tmp, use_gpu=-1, stdout=sys.stdout, stderr=sys.stderr)
        except _TimeUp as e:
            capped = True
            print(f"[train] WARNING: {e}; shipping the best checkpoint so far "
                  "(run is then not step-reproducible).", flush=True)
        train_secs = time.monotonic() - t_train
        best = out_tmp / "model-best"
        if not best.exists():
            print("[train] no model-best was written (no evaluation happened?)", file=sys.stderr)
            return 1
        install_model(best, args.output)
        scores = evaluate(args.output, tmp / "dev.spacy")

    print(f"\n[done] training loop {train_secs / 60:.1f} min"
          f"{' (stopped by --max-minutes)' if capped else ''}; total {(time.monotonic() - t0) / 60:.1f} min")
    print(f"[done] model at {args.output} ({dir_size(args.output) / 1e6:.2f} MB on disk)")
    print("[done] dev-set scores (CLUENER2020 dev.json, kept labels only):")
    print_scores(scores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
