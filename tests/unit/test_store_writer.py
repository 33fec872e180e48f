"""The background writer (graph.store.writer) and the union dump (graph.store.union), on in-memory stores."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from graph.rdf.mapping import nt_term, ntriples_lines, to_ntriples
from graph.store import writer as writer_mod
from graph.store.union import distinct_parts, union_ntriples
from graph.store.writer import FIRST_BATCH_DOCS, Writer

G1, G2 = "http://example.org/g1", "http://example.org/g2"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _doc(graph: str, n: int) -> bytes:
    return f"<{graph}> {{ <http://example.org/s{n}> <http://example.org/p> \"{n}\" . }}\n".encode()


class _Recorder:
    """A store that records the batches it is given."""

    def __init__(self) -> None:
        self.batches: list[bytes] = []

    def bulk_load(self, data: bytes, format: ox.RdfFormat) -> None:  # noqa: A002 - pyoxigraph's name
        self.batches.append(data)


def test_documents_are_committed_in_order_and_visible_after_drain():
    store = ox.Store()
    w = Writer(store, bulk=False)
    for i in range(5):
        w.put(f"{G1}/{i}", _doc(f"{G1}/{i}", i))
    assert w.pending == {f"{G1}/{i}" for i in range(5)}
    w.drain()
    assert w.pending == set()
    assert sorted(g.value for g in store.named_graphs()) == sorted(f"{G1}/{i}" for i in range(5))
    w.close()


def test_batches_start_small_and_double():
    rec = _Recorder()
    w = Writer(rec, bulk=True, batch_docs=4 * FIRST_BATCH_DOCS)  # type: ignore[arg-type]
    total = FIRST_BATCH_DOCS + 2 * FIRST_BATCH_DOCS + 4 * FIRST_BATCH_DOCS + 4 * FIRST_BATCH_DOCS + 1
    for i in range(total):
        w.put(f"{G1}/{i}", _doc(f"{G1}/{i}", i))
    w.close()
    sizes = [b.count(b"> {") for b in rec.batches]
    assert sizes == [FIRST_BATCH_DOCS, 2 * FIRST_BATCH_DOCS, 4 * FIRST_BATCH_DOCS, 4 * FIRST_BATCH_DOCS, 1]
    assert b"".join(rec.batches) == b"".join(_doc(f"{G1}/{i}", i) for i in range(total))


def test_a_batch_closes_when_it_has_waited_long_enough(monkeypatch):
    rec = _Recorder()
    w = Writer(rec, bulk=True)  # type: ignore[arg-type]
    monkeypatch.setattr(writer_mod, "MAX_WAIT", 0.0)
    w.put(G1, _doc(G1, 1))
    w.put(G2, _doc(G2, 2))
    w.close()
    assert len(rec.batches) == 2


def test_a_failed_batch_writes_nothing_and_stops_later_ones(tmp_path):
    store = ox.Store(str(tmp_path / "s"))
    w = Writer(store, bulk=True, batch_docs=2)
    w.put(G1, _doc(G1, 1))
    w.put(G2, b"<http://example.org/g2> { this is not TriG }\n")  # closes the first batch: both documents
    with pytest.raises(SyntaxError):
        w.drain()
    assert len(store) == 0 and w.pending == set()
    w.put(G1, _doc(G1, 3))  # the writer goes on after the error was told
    w.close()
    assert len(store) == 1


def test_nt_term_writes_every_literal_on_one_line_as_rdflib_means_it():
    terms = [Literal("第一行\n第二行「引號」\"quote\" back\\slash\r"), Literal("甲", lang="zh-Hant"), Literal(5),
             Literal(Decimal("0.900"), datatype=URIRef(XSD + "decimal")), Literal("x", datatype=URIRef(XSD + "string")), URIRef("http://example.org/a")]
    s = URIRef("http://example.org/s")
    triples = [(s, URIRef(f"http://example.org/p{i}"), t) for i, t in enumerate(terms)]
    text = ntriples_lines(triples)
    assert len(text.splitlines()) == len(triples)
    ours = set(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES))
    rdflibs = set(ox.parse("\n".join(f"{a.n3()} {b.n3()} {c.n3()} ." for a, b, c in triples).encode(), ox.RdfFormat.TURTLE))
    assert ours == rdflibs
    assert to_ntriples(triples) == "\n".join(sorted(text.splitlines()))


def test_nt_term_refuses_what_is_not_an_iri():
    with pytest.raises(ValueError, match="valid IRI"):
        nt_term(URIRef("http://example.org/a b"))


def test_distinct_parts_keep_first_occurrences_in_order():
    a = b"<a> <p> <x> .\n<b> <p> <y> .\n"
    b = b"<c> <p> <z> .\n<a> <p> <x> .\n<d> <p> <w> ."
    out = list(distinct_parts([a, b, b"", a]))
    assert out[0] is a  # all new: passed on as it came
    assert out[1:] == [b"<c> <p> <z> .\n<d> <p> <w> .\n"]  # the whole last part was repeated: nothing


def test_union_is_distinct_and_the_same_whatever_the_writing_order(tmp_path):
    """On disk, Oxigraph's index order is a function of the content alone (in memory it is not)."""
    quads = [f"<http://example.org/s{i % 7}> <http://example.org/p> \"{i % 5}\" <{g}> ." for i in range(40) for g in (G1, G2)]
    graphs = [ox.NamedNode(G1), ox.NamedNode(G2)]
    stores = []
    for k, order in enumerate((quads, quads[::-1])):
        store = ox.Store(str(tmp_path / str(k)))
        store.load("\n".join(order).encode(), format=ox.RdfFormat.N_QUADS)
        stores.append(union_ntriples(store, graphs))
    assert stores[0] == stores[1]
    lines = stores[0].splitlines()
    assert len(lines) == len(set(lines)) == len({(i % 7, i % 5) for i in range(40)})
