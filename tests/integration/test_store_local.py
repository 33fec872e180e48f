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


# -- the write path: the background writer (graph.store.writer) ------------------------------
ENT = "https://w3id.org/cnfinkg/id/example-co"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def _body(doc: str) -> str:
    return (f"<{doc}> <https://w3id.org/cnfinkg/ontology#contentHash> \"h\" .\n"
            f"<{doc}-m> <https://w3id.org/cnfinkg/ontology#refersTo> <{ENT}> .")


def test_queued_documents_are_seen_and_the_first_describes_an_entity(tmp_path):
    from graph.vocab import ENTITY_GRAPH, KGDOC

    with GraphStore(tmp_path / "s") as st:
        a, b = KGDOC["a"], KGDOC["b"]
        st.replace_document(a, _body(a), entities=f'<{ENT}> {TYPE} <https://w3id.org/cnfinkg/ontology#Company> .\n<{ENT}> {LABEL} "甲"@zh-Hant .')
        st.replace_document(b, _body(b), entities=f'<{ENT}> {TYPE} <https://w3id.org/cnfinkg/ontology#Bank> .\n<{ENT}> {LABEL} "乙"@zh-Hant .')
        assert st._writer.pending  # both still queued: the second was planned without reading the store
        assert set(st.document_graphs()) == {a, b}  # a read waits for them
        shared = ox_values(st, f"SELECT ?t WHERE {{ GRAPH <{ENTITY_GRAPH}> {{ <{ENT}> a ?t }} }}")
        assert shared == ["https://w3id.org/cnfinkg/ontology#Company"]
        st.remove_document(a)
        st.replace_document(b, _body(b), entities=f'<{ENT}> {TYPE} <https://w3id.org/cnfinkg/ontology#Bank> .')
        assert ox_values(st, f"SELECT ?t WHERE {{ GRAPH <{ENTITY_GRAPH}> {{ <{ENT}> a ?t }} }}") == [
            "https://w3id.org/cnfinkg/ontology#Bank"]  # rebuilt alone: described afresh


def ox_values(st: GraphStore, sparql: str) -> list[str]:
    return sorted(next(iter(sol)).value for sol in st.ox.query(sparql))


def test_a_document_the_store_cannot_take_is_a_one_line_error(tmp_path):
    import pytest

    from graph.store.local import StoreError
    from graph.vocab import KGDOC

    st = GraphStore(tmp_path / "s")
    st.replace_document(KGDOC["bad"], "<a> <b> this is not N-Triples")
    with pytest.raises(StoreError, match="cannot write a document") as info:
        st.document_graphs()
    assert "\n" not in str(info.value)
    st.replace_document(KGDOC["good"], _body(KGDOC["good"]))  # the store goes on
    assert st.document_graphs() == [KGDOC["good"]]
    st._writer.batch_docs = st._writer._limit = 1  # a batch per document: the failure shows at the next one
    st.replace_document(KGDOC["bad2"], "<a> <b> this is not N-Triples")
    st._writer._queue.join()
    with pytest.raises(StoreError, match="cannot write a document"):
        st.replace_document(KGDOC["next"], _body(KGDOC["next"]))
    st.close()


def test_count_is_the_number_of_distinct_triples(tmp_path):
    kg = build([TEXT_A, TEXT_B, "招商銀行與騰訊簽署協議。"], store=tmp_path / "s", use_statistical=False)
    q = ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
         "FILTER(?g != <https://w3id.org/cnfinkg/ontology>) } }")
    distinct = int(next(iter(kg.store.ox.query(q)))["n"].value)
    assert kg.store.count() == distinct < len(list(kg.store.quads()))  # some triples are in two graphs
    assert len(kg.serialize("ntriples").splitlines()) == distinct
    kg.close()


def test_a_store_dropped_without_close_commits_and_lets_go_of_its_lock(tmp_path):
    import gc

    from graph.vocab import KGDOC

    st = GraphStore(tmp_path / "s")
    for i in range(3):
        st.replace_document(KGDOC[f"d{i}"], _body(KGDOC[f"d{i}"]))
    st.flush()  # the writer's thread is running now
    st.replace_document(KGDOC["last"], _body(KGDOC["last"]))  # still in the writer's batch
    del st
    gc.collect()
    with GraphStore(tmp_path / "s") as again:  # not locked
        assert len(again.document_graphs()) == 4
