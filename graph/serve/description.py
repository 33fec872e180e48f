"""What the endpoint says about itself: the SPARQL 1.1 Service Description, the help text, the library.

:func:`service_description` answers ``GET /sparql`` with an RDF ``Accept`` and no query; the
plain-text :func:`help_text` answers everyone else; :func:`named_query_library` is ``/queries``.
:func:`list_graphs` runs in the worker process, like every read of the store.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from graph.store.formats import FORMATS, GRAPH_TYPES, W3C_FORMATS, write_triples
from graph.store.sparql import PREFIX_MAP, describe_named, named_queries, with_prefixes

#: At most this many named graphs are listed in the service description.
MAX_LISTED_GRAPHS = 1000

_SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DCTERMS = "http://purl.org/dc/terms/"
_SD_PREFIXES = {"sd": _SD, "formats": W3C_FORMATS, "dcterms": _DCTERMS, "rdf": _RDF}


def service_description(endpoint: str, graphs: Iterable[str], media_type: str = "text/turtle",
                        timeout: float | None = None) -> bytes:
    """A SPARQL 1.1 Service Description of the endpoint at ``endpoint``, serialised as ``media_type``."""
    sd = ox.NamedNode(endpoint)
    a = ox.NamedNode(_RDF + "type")

    def n(local: str) -> ox.NamedNode:
        return ox.NamedNode(_SD + local)

    triples = [
        ox.Triple(sd, a, n("Service")),
        ox.Triple(sd, n("endpoint"), sd),
        ox.Triple(sd, n("supportedLanguage"), n("SPARQL11Query")),
        ox.Triple(sd, n("feature"), n("UnionDefaultGraph")),
        ox.Triple(sd, n("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(sd, ox.NamedNode(_DCTERMS + "title"), ox.Literal("cnfinkg SPARQL endpoint (read-only)")),
    ]
    if timeout:
        triples.append(ox.Triple(sd, ox.NamedNode(_DCTERMS + "description"),
                                 ox.Literal(f"Queries are stopped after {timeout:g} s; SERVICE and LOAD are refused.")))
    triples += [ox.Triple(sd, n("resultFormat"), ox.NamedNode(W3C_FORMATS + f.w3c)) for f in FORMATS]
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples += [ox.Triple(sd, n("defaultDataset"), dataset), ox.Triple(dataset, a, n("Dataset")),
                ox.Triple(dataset, n("defaultGraph"), default), ox.Triple(default, a, n("Graph"))]
    for g in graphs:
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, n("namedGraph"), node), ox.Triple(node, a, n("NamedGraph")),
                    ox.Triple(node, n("name"), ox.NamedNode(g))]
    return write_triples(triples, GRAPH_TYPES[media_type], _SD_PREFIXES)


def list_graphs(store_path: str) -> bytes:
    """The store's named graphs (at most :data:`MAX_LISTED_GRAPHS`), one IRI a line, sorted."""
    store = ox.Store.read_only(store_path)
    names = []
    for g in store.named_graphs():
        if isinstance(g, ox.NamedNode):
            names.append(g.value)
            if len(names) >= MAX_LISTED_GRAPHS:
                break
    return "\n".join(sorted(names)).encode("utf-8")


def help_text(url: str, allow_update: bool, timeout: float) -> str:
    """The plain-text page at ``/sparql`` without a query, for a person with a browser or curl."""
    mode = "read-write (updates at /update)" if allow_update else "read-only"
    return (
        "cnfinkg SPARQL 1.1 endpoint (" + mode + ")\n"
        f"  workbench (query editor): {url}/\n"
        f"  GET  {url}/sparql?query=...\n"
        f"  POST {url}/sparql  (query=... form, or Content-Type: application/sparql-query)\n"
        "Results: application/sparql-results+json (default), application/sparql-results+xml, text/csv,\n"
        "text/tab-separated-values; graphs: text/turtle (default), application/n-triples,\n"
        "application/ld+json, application/rdf+xml.\n"
        "Service description: GET /sparql with Accept: text/turtle. Graph Store Protocol (read-only):\n"
        "GET /data?graph=IRI or /data?default. Named queries: /queries; prefixes: /prefixes.\n"
        f"Queries are stopped after {timeout:g} s. Prefixes known without declaration: "
        + ", ".join(PREFIX_MAP) + "\n"
    )


def named_query_library() -> list[dict[str, str]]:
    """The named queries (``ontology/queries``) with the prefixes they use declared, for the workbench."""
    paths = named_queries()
    return [{"name": name, "description": description,
             "sparql": with_prefixes(paths[name].read_text(encoding="utf-8"))}
            for name, description in describe_named()]


__all__ = ["MAX_LISTED_GRAPHS", "help_text", "list_graphs", "named_query_library", "service_description"]
