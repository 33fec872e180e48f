"""The SPARQL layer the API, the CLI and `kg serve` share: classify, prepare, formats, the time-limit runner."""

from __future__ import annotations

import io
import json
import os
import pickle
import time

import pytest
from rdflib import BNode, Literal, URIRef

from graph.store.classify import inspect_sparql, is_update, uses_service
from graph.store.formats import (
    BY_NAME,
    GRAPH_TYPES,
    RESULT_TYPES,
    RESULTS_AS_GRAPH,
    default_for,
    graph_format,
    write_result,
)
from graph.store.sparql import QueryError, prepare
from graph.store.timeout import QueryTimeout, WorkerDied, run_in_child

# -- classification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("prefix x: <http://x/>\nconstruct { ?s ?p ?o } where { ?s ?p ?o }", "CONSTRUCT"),
        ("# INSERT in a comment\nASK {}", "ASK"),
        ("BASE <http://a/> DESCRIBE <b>", "DESCRIBE"),
        ("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
        ("DROP ALL", "UPDATE"),
        ("SELEC ?s", "SELEC"),  # not a form: the syntax check says why
    ],
)
def test_one_classifier_for_every_caller(sparql: str, form: str) -> None:
    info = inspect_sparql(sparql)
    assert info.form == form
    assert is_update(sparql) is (form == "UPDATE") is info.is_update


def test_keywords_in_strings_iris_and_comments_do_not_count() -> None:
    text = 'SELECT * WHERE {\n ?s ?p """a\ninsert data""" . ?s <http://example.org/SERVICE> ?o } # SERVICE'
    assert not is_update(text) and not uses_service(text)
    assert uses_service("SELECT * WHERE { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }")  # decoded first
    assert not is_update("SELECT * WHERE {\n  ?s with:p ?o }")  # a prefixed name, not the keyword


# -- prepare -----------------------------------------------------------------------------------


def test_prepare_declares_prefixes_parses_bindings_and_classifies() -> None:
    p = prepare("relations-of", ["name=南京銀行"])
    assert p.form == "SELECT" and not p.is_update
    assert p.sparql.endswith(p.text) and "PREFIX kg:" in p.sparql and "PREFIX kg:" not in p.text
    assert p.bindings == {"name": Literal("南京銀行")}
    assert prepare("ASK { ?s ?p ?o }", {"s": URIRef("urn:x")}).bindings == {"s": URIRef("urn:x")}


def test_prepare_reports_in_order_name_binding_syntax() -> None:
    with pytest.raises(QueryError, match="unknown named query"):
        prepare("no-such-query", ["novalue"])
    with pytest.raises(QueryError, match="VAR=VALUE"):
        prepare("SELECT WHERE {", ["novalue"])
    with pytest.raises(QueryError, match=r"^SPARQL syntax error at line 2, column \d+"):
        prepare("SELECT ?s WHERE {\n  ?s a kg:Bank ; kg:name }")  # the user's line, not the prefixed text's


# -- formats -------------------------------------------------------------------------------------


