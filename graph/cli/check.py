"""``kg stats``, ``kg validate`` and ``kg eval``: what is in the store, whether it keeps the shapes, how good it is."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from graph.cli.common import StoreOpt, err, open_kg, out, short, summary_table
from graph.cli.errors import EXIT_INVALID, guard
from graph.store.local import DEFAULT_STORE

_BY_CLASS = "SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kg:mentionCount ?m ; a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"
_BY_RELATION = ("SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?st a rdf:Statement ; "
                "rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } } GROUP BY ?p ORDER BY DESC(?n) ?p")


@guard
def stats(store: StoreOpt = DEFAULT_STORE) -> None:
    """Counts of documents, entities, relations, evidence, measurements and triples."""
    with open_kg(store, read_only=True) as kg:
        s = kg.stats()
        by_class = kg.query(_BY_CLASS)
        by_rel = kg.query(_BY_RELATION)
    out.print(summary_table(f"Store {store}", s))
    for title, column, result in (("Entities by class", ("class", "entities"), by_class),
                                  ("Relations by property", ("relation", "count"), by_rel)):
        t = Table(*column, title=title, title_justify="left")
        for key, n in result.rows:
            t.add_row(short(key), str(n))
        out.print(t)


@guard
def validate(store: StoreOpt = DEFAULT_STORE) -> None:
    """Check the graph against the SHACL shapes in ontology/shapes.ttl."""
    from graph.rdf.validate import print_report

    with open_kg(store, read_only=True) as kg:
        report = kg.validate()
    print_report(report, out)
    if not report.conforms:
        raise typer.Exit(EXIT_INVALID)


@guard
def evaluate(
    gold: Annotated[list[Path], typer.Argument(help="Gold files (.yaml/.json) or folders of them.")],
    docs: Annotated[Path | None, typer.Option(help="Folder the gold files' documents are in (default: next to each gold file).")] = None,
    model: Annotated[bool, typer.Option(help="Use the statistical NER model.")] = True,
    details: Annotated[bool, typer.Option(help="List missed and spurious entities and relations.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the scores as JSON.")] = None,
) -> None:
    """Score extraction against gold annotations: entities, types, relations, facts."""
    from graph.eval.gold import evaluate_files, print_scores

    t0 = time.perf_counter()
    results = evaluate_files(gold, docs, use_statistical=model)
    print_scores(results, out, details=details)
    if json_out:
        json_out.write_text(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1), encoding="utf-8")
    err.print(f"{time.perf_counter() - t0:.1f} s", style="dim")
