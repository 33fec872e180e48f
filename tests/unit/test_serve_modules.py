"""The modules of `kg serve` one by one, without HTTP: protocol, gsp, jobs, description, server settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.serve.description import help_text, named_query_library, service_description
from graph.serve.gsp import requested_graph
from graph.serve.jobs import GSP_GET, LIST_GRAPHS, Job, run_job
from graph.serve.protocol import (
    RequestRefused,
    body_params,
    check_safe,
    description_type,
    graph_params,
    update_refusal,
)
from graph.serve.server import _normalise_origins
from graph.store.classify import inspect_sparql


def _refused(fn, *args) -> RequestRefused:
    with pytest.raises(RequestRefused) as info:
        fn(*args)
    return info.value


def test_body_params() -> None:
    params: dict[str, list[str]] = {"format": ["csv"]}
    assert body_params(params, b"query=ASK%7B%7D&format=json", "application/x-www-form-urlencoded") == (None, None)
    assert params == {"format": ["csv", "json"], "query": ["ASK{}"]}
    assert body_params({}, "ASK { ?s ?p '中' }".encode("gb18030"), "application/sparql-query; charset=gb18030")[0] == "ASK { ?s ?p '中' }"
    assert body_params({}, b"DROP ALL", "application/sparql-update") == (None, "DROP ALL")
    assert _refused(body_params, {}, b"x", "text/plain").status == 415
    assert _refused(body_params, {}, b"\xff", "application/sparql-query").status == 400


def test_refusals() -> None:
    assert _refused(graph_params, {"g": ["file:///etc/passwd"]}, "g").status == 403
    assert _refused(graph_params, {"g": ["not an iri"]}, "g").status == 400
    assert graph_params({"g": [" urn:a ", ""]}, "g") == ("urn:a",)
    for text, needle in (("SELECT * WHERE { SERVICE <http://x/> {} }", "SERVICE"), ("LOAD <http://x/>", "LOAD"),
                         ("ASK { <file:///x> ?p ?o }", "file:")):
        refused = _refused(check_safe, inspect_sparql(text))
        assert refused.status == 403 and needle in refused.message
    check_safe(inspect_sparql("ASK { ?s ?p ?o }"))
    assert "read-only" in update_refusal(False) and "/update" in update_refusal(True)


def test_description_type() -> None:
    assert description_type("text/turtle") == "text/turtle"
    assert description_type("text/html,*/*;q=0.8") is None
    assert description_type("application/xml") is None and description_type(None) is None


def test_requested_graph() -> None:
    assert requested_graph({"default": [""]}, None) == ("", "text/turtle")
    assert requested_graph({"graph": ["urn:g"]}, "application/n-triples") == ("urn:g", "application/n-triples")
    assert _refused(requested_graph, {}, None).status == 400
    assert _refused(requested_graph, {"default": [""], "graph": ["urn:g"]}, None).status == 400
    assert _refused(requested_graph, {"default": [""]}, "image/png").status == 406


def test_jobs_in_a_child_process(seed_store: Path) -> None:
    store = str(seed_store)
    assert b'"boolean":true' in run_job(Job(store, "ASK { ?s a kg:Bank }", "ASK", "application/sparql-results+json"), 30)
    graphs = run_job(Job(store, "", LIST_GRAPHS), 30).decode().splitlines()
    assert "https://w3id.org/cnfinkg/ontology" in graphs and graphs == sorted(graphs)
    assert b"@prefix kg:" in run_job(Job(store, graphs[0], GSP_GET, "text/turtle"), 30)
    missing = _refused(run_job, Job(store, "urn:no-such-graph", GSP_GET, "text/turtle"), 30)
    assert missing.status == 404 and missing.message == "no graph <urn:no-such-graph> in this store"
    syntax = _refused(run_job, Job(store, "SELECT * WHERE { ?s ?p }", "SELECT", "text/csv"), 30)
    assert syntax.status == 400 and syntax.message.startswith("SPARQL syntax error: ") and "1:" in syntax.message
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    assert _refused(run_job, Job(store, heavy, "SELECT", "text/csv"), 0.3).status == 503


def test_description_and_library() -> None:
    text = help_text("http://127.0.0.1:1", allow_update=False, timeout=2.5)
    assert "(read-only)" in text and "stopped after 2.5 s" in text and "kg, " in text
    body = service_description("http://127.0.0.1:1/sparql", ["urn:g"], "application/n-triples", timeout=3)
    assert b"<http://www.w3.org/ns/formats/SPARQL_Results_TSV>" in body and b"<urn:g>" in body
    library = named_query_library()
    assert library and all(q["sparql"].lstrip().startswith(("PREFIX", "#", "SELECT")) for q in library)


def test_cors_origins() -> None:
    assert _normalise_origins(None) == ()
    assert _normalise_origins("http://a.example/, *") == ("*",)
    assert _normalise_origins(["HTTP://A.example:8080"]) == ("http://a.example:8080",)
    with pytest.raises(ValueError):
        _normalise_origins("a.example")
