"""The one table of answer formats: SPARQL 1.1 results (SELECT, ASK) and RDF graphs (CONSTRUCT, DESCRIBE).

``kg serve`` negotiates media types from it and writes pyoxigraph's answers with Oxigraph's own
serialisers (:func:`write_solutions`, :func:`write_triples`); the API and the CLI write rdflib
results (:func:`write_result`: ``kg query --format json|csv|tsv``, ``QueryResult.serialize``).
A format has one short name (``format=json``, ``--format json``), one media type of its own,
alternative media types that mean the same, and *generic* ones (``application/xml``) that a
client's ``Accept`` matches only after every specific type.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from graph.store.classify import GRAPH_FORMS

#: Where the ``w3c`` names of :class:`Format` live (SPARQL service descriptions list them).
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    graph: bool  # an RDF syntax for CONSTRUCT/DESCRIBE, rather than SPARQL results for SELECT/ASK
    ox: Any  # pyoxigraph's QueryResultsFormat or RdfFormat
    rdflib: str  # rdflib's serializer name
    w3c: str  # local name under W3C_FORMATS
    aliases: tuple[str, ...] = ()  # other short names (format=ttl)
    alternatives: tuple[str, ...] = ()  # other media types for exactly this format
    generic: tuple[str, ...] = ()  # media types that name the syntax only (application/xml): matched last
    #: A results format's RDF counterpart: what a CONSTRUCT gets when the client asks for this format
    #: (rdflib's SPARQLStore asks for results types whatever the query; ``kg query -f json`` too).
    graph_twin: str | None = None


FORMATS: tuple[Format, ...] = (  # the first of each kind is its default
    Format("json", "application/sparql-results+json", False, ox.QueryResultsFormat.JSON, "json", "SPARQL_Results_JSON",
           alternatives=("application/json",), graph_twin="jsonld"),
    Format("xml", "application/sparql-results+xml", False, ox.QueryResultsFormat.XML, "xml", "SPARQL_Results_XML",
           generic=("application/xml", "text/xml"), graph_twin="rdfxml"),
    Format("csv", "text/csv", False, ox.QueryResultsFormat.CSV, "csv", "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", False, ox.QueryResultsFormat.TSV, "tsv", "SPARQL_Results_TSV"),
    Format("turtle", "text/turtle", True, ox.RdfFormat.TURTLE, "turtle", "Turtle", aliases=("ttl", "n3"),
           alternatives=("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3")),  # Turtle is valid N3
    Format("ntriples", "application/n-triples", True, ox.RdfFormat.N_TRIPLES, "nt", "N-Triples", aliases=("nt",),
           alternatives=("text/plain",)),
    Format("jsonld", "application/ld+json", True, ox.RdfFormat.JSON_LD, "json-ld", "JSON-LD", aliases=("json-ld",)),
    Format("rdfxml", "application/rdf+xml", True, ox.RdfFormat.RDF_XML, "xml", "RDF_XML", aliases=("rdf+xml",),
           generic=("application/xml",)),
)
BY_NAME: dict[str, Format] = {n: f for f in FORMATS for n in (f.name, *f.aliases)}


def _media_types(graph: bool) -> dict[str, Format]:
    """Media type -> format for one kind, in order of preference for wildcards like ``text/*``."""
    kind = [f for f in FORMATS if f.graph == graph]
    table = {mt: f for f in kind for mt in (f.media_type, *f.alternatives)}
    for f in kind:
        table.update({mt: f for mt in f.generic if mt not in table})
    return table


RESULT_TYPES: dict[str, Format] = _media_types(graph=False)
GRAPH_TYPES: dict[str, Format] = _media_types(graph=True)
#: A client that accepts only SPARQL results types gets a CONSTRUCT in the matching RDF syntax.
RESULTS_AS_GRAPH: dict[str, str] = {mt: BY_NAME[f.graph_twin].media_type for f in FORMATS if f.graph_twin
                                    for mt in (f.media_type, *f.alternatives)}
DEFAULT_RESULTS = next(f for f in FORMATS if not f.graph)
DEFAULT_GRAPH = next(f for f in FORMATS if f.graph)


def types_for(form: str) -> dict[str, Format]:
    """The media types an answer of query form ``form`` can be written in."""
    return GRAPH_TYPES if form in GRAPH_FORMS else RESULT_TYPES


def default_for(form: str) -> Format:
    return DEFAULT_GRAPH if form in GRAPH_FORMS else DEFAULT_RESULTS


def name_to_media_type(name: str) -> str | None:
    """The media type of a short name (``json``, ``ttl`` …), or None."""
    f = BY_NAME.get(name)
    return f.media_type if f else None


# -- Oxigraph's answers (kg serve) -----------------------------------------------------------


def write_triples(triples: Iterable[Any], fmt: Format, prefixes: Mapping[str, str] | None = None) -> bytes:
    """pyoxigraph triples in ``fmt``; ``prefixes`` abbreviate IRIs where the syntax has prefixes."""
    with_prefixes = fmt.ox in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
    return ox.serialize(triples, None, fmt.ox, prefixes=prefixes if with_prefixes else None) or b""


def write_solutions(result: Any, fmt: Format) -> bytes:
    """pyoxigraph ``QuerySolutions`` or ``QueryBoolean`` in a results format."""
    return result.serialize(format=fmt.ox) or b""


# -- rdflib results (the API and the CLI) ------------------------------------------------------


class Results(Protocol):
    """What :class:`graph.api.QueryResult` offers the writers."""

    type: str
    raw: Any  # the rdflib Result

    @property
    def vars(self) -> list[str]: ...
    @property
    def rows(self) -> list[tuple]: ...
    @property
    def askAnswer(self) -> bool: ...  # noqa: N802 - rdflib's name
    @property
    def graph(self) -> Graph: ...


def json_term(v: object) -> dict[str, str]:
    """One RDF term in the SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/)."""
    if isinstance(v, URIRef):
        return {"type": "uri", "value": str(v)}
    if isinstance(v, BNode):
        return {"type": "bnode", "value": str(v)}
    if isinstance(v, Literal):
        term = {"type": "literal", "value": str(v)}
        if v.language:
            term["xml:lang"] = v.language
        elif v.datatype is not None and v.datatype not in (XSD.string, RDF.langString):
            term["datatype"] = str(v.datatype)
        return term
    return {"type": "literal", "value": str(v)}


def _rows_json(vars_: Sequence[str], rows: Iterable[tuple], out: TextIO) -> None:
    bindings = [{v: json_term(x) for v, x in zip(vars_, r, strict=False) if x is not None} for r in rows]
    out.write(json.dumps({"head": {"vars": list(vars_)}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1) + "\n")


def _rows_delimited(vars_: Sequence[str], rows: Iterable[tuple], delimiter: str, out: TextIO) -> None:
    """One line a row, terms as plain text (IRIs and literals' lexical forms), empty when unbound."""
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(vars_)
    for r in rows:
        w.writerow(["" if x is None else str(x) for x in r])


def graph_format(fmt: Format) -> Format:
    """The RDF syntax a CONSTRUCT is written in when ``fmt`` is asked for (a results format: its twin)."""
    if fmt.graph:
        return fmt
    return BY_NAME[fmt.graph_twin] if fmt.graph_twin else DEFAULT_GRAPH


def write_result(result: Results, name: str, out: TextIO) -> None:
    """``result`` written to ``out`` in format ``name`` (``json``, ``csv``, ``tsv``, ``xml`` or an RDF syntax).

    SELECT as SPARQL results (JSON or XML; CSV/TSV one line a row); ASK as SPARQL results JSON or
    XML, else ``true``/``false``; CONSTRUCT/DESCRIBE in the RDF syntax of :func:`graph_format`.
    """
    fmt = BY_NAME.get(name)
    if fmt is None:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(BY_NAME)}")
    if result.type in GRAPH_FORMS:
        from graph.rdf.mapping import bind_prefixes

        out.write(bind_prefixes(result.graph).serialize(format=graph_format(fmt).rdflib))
        return
    if fmt.graph:
        raise ValueError(f"{result.type} results cannot be written as {fmt.name}: use json, xml, csv or tsv")
    if fmt.name == "xml":
        out.write(result.raw.serialize(format="xml").decode("utf-8") + "\n")
    elif result.type == "ASK":
        answer = bool(result.askAnswer)
        out.write(json.dumps({"head": {}, "boolean": answer}) + "\n" if fmt.name == "json" else f"{str(answer).lower()}\n")
    elif fmt.name == "json":
        _rows_json(result.vars, result.rows, out)
    else:
        _rows_delimited(result.vars, result.rows, "," if fmt.name == "csv" else "\t", out)


__all__ = ["BY_NAME", "DEFAULT_GRAPH", "DEFAULT_RESULTS", "FORMATS", "GRAPH_TYPES", "RESULTS_AS_GRAPH", "RESULT_TYPES",
           "W3C_FORMATS", "Format", "default_for", "graph_format", "json_term", "name_to_media_type", "types_for",
           "write_result", "write_solutions", "write_triples"]
