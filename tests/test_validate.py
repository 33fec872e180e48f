from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from graph import KnowledgeGraph
from graph.validate import validate
from graph.vocab import KG, KGID


def test_seed_graph_validates_clean(seed_store):
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        report = kg.validate()
    assert report.conforms, report.violations[:5]


def test_broken_graph_is_caught_with_readable_message(seed_store):
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        g = Graph().parse(data=kg.serialize("turtle"), format="turtle")
    # a relation with no evidence, and an organisation holding a position
    g.add((KGID["bank-of-nanjing"], KG.partnerOf, KGID["tencent"]))
    g.add((KGID["tencent"], RDF.type, KG.TechnologyCompany))
    g.add((KGID["bank-of-nanjing"], KG.holdsPosition, URIRef(KGID["tencent"])))
    g.add((KGID["bank-of-nanjing"], KG.mentionCount, Literal(1)))
    report = validate(g)
    assert not report.conforms
    assert any("Bank of Nanjing" in v.label for v in report.violations)
    assert all(v.rule for v in report.violations)
