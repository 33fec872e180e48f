"""What each kind of SPARQL server needs from :class:`graph.store.remote.RemoteStore`, in one place.

A server says what it is in the ``Server:`` header of its first answer; the
store then takes that kind's :class:`Profile`.  Everything known about one
server's habits (its limits, its quirks, the workarounds) lives here, so the
store itself speaks plain SPARQL 1.1.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import pyoxigraph as ox

from graph.vocab import ENTITY_GRAPH, KGDOC, ONTOLOGY_GRAPH

JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"

#: The namespace of every graph ``kg`` writes (documents, the entity graph, the ontology graph).
PROJECT_GRAPHS = os.path.commonprefix([str(ONTOLOGY_GRAPH), str(ENTITY_GRAPH), str(KGDOC)])

_ASK_VARIABLE = "__ASK_RETVAL"  # Virtuoso 7.2 answers ASK with a one-column table, not a boolean


class Profile(NamedTuple):
    """The defaults and workarounds that suit one kind of server."""

    #: The dataset mode ``"auto"`` stands for (see :class:`graph.store.remote.RemoteStore`).
    dataset: str
    #: Triples per ``INSERT DATA`` operation, and bytes per update request.
    chunk_triples: int = 5000
    max_update_bytes: int = 16 * 1024 * 1024
    #: The SPARQL results format asked for first.
    results: str = JSON
    #: Text put before every update request.
    update_prefix: str = ""
    #: Spell out ``rdfs:subClassOf*`` paths in queries over the union (:mod:`graph.store.paths`).
    expand_paths: bool = False
    #: Listings, counts and exports see only graphs whose IRI starts with this ("": every graph).
    graph_scope: str = ""


# Virtuoso's parser runs out of stack ("SP030 … memory exhausted") near 5,000 triples in one INSERT
# DATA and refuses a request over 10 MB ("SR578"); its time per request grows faster than its size,
# so it gets smaller ones.  It writes XML results about six times as fast as JSON.  A server with a
# query cost limit (MaxQueryCostEstimationTime, set in Debian's virtuoso.ini and DBpedia's) puts
# "define sql:big-data-const 0" before every request, which makes INSERT DATA spell each triple out
# in SQL: 20 times slower, and refused past 10,000 lines of SQL; a later define wins.  Its default
# graph already is the union of all graphs, among them its own (RDF views, service description,
# WebDAV, OWL: they vary with the installation) and often other datasets (DBpedia's).
PROFILES = {
    "oxigraph": Profile(dataset="union"),
    "virtuoso": Profile(dataset="server", chunk_triples=2000, max_update_bytes=2 * 1024 * 1024, results=XML,
                        update_prefix="DEFINE sql:big-data-const 1\n", expand_paths=True, graph_scope=PROJECT_GRAPHS),
    "": Profile(dataset="explicit"),
}


def server_kind(server_header: str) -> str:
    """The key of :data:`PROFILES` for a ``Server:`` header ("" for a server not known here)."""
    name = server_header.strip().lower()
    return next((kind for kind in PROFILES if kind and name.startswith(kind)), "")


def _boolean(value: bool) -> ox.QueryBoolean:
    return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"), ox.QueryResultsFormat.JSON)


def as_boolean(results: Any) -> Any:
    """Virtuoso's one-column answer to ASK as the boolean it stands for; any other answer unchanged."""
    if isinstance(results, ox.QuerySolutions) and [v.value for v in results.variables] == [_ASK_VARIABLE]:
        return _boolean(any(sol[0] is not None and sol[0].value not in ("0", "false") for sol in results))
    return results


__all__ = ["JSON", "PROFILES", "PROJECT_GRAPHS", "XML", "Profile", "as_boolean", "server_kind"]
