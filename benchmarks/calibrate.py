"""Choose the NER model's confidence gate on dev data: ``python -m benchmarks.calibrate --data ../shared/data``.

For each candidate gate it scores the full pipeline on CLUENER2020 dev (ORG+PER,
exact span) and, with ``--docs``, on the gold dev articles (entity F1), and prints
which gate maximises their mean.  Write the chosen value to
``ontology/patterns/entities.yaml`` (``model_min_confidence``, ``model_common_words_confidence``,
``model_override_confidence``) by hand: a gate is a
decision, and the table is its record.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATES = (0.2, 0.3, 0.4, 0.5, 0.6)
COMMON_GATES = (0.6, 0.8, 0.9, 1.01)
OVERRIDE_GATES = (0.8,)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--docs", type=Path, default=None, help="texts of the gold dev articles")
    ap.add_argument("--gates", type=float, nargs="*", default=list(GATES))
    ap.add_argument("--common-gates", type=float, nargs="*", default=list(COMMON_GATES))
    ap.add_argument("--override-gates", type=float, nargs="*", default=list(OVERRIDE_GATES))
    args = ap.parse_args(argv)
    from graph.eval.benchmarks import PipelineLabels, org_per, pipeline_predictions, score_spans
    from graph.eval.corpora import read_cluener
    from graph.eval.gold import evaluate_files, overall
    from graph.nlp.pipeline import get_pipeline

    cl = list(read_cluener(args.data / "cluener2020" / "dev.json"))
    labels = PipelineLabels()
    ents = get_pipeline(True).get_pipe("cnfinkg_entities")
    best = None
    print(f"{'gate':>6}{'common':>8}{'override':>10}{'CLUENER ORG+PER F1':>22}{'gold dev entity F1':>22}")
    grid = [(g, c, o) for g in args.gates for c in args.common_gates for o in args.override_gates]
    for gate, common, override in grid:
        ents.model_min = gate
        ents.model_common_ok = common
        ents.model_override = override
        f_cl = score_spans("cluener/dev", cl, pipeline_predictions([s.text for s in cl], labels.coarse), org_per).f1
        f_dev = None
        if args.docs:
            f_dev = 100 * overall(evaluate_files([ROOT / "tests" / "gold" / "dev"], args.docs)).entities.f1
        mean = (f_cl + f_dev) / 2 if f_dev is not None else f_cl
        print(f"{gate:6.2f}{common:8.2f}{override:10.2f}{f_cl:22.2f}{(f'{f_dev:.2f}' if f_dev is not None else '–'):>22}", flush=True)
        if best is None or mean > best[1]:
            best = ((gate, common, override), mean)
    print(f"best (model_min_confidence, model_common_words_confidence, model_override_confidence): {best[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