def test_one_table_of_media_types() -> None:
    assert list(RESULT_TYPES)[:5] == ["application/sparql-results+json", "application/json",
                                      "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
    assert list(RESULT_TYPES)[-2:] == ["application/xml", "text/xml"]  # generic types last
    assert list(GRAPH_TYPES)[0] == "text/turtle" and list(GRAPH_TYPES)[-1] == "application/xml"
    assert GRAPH_TYPES["application/xml"].name == "rdfxml" and RESULT_TYPES["application/xml"].name == "xml"
    assert RESULTS_AS_GRAPH == {"application/sparql-results+json": "application/ld+json",
                                "application/json": "application/ld+json",
                                "application/sparql-results+xml": "application/rdf+xml"}
    assert BY_NAME["ttl"] is BY_NAME["n3"] is BY_NAME["turtle"] and BY_NAME["json-ld"].name == "jsonld"
    assert default_for("ASK").name == "json" and default_for("DESCRIBE").name == "turtle"
    assert [graph_format(BY_NAME[n]).name for n in ("json", "xml", "csv", "ntriples")] == ["jsonld", "rdfxml", "turtle", "ntriples"]


class _Rows:
    """A stand-in for graph.api.QueryResult with two rows."""

    type = "SELECT"
    vars = ["s", "n", "none"]
    rows = [(URIRef("urn:a"), Literal(3), None),
            (BNode("b1"), Literal("中文", lang="zh-Hant"), Literal("x", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string")))]
    askAnswer = False
    graph = None
    raw = None


def _written(result: object, name: str) -> str:
    buf = io.StringIO()
    write_result(result, name, buf)  # type: ignore[arg-type]
    return buf.getvalue()


def test_result_writers() -> None:
    data = json.loads(_written(_Rows(), "json"))
    assert data["head"]["vars"] == ["s", "n", "none"]
    first, second = data["results"]["bindings"]
    assert first == {"s": {"type": "uri", "value": "urn:a"},
                     "n": {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    assert second["s"]["type"] == "bnode" and second["n"]["xml:lang"] == "zh-Hant" and "datatype" not in second["none"]
    assert _written(_Rows(), "csv") == "s,n,none\nurn:a,3,\nb1,中文,x\n"
    assert _written(_Rows(), "tsv").splitlines()[1] == "urn:a\t3\t"
    with pytest.raises(ValueError, match="cannot be written as turtle"):
        _written(_Rows(), "turtle")
    with pytest.raises(ValueError, match="unknown format"):
        _written(_Rows(), "yaml")


def test_api_result_serialize_and_pickle(seed_store) -> None:
    from graph import KnowledgeGraph

    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        select = kg.query("SELECT ?s ?l WHERE { ?s a kg:Bank ; rdfs:label ?l } ORDER BY ?s ?l")
        ask = kg.query("ASK { ?s a kg:Bank }")
        graph = kg.query("CONSTRUCT WHERE { ?s a kg:Bank }")
    for result in (select, ask, graph):  # detached from the store, whole
        copy = pickle.loads(pickle.dumps(result))
        assert copy.type == result.type and copy.vars == result.vars and len(copy) == len(result)
        assert copy.serialize("json") == result.serialize("json") or result.type == "CONSTRUCT"
    assert pickle.loads(pickle.dumps(select)).rows == select.rows
    assert json.loads(ask.serialize("json")) == {"head": {}, "boolean": True} and ask.serialize("csv") == "true\n"
    assert "<sparql" in select.serialize("xml")
    assert graph.serialize("ntriples").count(" .\n") == len(graph.graph)
    assert json.loads(graph.serialize("json"))  # JSON-LD for a graph


# -- the time-limit runner -------------------------------------------------------------------------


def _pid_and(x: int) -> tuple[int, int]:
    return os.getpid(), x * 2


def _fail_with(exc: BaseException) -> None:
    raise exc


class _Odd(ValueError):
    def __init__(self, code: int, why: str) -> None:  # pickles badly: its args are not its signature
        super().__init__(f"{why} ({code})")


def _odd() -> None:
    raise _Odd(7, "odd")


def _sleep() -> None:
    time.sleep(60)


def _die() -> None:
    os._exit(3)


def test_runner_returns_and_raises_in_the_parent() -> None:
    pid, value = run_in_child(_pid_and, 21, timeout=20)
    assert pid != os.getpid() and value == 42
    with pytest.raises(SyntaxError, match="bad"):
        run_in_child(_fail_with, SyntaxError("bad"), timeout=20)
    with pytest.raises(ValueError, match=r"odd \(7\)") as info:
        run_in_child(_odd, timeout=20)
    assert type(info.value) is ValueError  # the nearest built-in class, same message


def test_runner_kills_after_the_time_limit() -> None:
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        run_in_child(_sleep, timeout=0.3)
    assert info.value.seconds == 0.3 and time.monotonic() - t0 < 5
    with pytest.raises(WorkerDied):
        run_in_child(_die, timeout=20)


def test_api_query_with_timeout(seed_store, tmp_path) -> None:
    from graph import KnowledgeGraph

    with KnowledgeGraph.open(seed_store, read_only=True) as kg:
        q = "SELECT ?s ?l WHERE { ?s a kg:Bank ; rdfs:label ?l } ORDER BY ?s ?l"
        assert kg.query(q, timeout=30).rows == kg.query(q).rows
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
        t0 = time.monotonic()
        with pytest.raises(QueryTimeout):
            kg.query(heavy, timeout=0.5)
        assert time.monotonic() - t0 < 10
        assert kg.query("ASK { ?s ?p ?o }", timeout=30).askAnswer  # the store is still usable
