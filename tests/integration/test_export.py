from rdflib import Graph

from graph import KnowledgeGraph


def test_turtle_is_deterministic_and_parses(seed_store):
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        a = kg.serialize("turtle")
        b = kg.serialize("turtle")
        assert a == b
        assert "@prefix kg:" in a
        g = Graph().parse(data=a, format="turtle")
        assert len(g) == len(kg.store)
        for fmt in ("ntriples", "nquads", "trig", "jsonld"):
            assert kg.serialize(fmt)


def test_rebuild_gives_byte_identical_export(seed_store, tmp_path):
    from graph import build
    from tests.conftest import ROOT

    kg2 = build([ROOT / "seeds"], store=tmp_path / "again", use_statistical=False)
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        assert kg.serialize("turtle") == kg2.serialize("turtle")
    kg2.close()


def test_language_tags_keep_script_case(seed_store):
    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        ttl = kg.serialize("turtle")
        assert "@zh-Hant" in ttl and "@zh-Hans" in ttl
        assert "@zh-hant" not in ttl and "@zh-hans" not in ttl
        assert '"zh-Hant"' in kg.serialize("jsonld")


def test_union_export_writes_a_triple_two_documents_state_once(tmp_path):
    from graph import KnowledgeGraph

    with KnowledgeGraph.open(tmp_path / "s") as kg:
        kg.add(["中國工商銀行與招商銀行達成合作。", "據報道，中國工商銀行與招商銀行達成合作。"], use_statistical=False)
        lines = kg.serialize("ntriples").splitlines()
    partner = [ln for ln in lines if "#partnerOf>" in ln]
    assert partner and len(lines) == len(set(lines))
    assert len(partner) == len(set(partner))


def test_ntriples_written_graph_by_graph_are_the_whole_dump(seed_store, tmp_path):
    import pyoxigraph as ox

    from graph.export.serialize import _write

    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        path = tmp_path / "x.nt"
        kg.serialize("ntriples", destination=path)
        whole = _write(kg.store.dump(ox.RdfFormat.N_TRIPLES), None)
        assert path.read_bytes() == whole == kg.serialize("ntriples").encode("utf-8")
        assert b"@zh-Hant" in whole and b"@zh-hant" not in whole
        assert len(whole.splitlines()) == len(set(whole.splitlines())) == len(kg.store)
