"""The graph conventions of issue 2, checked on the seed's graph (a contract, not a quality score)."""

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from graph import KnowledgeGraph
from graph.rdf.ontology import TOP_CLASSES, load_ontology
from graph.vocab import KG, KGID


def _graph(seed_store) -> Graph:
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        return Graph().parse(data=kg.serialize("turtle"), format="turtle")


def test_card_entities_and_relations_with_evidence(seed_store):
    g = _graph(seed_store)
    by_label = {str(o): s for s, o in g.subject_objects(RDFS.label) if getattr(o, "language", None) == "en"}
    for name in ("Ant Financial", "Alibaba Cloud", "Bank of Nanjing", "CBRC"):
        assert name in by_label, name
    ant, cloud, bon = by_label["Ant Financial"], by_label["Alibaba Cloud"], by_label["Bank of Nanjing"]
    linked = {(s, o) for s, p, o in g if str(p).startswith(str(KG)) and isinstance(o, type(ant))}
    assert (ant, cloud) in linked or (cloud, ant) in linked
    assert (ant, bon) in linked or (bon, ant) in linked
    for s, o in ((ant, cloud), (ant, bon)):
        sts = [st for st in g.subjects(RDF.subject, s) if g.value(st, RDF.object) == o]
        assert sts and all(g.value(st, KG.sentence) for st in sts)


def test_every_entity_typed_under_a_top_class_with_labels(seed_store):
    g = _graph(seed_store)
    onto = load_ontology()
    for e in set(g.subjects(KG.mentionCount, None)):
        assert str(e).startswith(str(KGID))
        types = set(g.objects(e, RDF.type))
        assert any(onto.top_class(t) in TOP_CLASSES for t in types), e
        langs = {(o.language or "").lower() for o in g.objects(e, RDFS.label) if isinstance(o, Literal)}
        assert "en" in langs and ("zh-hant" in langs or "zh-hans" in langs), e
