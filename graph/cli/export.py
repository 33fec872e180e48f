"""``kg export`` and ``kg viz``: the graph written out, as RDF or another graph format, or as a page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from graph.cli.common import StoreOpt, err, open_kg, out
from graph.cli.errors import guard
from graph.store.local import DEFAULT_STORE


@guard
def export(
    store: StoreOpt = DEFAULT_STORE,
    format: Annotated[str, typer.Option("--format", "-f", help="turtle|ntriples|jsonld|trig|nquads|graphml|gexf")] = "turtle",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    ontology: Annotated[bool, typer.Option(help="Include the ontology graph.")] = False,
) -> None:
    """Write the graph as Turtle (default) or another RDF/graph format; deterministic."""
    with open_kg(store, read_only=True) as kg:
        if output is None:
            data = kg.serialize(format, include_ontology=ontology)
            sys.stdout.write(data or "")
        else:
            kg.serialize(format, output, include_ontology=ontology)
            err.print(f"wrote {output}")


@guard
def viz(
    store: StoreOpt = DEFAULT_STORE,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("graph.html"),
    lang: Annotated[str, typer.Option(help="Label language: en, zh-Hant or zh-Hans.")] = "en",
    focus: Annotated[str | None, typer.Option(help="Show only the neighbourhood of this entity (any of its names).")] = None,
    hops: Annotated[int, typer.Option(help="Neighbourhood radius for --focus.")] = 1,
    query_file: Annotated[Path | None, typer.Option("--query", help="A .rq file (CONSTRUCT, or SELECT ?s ?p ?o) choosing the subgraph.")] = None,
) -> None:
    """Write an interactive, offline HTML view of the graph."""
    if lang not in ("en", "zh-Hant", "zh-Hans"):
        raise ValueError("--lang must be en, zh-Hant or zh-Hans")
    with open_kg(store, read_only=True) as kg:
        path = kg.visualize(output, lang=lang, focus=focus, hops=hops, query=query_file.read_text(encoding="utf-8") if query_file else None)
    out.print(f"wrote {path}")
