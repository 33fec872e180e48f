"""Choose the NER model's confidence gate on dev data: ``python -m benchmarks.calibrate --data ../shared/data``.

For each candidate gate it scores the full pipeline on CLUENER2020 dev (ORG+PER,
exact span), on FinRE valid (the share of its labelled head and tail names found: financial
news, but recall only, since FinRE labels one pair per sentence) and, with ``--docs``, on the
gold dev articles (entity F1), and prints which gate maximises their mean.  Write the chosen value to
``ontology/patterns/entities.yaml`` (``model_min_confidence``, ``model_common_words_confidence``,
``model_override_confidence``, ``model_market_context_confidence``) by hand: a gate is a
decision, and the table is its record.  ``--domains`` adds the NER model's annotation
convention to the grid (``graph.nlp.ner.charfeatures.DOMAINS``; the pipeline's is the
``cnfinkg_ner_model`` component's ``domain``), and ``--model`` scores a model folder not yet shipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATES = (0.2, 0.3, 0.4, 0.5, 0.6)
COMMON_GATES = (0.6, 0.8, 0.9, 0.95, 1.01)
OVERRIDE_GATES = (0.6,)
MARKET_GATES = (0.5, 0.7, 1.01)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--docs", type=Path, default=None, help="texts of the gold dev articles")
    ap.add_argument("--gates", type=float, nargs="*", default=list(GATES))
    ap.add_argument("--common-gates", type=float, nargs="*", default=list(COMMON_GATES))
    ap.add_argument("--override-gates", type=float, nargs="*", default=list(OVERRIDE_GATES))
    ap.add_argument("--market-gates", type=float, nargs="*", default=list(MARKET_GATES))
    ap.add_argument("--domains", nargs="*", default=None, help="NER conventions to try: cluener, msra, resume or a mix like cluener=0.7,msra=0.3 (default: the pipeline's)")
    ap.add_argument("--model", type=Path, default=None, help="NER model folder (default: the shipped one)")
    args = ap.parse_args(argv)
    from graph.eval.benchmarks import (
        PipelineLabels,
        finre_instances,
        org_per,
        pipeline_predictions,
        score_spans,
    )
    from graph.eval.corpora import read_cluener
    from graph.eval.gold import evaluate_files, overall
    from graph.nlp.pipeline import get_pipeline

    cl = list(read_cluener(args.data / "cluener2020" / "dev.json"))
    fin = finre_instances(args.data / "finre" / "valid.txt")
    fin_texts = sorted({s for _, _, s in fin})
    fin_names = sorted({(n, s) for h, t, s in fin for n in (h, t)})
    labels = PipelineLabels()
    from graph.nlp.ner.charfeatures import parse_domain
    from graph.nlp.ner.tagger import load_model

    nlp = get_pipeline(True)
    ents = nlp.get_pipe("cnfinkg_entities")
    ner = nlp.get_pipe("cnfinkg_ner_model")
    if args.model:
        ner.model = load_model(str(args.model))
    try:
        domains = {d: parse_domain(d) for d in args.domains} if args.domains else {"default": ner.domain}
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    best = None
    print(f"{'domain':>20}{'gate':>6}{'common':>8}{'override':>10}{'market':>8}"
          f"{'CLUENER ORG+PER F1':>22}{'FinRE valid names %':>22}{'gold dev entity F1':>22}{'seed ent P/R':>14}")
    grid = [(d, g, c, o, m) for d in domains for g in args.gates for c in args.common_gates
            for o in args.override_gates for m in args.market_gates]
    for domain, gate, common, override, market in grid:
        ner.domain = domains[domain]
        ents.model_min = gate
        ents.model_common_ok = common
        ents.model_override = override
        ents.model_market = market
        f_cl = score_spans("cluener/dev", cl, pipeline_predictions([s.text for s in cl], labels.coarse), org_per).f1
        found = dict(zip(fin_texts, pipeline_predictions(fin_texts, lambda x: x), strict=True))
        f_fin = 100 * sum(any(s[a:b] == n for a, b, _ in found[s]) for n, s in fin_names) / len(fin_names)
        f_dev = None
        if args.docs:
            f_dev = 100 * overall(evaluate_files([ROOT / "tests" / "gold" / "dev"], args.docs)).entities.f1
        seed = overall(evaluate_files([ROOT / "tests" / "gold" / "seed.yaml"])).entities
        scores = [f_cl, f_fin] + ([f_dev] if f_dev is not None else [])
        mean = sum(scores) / len(scores)
        print(f"{domain:>20}{gate:6.2f}{common:8.2f}{override:10.2f}{market:8.2f}{f_cl:22.2f}{f_fin:22.2f}{(f'{f_dev:.2f}' if f_dev is not None else '–'):>22}"
              f"{f'{seed.precision:.3f}/{seed.recall:.3f}':>14}", flush=True)
        if best is None or mean > best[1]:
            best = ((domain, gate, common, override, market), mean)
    print("best (domain, model_min_confidence, model_common_words_confidence, model_override_confidence, "
          f"model_market_context_confidence): {best[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
