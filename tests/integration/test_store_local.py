from graph import build
from graph.store.local import GraphStore

TEXT_A = "騰訊與招商銀行達成合作。"
TEXT_B = "據報道,騰訊與招商銀行達成合作,雙方將共建實驗室。"


def test_rebuild_replaces_document_without_duplicates(tmp_path):
    kg = build([TEXT_A], store=tmp_path / "s", use_statistical=False)
    n = len(kg.store)
    kg.add([TEXT_A], force=True, use_statistical=False)
    assert len(kg.store) == n
    kg.close()


def test_removal_keeps_fact_supported_elsewhere(tmp_path):
    kg = build([TEXT_A, TEXT_B], store=tmp_path / "s", use_statistical=False)
    q = "SELECT (COUNT(?st) AS ?n) WHERE { ?st a rdf:Statement ; rdf:predicate kg:partnerOf }"
    assert int(kg.query(q).rows[0][0]) == 2
    from graph.ingest.reader import key_for_text

    kg.remove([key_for_text(TEXT_A)])
    assert int(kg.query(q).rows[0][0]) == 1
    assert kg.query("ASK { ?a kg:partnerOf ?b }").askAnswer
    kg.remove([key_for_text(TEXT_B)])
    assert not kg.query("ASK { ?a kg:partnerOf ?b }").askAnswer
    assert not kg.query("ASK { ?e kg:mentionCount ?n }").askAnswer
    kg.close()


def test_unchanged_documents_are_skipped(tmp_path):
    kg = build([TEXT_A], store=tmp_path / "s", use_statistical=False)
    report = kg.add([TEXT_A], use_statistical=False)
    assert report.skipped_unchanged == 1 and report.documents == 0
    kg.close()


def test_store_persists_on_disk(tmp_path):
    build([TEXT_A], store=tmp_path / "s", use_statistical=False).close()
    with GraphStore(tmp_path / "s", read_only=True) as st:
        assert st.stats()["documents"] == 1


def test_long_text_is_not_mistaken_for_a_path(tmp_path):
    text = "騰訊與招商銀行達成合作，" * 40 + "。"
    kg = build([text], store=tmp_path / "s", use_statistical=False)
    assert kg.stats()["documents"] == 1
    kg.close()


# -- the read interface viz and export use (graph.store.base.ReadableStore) ----------------
def test_local_store_answers_the_read_interface(tmp_path):
    import pyoxigraph as ox
    import pytest

    from graph.store.base import ReadableStore, Solutions
    from graph.vocab import sparql_prefixes

    kg = build([TEXT_A], store=tmp_path / "s", use_statistical=False)
    st = kg.store
    assert isinstance(st, ReadableStore)
    q = sparql_prefixes() + "SELECT ?e ?none WHERE { ?e kg:mentionCount ?c } ORDER BY ?e"
    res = st.select(q)
    assert isinstance(res, Solutions) and res.variables == ("e", "none")
    assert res.rows and all(isinstance(r["e"], ox.NamedNode) and r["none"] is None for r in res.rows)
    assert st.select(sparql_prefixes() + "SELECT ?x WHERE { ?x a kg:NoSuchClass }") == Solutions(("x",), [])
    triples = st.construct(sparql_prefixes() + "CONSTRUCT { ?a kg:partnerOf ?b } WHERE { ?a kg:partnerOf ?b }")
    assert triples and all(isinstance(t, ox.Triple) for t in triples)
    with pytest.raises(ValueError):
        st.select("ASK { ?s ?p ?o }")
    with pytest.raises(ValueError):
        st.construct("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(SyntaxError):
        st.select("SELEC ?x WHERE { ?x ?p ?o }")
    nt = st.dump(ox.RdfFormat.N_TRIPLES)
    assert nt == st.dump(ox.RdfFormat.N_TRIPLES) and len(nt.splitlines()) == len(st)
    nq = st.dump(ox.RdfFormat.N_QUADS, named_graphs=True)
    assert len(nq.splitlines()) == len(list(st.quads())) >= len(st)
    assert len(st.dump(ox.RdfFormat.N_QUADS, named_graphs=True, include_ontology=True).splitlines()) > len(nq.splitlines())
    kg.close()
