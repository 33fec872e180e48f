from graph import build
from graph.vocab import SCHEMA


def test_reasoning_materialises_superclasses_and_symmetric_relations(tmp_path):
    kg = build(["去年騰訊與招商銀行達成合作。"], store=tmp_path / "s", use_statistical=False, reason=True)
    assert kg.query("ASK { kgid:china-merchants-bank a schema:Organization }").askAnswer
    assert kg.query("ASK { kgid:china-merchants-bank a kg:FinancialInstitution }").askAnswer
    both = kg.query("ASK { kgid:tencent kg:partnerOf kgid:china-merchants-bank . kgid:china-merchants-bank kg:partnerOf kgid:tencent }")
    assert both.askAnswer
    kg.close()


def test_without_reasoning_only_asserted_types(tmp_path):
    kg = build(["去年騰訊與招商銀行達成合作。"], store=tmp_path / "s", use_statistical=False)
    assert not kg.query(f"ASK {{ GRAPH ?g {{ kgid:china-merchants-bank a <{SCHEMA.Organization}> }} FILTER(?g != <https://w3id.org/cnfinkg/ontology>) }}").askAnswer
    kg.close()


def test_reasoned_graph_still_has_evidence_for_every_relation(tmp_path):
    kg = build(["中國銀行全資子公司星河金融科技有限公司在上海成立。去年騰訊與招商銀行達成合作。"], store=tmp_path / "s",
               use_statistical=False, reason=True)
    assert kg.query("ASK { ?a kg:hasSubsidiary ?b }").askAnswer
    report = kg.validate()
    assert report.conforms, report.violations[:3]
    kg.close()
