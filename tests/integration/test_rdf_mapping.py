from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from graph.ingest.reader import parse_text
from graph.rdf.mapping import document_graph
from graph.vocab import KG


def _graph(run, text):
    meta = parse_text(text, "t1")
    return document_graph(run(text), meta), meta


def test_relations_are_direct_triples_with_reified_evidence(run):
    g, meta = _graph(run, "去年騰訊與招商銀行達成合作。")
    (s, p, o) = next((s, p, o) for s, p, o in g if p == KG.partnerOf)
    st = next(g.subjects(RDF.subject, s))
    assert g.value(st, RDF.predicate) == p and g.value(st, RDF.object) == o
    assert g.value(st, KG.sentence) is not None and g.value(st, KG.confidence) is not None
    assert int(g.value(st, KG.end)) > int(g.value(st, KG.start))


def test_entities_typed_and_labelled(run):
    g, _ = _graph(run, "星河證券宣布上線新平台。")
    ents = set(g.subjects(KG.mentionCount, None))
    assert ents
    for e in ents:
        langs = {lit.language for lit in g.objects(e, RDFS.label)}
        assert {"en", "zh-Hant", "zh-Hans"} <= langs
        assert g.value(e, RDF.type) is not None


def test_same_text_same_triples(run):
    a, _ = _graph(run, "騰訊與招商銀行簽約,金額達10億元。")
    b, _ = _graph(run, "騰訊與招商銀行簽約,金額達10億元。")
    assert sorted(a) == sorted(b)
    Graph().parse(data=a.serialize(format="turtle"), format="turtle")


def test_one_fact_stated_twice_in_a_sentence_has_one_evidence_record_with_one_confidence(run):
    """Two layers (rules and the classifier) may state the same fact in one sentence."""
    from dataclasses import replace

    text = "去年騰訊與招商銀行達成合作。"
    doc = run(text)
    rel = next(r for r in doc._.relations if r.prop == KG.partnerOf)
    doc._.relations = [*doc._.relations, replace(rel, confidence=rel.confidence / 2, extractor="model")]
    g = document_graph(doc, parse_text(text, "t1"))
    records = [st for st in g.subjects(RDF.type, RDF.Statement) if g.value(st, RDF.predicate) == KG.partnerOf]
    assert len(records) == 1
    assert [float(c) for c in g.objects(records[0], KG.confidence)] == [rel.confidence]


def test_every_mention_is_read_in_one_sentence_stored_once(run):
    text = "招商銀行與騰訊達成合作。招商銀行行長表示，雙方將共同開發新產品。騰訊未予置評。"
    g, _ = _graph(run, text)
    mentions = list(g.subjects(RDF.type, KG.Mention))
    assert len(mentions) >= 4
    sentences = set()
    for m in mentions:
        (s,) = list(g.objects(m, KG.inSentence))
        assert g.value(s, RDF.type) == KG.Sentence
        start, end = int(g.value(s, KG.start)), int(g.value(s, KG.end))
        assert start <= int(g.value(m, KG.start)) < int(g.value(m, KG.end)) <= end
        assert str(g.value(m, KG.text)) in str(g.value(s, KG.text))
        sentences.add(s)
    assert len(sentences) < len(mentions)  # two mentions in one sentence share its node
    assert len(list(g.subjects(RDF.type, KG.Sentence))) == len(sentences)
