"""``kg query`` and ``kg queries``: SPARQL over the store, through the API's one SPARQL layer.

Everything about the query (named queries, prefixes, the syntax check, classification, the time
limit, the result formats) is :mod:`graph.store.sparql` and :meth:`graph.api.KnowledgeGraph.query`;
this module picks the wording of refusals for a command line and draws the table.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from graph.cli.common import StoreOpt, open_kg, out, short
from graph.cli.errors import EXIT_TIMEOUT, fail, guard
from graph.store.local import DEFAULT_STORE
from graph.store.sparql import QueryError

if TYPE_CHECKING:
    from graph.api import QueryResult


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


@guard
def query(
    query: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or a named query (kg queries).")],
    store: StoreOpt = DEFAULT_STORE,
    format: Annotated[Fmt, typer.Option("--format", "-f")] = Fmt.table,
    bind: Annotated[list[str] | None, typer.Option("--bind", "-b", help="VAR=VALUE, repeatable.")] = None,
    update: Annotated[bool, typer.Option(help="Allow SPARQL Update (INSERT/DELETE…).")] = False,
    timeout: Annotated[float, typer.Option(help="Stop the query after this many seconds (0 = no limit).")] = 0.0,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the store."""
    from graph.api import QueryTimeout
    from graph.store.sparql import prepare

    prepared = prepare(query, bind or [])  # a bad query is an error before the store is opened
    if prepared.is_update and not update:
        raise QueryError("this is a SPARQL Update (INSERT, DELETE, DROP …); pass --update to change the store")
    with open_kg(store, read_only=not update) as kg:
        try:
            result = kg.query(prepared, allow_update=update, timeout=timeout if timeout > 0 else None)
        except QueryTimeout:
            fail(f"query stopped after {timeout:g} s (--timeout)", EXIT_TIMEOUT)
        if result is None:
            out.print("update applied")
            return
        print_result(result, format)


def print_result(result: QueryResult, fmt: Fmt) -> None:
    """SELECT rows as a table, or the result in a text format (:func:`graph.store.formats.write_result`)."""
    if fmt == Fmt.table and result.type == "SELECT":
        rows = result.rows
        t = Table(*result.vars)
        for r in rows:
            t.add_row(*[short(x) for x in r])
        out.print(t)
        out.print(f"{len(rows)} row(s)", style="dim")
        return
    # Tables are for rows: as with csv, an ASK answer prints true or false, a graph Turtle.
    result.serialize(Fmt.csv.value if fmt == Fmt.table else fmt.value, sys.stdout)


@guard
def queries() -> None:
    """List the named queries."""
    from graph.store.sparql import describe_named

    t = Table("name", "what it answers")
    for name, doc in describe_named():
        t.add_row(name, doc)
    out.print(t)
