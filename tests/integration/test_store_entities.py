"""The shared entity graph (graph/store/entities.py) through the embedded store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph import KnowledgeGraph
from graph.vocab import ENTITY_GRAPH, KG

A = "中國工商銀行與招商銀行達成合作。"
B = "據報道，中國工商銀行與交通銀行簽署協議。"
C = "招商銀行發布年報，淨利潤增長5%。"


def _quads(kg: KnowledgeGraph, graph: str | None = None, predicate: str | None = None) -> list[ox.Quad]:
    g = ox.NamedNode(graph) if graph else None
    p = ox.NamedNode(predicate) if predicate else None
    return list(kg.store.ox.quads_for_pattern(None, p, None, g))


def _described(kg: KnowledgeGraph) -> set[str]:
    return {q.subject.value for q in _quads(kg, str(ENTITY_GRAPH))}


def _mentioned(kg: KnowledgeGraph) -> set[str]:
    return {q.object.value for q in _quads(kg, predicate=str(KG.refersTo))}


@pytest.fixture
def kg(tmp_path):
    with KnowledgeGraph.open(tmp_path / "s") as g:
        g.add([A, B, C], use_statistical=False)
        yield g


def test_each_label_is_stored_once_in_the_shared_graph(kg):
    labels = _quads(kg, predicate="http://www.w3.org/2000/01/rdf-schema#label")
    entity_labels = [q for q in labels if q.subject.value in _mentioned(kg)]
    assert entity_labels and all(q.graph_name.value == str(ENTITY_GRAPH) for q in entity_labels)
    keys = [(q.subject, q.object) for q in entity_labels]
    assert len(keys) == len(set(keys))
    # one rdf:type per entity, whatever the number of documents that mention it
    types = [q.subject for q in _quads(kg, str(ENTITY_GRAPH), "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")]
    assert len(types) == len(set(types)) == len(_described(kg))


def test_shared_graph_describes_exactly_the_mentioned_entities(kg):
    assert _described(kg) == _mentioned(kg)


def test_remove_retracts_only_entities_no_other_document_mentions(kg):
    before = _described(kg)
    docs = sorted(kg.store.document_graphs())
    assert len(docs) == 3 and str(ENTITY_GRAPH) not in map(str, docs)
    doc_b = next(d for d in docs if any(q.object.value == "交通銀行" for q in _quads(kg, str(d), str(KG.text))))
    only_b = {q.object.value for q in _quads(kg, str(doc_b), str(KG.refersTo))}
    assert kg.remove([str(doc_b)]) == [str(doc_b)]
    after = _described(kg)
    assert after == _mentioned(kg)
    gone = before - after
    assert gone and gone <= only_b  # entities B shared with A or C stay described
    assert after  # the rest is still there


def test_removing_every_document_empties_the_shared_graph(kg):
    kg.remove([str(d) for d in kg.store.document_graphs()])
    assert _described(kg) == set()
    assert kg.store.document_graphs() == []


def test_rebuild_gives_the_same_store(tmp_path, kg):
    first = kg.serialize("nquads")
    kg.add([A, B, C], use_statistical=False, force=True)
    assert kg.serialize("nquads") == first
    with KnowledgeGraph.open(tmp_path / "fresh") as fresh:
        fresh.add([A, B, C], use_statistical=False)
        assert fresh.serialize("nquads") == first
