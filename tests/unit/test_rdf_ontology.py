import pytest
from rdflib import Graph

from graph.nlp.kb import load_kb
from graph.rdf.ontology import TOP_CLASSES, load_ontology
from graph.vocab import ONTOLOGY_DIR


def test_every_class_reaches_a_top_class():
    onto = load_ontology()
    assert len(onto.classes) >= 30
    for c in onto.classes:
        assert onto.top_class(c) in TOP_CLASSES, c


def test_properties_have_domain_and_range():
    onto = load_ontology()
    for name in ("subsidiaryOf", "partnerOf", "holdsPosition", "issued", "builtOn", "regulates"):
        info = onto.properties[onto.graph.namespace_manager.expand_curie(f"kg:{name}")] if False else None
        from graph.vocab import KG

        info = onto.properties[KG[name]]
        assert info.domain and info.range, name
    assert onto.properties[KG.partnerOf].symmetric


def test_knowledge_base_is_broad_and_bilingual():
    kb = load_kb()
    assert len(kb) >= 300
    for e in kb.entries.values():
        assert e.english, e.iri
        if any(not n.isascii() for n in e.labels.values()):
            assert "zh-Hant" in e.labels and "zh-Hans" in e.labels, e.iri


@pytest.mark.slow
def test_knowledge_base_conforms_to_shapes():
    from graph.rdf.validate import validate

    g = Graph()
    for path in sorted((ONTOLOGY_DIR / "kb").glob("*.ttl")):
        g.parse(path)
    report = validate(g)
    assert report.conforms, report.violations[:5]
