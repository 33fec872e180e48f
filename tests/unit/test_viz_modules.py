"""The viz package's shape: small modules, a public surface in ``graph.viz``, styling as data, stores read
only through :class:`graph.store.base.ReadableStore` (no backend internals), so any backend can be drawn."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest

import graph.viz
from graph.store.base import ReadableStore, Solutions, Term

ROOT = Path(__file__).resolve().parents[2]
VIZ = ROOT / "graph" / "viz"
EXPORT = ROOT / "graph" / "export"
KG = "https://w3id.org/cnfinkg/ontology#"
A, B, C = (f"https://example.org/id/{x}" for x in ("a", "b", "c"))


def _modules(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.glob("*.py"))


def test_every_public_name_is_importable_from_graph_viz():
    for name in graph.viz.__all__:
        assert getattr(graph.viz, name) is not None, name
    assert not (VIZ / "viewer.py").exists(), "the old all-in-one module is gone"


@pytest.mark.parametrize("path", _modules(VIZ, EXPORT), ids=lambda p: p.name)
def test_modules_and_functions_stay_small(path: Path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 500
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None and node.end_lineno - node.lineno + 1 <= 80, node.name


@pytest.mark.parametrize("path", _modules(VIZ, EXPORT), ids=lambda p: p.name)
def test_viz_and_export_never_reach_into_a_backend(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\.ox\b", text), "use graph.store.base.ReadableStore, not the store's pyoxigraph object"
    assert "graph.store.local" not in text and "graph.store.remote" not in text


def test_style_table_is_complete():
    from graph.viz import style

    assert len(style.PALETTE) == len(set(style.PALETTE)) == 20
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in style.PALETTE)
    assert len(style.CLASS_ORDER) == len(set(style.CLASS_ORDER))
    assert set(style.FAMILY_BORDER) == set(style.FAMILY_SHAPE)
    shapes = set(style.FAMILY_SHAPE.values()) | set(style.SPARE_SHAPES)
    assert shapes <= set(style.SHAPE_GLYPH), "every shape has a legend glyph"
    assert "diamond" not in style.SPARE_SHAPES, "the diamond stays the events' own"
    assert set(style.UI_TEXT) == set(style.LANGS)


class _MemoryStore:
    """A third backend in a few lines: an in-memory pyoxigraph store behind the read interface."""

    def __init__(self, nquads: str) -> None:
        self._ox = ox.Store()
        self._ox.load(nquads.encode(), ox.RdfFormat.N_QUADS)

    def select(self, sparql: str) -> Solutions:
        res = self._ox.query(sparql, use_default_graph_as_union=True)
        if not isinstance(res, ox.QuerySolutions):
            raise ValueError("not a SELECT query")
        return Solutions.of(res)

    def construct(self, sparql: str) -> list[ox.Triple]:
        res = self._ox.query(sparql, use_default_graph_as_union=True)
        if not isinstance(res, ox.QueryTriples):
            raise ValueError("not a CONSTRUCT query")
        return list(res)

    def triples(self, include_ontology: bool = False) -> Iterable[tuple[Term, Term, Term]]:
        return {(q.subject, q.predicate, q.object) for q in self._ox}

    def quads(self, include_ontology: bool = False) -> Iterable[ox.Quad]:
        return list(self._ox)

    def dump(self, fmt: ox.RdfFormat, *, named_graphs: bool = False, include_ontology: bool = False,
             prefixes: dict[str, str] | None = None) -> bytes:
        data = self.quads() if named_graphs else [ox.Triple(*t) for t in sorted(self.triples(), key=str)]
        return ox.serialize(data, None, fmt)

    def __len__(self) -> int:
        return len(self.triples())


def _memory_store() -> _MemoryStore:
    g = "<https://example.org/doc/1>"
    lines = [f'<{x}> <{KG}mentionCount> "1"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .' for x in (A, B, C)]
    lines += [f'<{x}> <http://www.w3.org/2000/01/rdf-schema#label> "{x[-1]}"@en {g} .' for x in (A, B, C)]
    lines += [f"<{A}> <{KG}partnerOf> <{B}> {g} .", f"<{B}> <{KG}investsIn> <{C}> {g} ."]
    return _MemoryStore("\n".join(lines) + "\n")


def test_any_backend_of_the_read_interface_can_be_drawn_and_exported(tmp_path):
    from graph.export import serialize

    st = _memory_store()
    assert isinstance(st, ReadableStore)
    g = graph.viz.to_networkx(st)
    assert sorted(g.nodes) == [A, B, C] and g.nodes[A]["label_en"] == "a"
    assert sorted((u, k, v) for u, v, k in g.edges(keys=True)) == [(A, "partnerOf", B), (B, "investsIn", C)]
    page = graph.viz.write_html(st, tmp_path / "m.html", shacl=False)
    assert page.read_text(encoding="utf-8").count('"label":"partnerOf"') == 1  # one edge drawn
    assert b"partnerOf" in serialize(st, "ntriples") and b"<graphml" in serialize(st, "graphml")


def test_query_selects_through_the_read_interface():
    st = _memory_store()
    g = graph.viz.to_networkx(st)
    # One line with a '#' inside an IRI before the form keyword: not a comment, still a CONSTRUCT.
    construct = f"PREFIX k: <{KG}> CONSTRUCT {{ ?s k:partnerOf ?o }} WHERE {{ ?s k:partnerOf ?o }}"
    sub = graph.viz.query_subgraph(st, g, construct)
    assert sorted(sub.nodes) == [A, B] and sub.number_of_edges() == 1
    induced = graph.viz.query_subgraph(st, g, f"SELECT ?e WHERE {{ VALUES ?e {{ <{B}> <{C}> }} }}")
    assert sorted(induced.nodes) == [B, C] and induced.number_of_edges() == 1
    with pytest.raises(ValueError, match="not valid SPARQL"):
        graph.viz.query_subgraph(st, g, "SELEC ?x WHERE { ?x ?p ?o }")
    with pytest.raises(ValueError, match="must be a CONSTRUCT"):
        graph.viz.query_subgraph(st, g, "ASK { ?s ?p ?o }")
