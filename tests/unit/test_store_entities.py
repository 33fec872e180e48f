"""Planning the shared entity graph's operations (graph/store/entities.py) with a scripted query runner."""

from __future__ import annotations

from graph.store.entities import Descriptions, plan_replace
from graph.vocab import ENTITY_GRAPH

ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
NT = "\n".join([
    '<http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://k/Bank> .',
    '<http://e/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en .',
    f'<http://e/a> {ALT} "A1"@en .',
    '<http://e/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://k/Person> .',
])


def test_descriptions_group_by_entity():
    d = Descriptions.parse(NT)
    assert sorted(d.by_entity) == ["http://e/a", "http://e/b"]
    assert len(d.by_entity["http://e/a"]) == 3


def test_described_entities_only_add_alternative_labels():
    lines = Descriptions.parse(NT).lines_to_add({"http://e/a"})
    assert lines == [f'<http://e/a> {ALT} "A1"@en .', '<http://e/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://k/Person> .']


def _runner(sole: set[str], described: set[str]):
    def select(sparql: str) -> list[str]:
        return sorted(sole if "FILTER NOT EXISTS" in sparql else described)
    return select


def test_plan_deletes_sole_entities_then_describes_new_ones():
    ops = plan_replace(_runner(sole={"http://e/old", "http://e/a"}, described={"http://e/a"}), "http://d/1", NT)
    assert ops[0].startswith("DELETE") and "<http://e/a>" in ops[0] and "<http://e/old>" in ops[0]
    insert = ops[1]
    assert insert.startswith(f"INSERT DATA {{ GRAPH <{ENTITY_GRAPH}>")
    # a was described only by this document: it is described afresh, label and all
    assert '"A"@en' in insert and "<http://e/b>" in insert


def test_plan_keeps_descriptions_other_documents_share():
    ops = plan_replace(_runner(sole=set(), described={"http://e/a", "http://e/b"}), "http://d/1", NT)
    assert len(ops) == 1 and '"A"@en' not in ops[0] and '"A1"@en' in ops[0]


def test_remove_plan_has_no_insert():
    ops = plan_replace(_runner(sole={"http://e/a"}, described=set()), "http://d/1", None)
    assert len(ops) == 1 and ops[0].startswith("DELETE")
