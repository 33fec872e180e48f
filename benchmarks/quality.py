"""Quality on the public benchmarks: ``python -m benchmarks.quality --data ../shared/data``.

Prints the NER model's and the full pipeline's figures on CLUENER2020 dev,
MSRA test, Resume test and FinRE test beside the published ones, then the gold
articles (the seed and, with ``--docs``, the dev set) through ``kg eval``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the open corpora (cluener2020/, msra_ner/ …)")
    ap.add_argument("--docs", type=Path, default=None, help="texts of the dev articles (tests/gold/dev)")
    ap.add_argument("--model-only", action="store_true", help="skip the full pipeline")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if not (args.data / "cluener2020" / "dev.json").exists():
        print(f"error: no corpora under {args.data}", file=sys.stderr)
        return 2
    from graph.eval.benchmarks import format_table, run

    res = run(args.data, include_pipeline=not args.model_only, progress=lambda m: print(f"… {m}", file=sys.stderr, flush=True))
    for line in format_table(res):
        print(line)
    if not args.model_only:
        from rich.console import Console

        from graph.eval.gold import evaluate_files, overall, print_scores

        gold = [ROOT / "tests" / "gold" / "seed.yaml"]
        if args.docs:
            gold.append(ROOT / "tests" / "gold" / "dev")
        results = evaluate_files(gold, args.docs)
        print_scores(results, Console(width=160))
        res["gold"] = [r.as_dict() for r in [*results, overall(results)]]
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
