from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from graph import KnowledgeGraph
from graph.rdf.validate import validate
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


def _two_document_store(tmp_path):
    from graph import build
    from graph.ingest.reader import Document

    # China Merchants Bank: mentioned once in one document, twice in the other.
    docs = [Document(text="中國工商銀行與招商銀行達成合作。", key="one"),
            Document(text="招商銀行與中國工商銀行簽署協議。招商銀行表示滿意。", key="two")]
    build(docs, store=tmp_path / "s", use_statistical=False).close()
    return tmp_path / "s"


def test_multi_document_store_validates_clean(tmp_path):
    store = _two_document_store(tmp_path)
    with KnowledgeGraph.open(store, read_only=True) as kg:
        counts = kg.query("SELECT DISTINCT ?n WHERE { kgid:china-merchants-bank kg:mentionCount ?n }").rows
        assert len(counts) == 2  # one count per document: two values in the union
        report = kg.validate()
    assert report.conforms, report.violations


def test_two_counts_in_one_document_graph_are_still_a_violation(tmp_path):
    store = _two_document_store(tmp_path)
    with KnowledgeGraph.open(store) as kg:
        graph_iri = "https://w3id.org/cnfinkg/doc/one"
        kg.query(f"INSERT DATA {{ GRAPH <{graph_iri}> {{ kgid:icbc kg:mentionCount 7 }} }}", allow_update=True)
        report = kg.validate()
    assert not report.conforms
    [v] = report.violations
    assert v.focus == str(KGID.icbc) and v.path == "mentionCount" and "one" in v.evidence
    assert "Mention count rule" in v.rule


def test_cli_validate_multi_document_store(tmp_path):
    from typer.testing import CliRunner

    from graph.cli.app import app

    r = CliRunner().invoke(app, ["validate", "--store", str(_two_document_store(tmp_path))])
    assert r.exit_code == 0, r.stdout
    assert "valid" in r.stdout
