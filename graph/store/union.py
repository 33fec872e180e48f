"""The union of the document graphs as distinct triples, at the speed of Oxigraph's own dump.

A triple two documents state lives in both their graphs, so the union needs a set.  Oxigraph's
``CONSTRUCT`` keeps one, but empties it every 1,048,576 triples to bound its memory: past that a
10k-document store exported duplicate lines.  A ``SELECT DISTINCT`` inside it is exact, and cost
a third more than the dump.  Here instead each graph is dumped by Oxigraph as N-Triples (one
native call per graph, in :data:`THREADS` threads: pyoxigraph does not hold the GIL while it
serialises), and the caller's thread keeps the set, over whole lines: a graph has no line twice, and a
graph whose lines are all new (most of them) is passed on as it came, without a copy.  A
line is a triple: N-Triples writes each term one way only.

Graphs come in the order of their IRIs and each graph's triples in the order of Oxigraph's
index, a function of the content alone: the same store gives the same bytes.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import pyoxigraph as ox

#: Threads that dump graphs (each holds a core while Oxigraph serialises), graphs per task, and tasks
#: in flight: memory stays bounded by a few hundred graphs.
THREADS = max(1, min(2, os.cpu_count() or 1))
CHUNK = 32
AHEAD = 2 * THREADS + 2


def graph_dumps(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> Iterator[bytes]:
    """Each graph of ``graphs`` as N-Triples bytes, in order, dumped by threads while the caller works."""
    chunks = iter(_chunks(list(graphs)))

    def dump(names: list[ox.NamedNode]) -> list[bytes]:
        return [store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) for g in names]

    with ThreadPoolExecutor(THREADS, thread_name_prefix="kg-export-dump") as pool:
        window = deque(pool.submit(dump, c) for c in islice(chunks, AHEAD))
        while window:
            parts = window.popleft().result()
            for c in islice(chunks, 1):
                window.append(pool.submit(dump, c))
            yield from parts


def _chunks(graphs: list[ox.NamedNode]) -> list[list[ox.NamedNode]]:
    return [graphs[k : k + CHUNK] for k in range(0, len(graphs), CHUNK)]


def distinct_parts(dumps: Iterable[bytes]) -> Iterator[bytes]:
    """N-Triples parts without the lines an earlier part had; each part ends with a newline."""
    seen: set[bytes] = set()
    for part in dumps:
        if not part:
            continue
        if not part.endswith(b"\n"):
            part += b"\n"
        lines = part.split(b"\n")
        lines.pop()  # after the last newline
        repeated = seen.intersection(lines)
        seen.update(lines)
        if not repeated:
            yield part
        elif len(repeated) < len(lines):
            yield b"\n".join(ln for ln in lines if ln not in repeated) + b"\n"


def union_ntriples(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> bytes:
    """The distinct triples of ``graphs`` as one N-Triples text."""
    return b"".join(distinct_parts(graph_dumps(store, graphs)))


def union_triples(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> Iterator[ox.Triple]:
    """The same triples as pyoxigraph objects, in the same order, for the other syntaxes' serialisers."""
    for part in distinct_parts(graph_dumps(store, graphs)):
        yield from ox.parse(part, ox.RdfFormat.N_TRIPLES)


__all__ = ["AHEAD", "CHUNK", "THREADS", "distinct_parts", "graph_dumps", "union_ntriples", "union_triples"]
