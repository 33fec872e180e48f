"""The SPARQL 1.1 Graph Store Protocol, read-only: ``GET /data?graph=IRI`` and ``GET /data?default``.

:func:`requested_graph` reads the request (in the server), :func:`read_graph` the store (in the
worker process); writing methods get 405 from the handler before either runs.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pyoxigraph as ox

from graph.serve.protocol import RequestRefused, graph_params, negotiate
from graph.store.formats import GRAPH_TYPES, write_triples
from graph.store.sparql import PREFIX_MAP


def requested_graph(params: dict[str, list[str]], accept: str | None) -> tuple[str, str]:
    """(graph IRI, or "" for the default graph; media type) of a Graph Store Protocol GET."""
    graphs = graph_params(params, "graph")
    if ("default" in params) == bool(graphs) or len(graphs) > 1:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, "give either ?default or one ?graph=IRI")
    media_type = negotiate("CONSTRUCT", accept, params.get("format", []))
    if media_type is None:
        raise RequestRefused(HTTPStatus.NOT_ACCEPTABLE, f"cannot answer in {accept}; supported: {', '.join(GRAPH_TYPES)}")
    return (graphs[0] if graphs else ""), media_type


def read_graph(store_path: str, iri: str, media_type: str) -> bytes:
    """One named graph, or the union of all graphs for ``iri=""``, serialised; LookupError if absent."""
    store = ox.Store.read_only(store_path)
    if iri:
        name = ox.NamedNode(iri)
        if not store.contains_named_graph(name):
            raise LookupError(f"no graph <{iri}> in this store")
        triples: Any = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, name))
    else:
        triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return write_triples(triples, GRAPH_TYPES[media_type], PREFIX_MAP)


__all__ = ["read_graph", "requested_graph"]
