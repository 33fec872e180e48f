"""The SPARQL endpoint (`kg serve`): protocol, content negotiation and safety limits."""

from __future__ import annotations

import contextlib
import http.client
import inspect
import json
import logging
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, TURTLE, XML
from SPARQLWrapper import SPARQLWrapper as Endpoint
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph.serve import STATIC_DIR, SparqlServer, make_server, serve
from graph.serve.protocol import RequestRefused, negotiate
from graph.serve.static import static_file
from graph.store.sparql import inspect_sparql

TEXT = "中國工商銀行與螞蟻金服達成合作。"
KG = "https://w3id.org/cnfinkg/ontology#"
ICBC = URIRef("https://w3id.org/cnfinkg/id/icbc")
ANT = URIRef("https://w3id.org/cnfinkg/id/ant-financial")
# 100^4 = 10^8 solutions: seconds of work for Oxigraph whatever the store holds.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(k) for k in range(100))} }}" for i in range(4)
) + " }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import graph

    path = tmp_path_factory.mktemp("serve") / "s"
    kg = graph.build([TEXT], store=path, use_statistical=False)
    kg.close()
    return path


def _start(server: SparqlServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def running(store_path: Path) -> Iterator[SparqlServer]:
    """A server over *store_path* on a free port, stopped afterwards."""
    srv = make_server(store_path, port=0, timeout=10.0)
    thread = _start(srv)
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def server(store_dir: Path) -> Iterator[SparqlServer]:
    with running(store_dir) as srv:
        yield srv


def _sparql(server: SparqlServer, fmt: str = JSON) -> Endpoint:
    ep = Endpoint(server.url + "/sparql")
    ep.setReturnFormat(fmt)
    return ep


def _http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _get(server: SparqlServer, query: str, accept: str | None = None, path: str = "/sparql") -> tuple[int, str, bytes]:
    return _http(server.url + path + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept} if accept else None)


# -- defaults ------------------------------------------------------------------------------------


def test_default_host_is_loopback(server: SparqlServer) -> None:
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve).parameters["allow_update"].default is False
    assert server.server_address[0] == "127.0.0.1"
    assert server.loopback_only


def test_missing_store_is_an_error(tmp_path: Path) -> None:
    from graph.store.local import StoreError

    with pytest.raises(StoreError):
        make_server(tmp_path / "nothing", port=0)


# -- queries with SPARQLWrapper -------------------------------------------------------------------


def test_select_json(server: SparqlServer) -> None:
    ep = _sparql(server)
    ep.setQuery("SELECT ?s ?o WHERE { ?s kg:partnerOf ?o }")  # kg: is known without a PREFIX
    data = ep.query().convert()
    rows = {(b["s"]["value"], b["o"]["value"]) for b in data["results"]["bindings"]}
    assert (str(ICBC), str(ANT)) in rows


def test_select_with_prefix_and_post_form(server: SparqlServer) -> None:
    ep = _sparql(server)
    ep.setMethod(POST)
    ep.setQuery(f"PREFIX kg: <{KG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "SELECT ?l WHERE { ?s kg:partnerOf ?o . ?o rdfs:label ?l FILTER(langMatches(lang(?l), 'zh-Hans')) }")
    labels = {b["l"]["value"] for b in ep.query().convert()["results"]["bindings"]}
    assert labels == {"蚂蚁金服"}


def test_post_direct_query(server: SparqlServer) -> None:
    ep = _sparql(server)
    ep.setMethod(POST)
    ep.setRequestMethod(POSTDIRECTLY)
    ep.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    n = int(ep.query().convert()["results"]["bindings"][0]["n"]["value"])
    assert n > 10


def test_ask(server: SparqlServer) -> None:
    ep = _sparql(server)
    ep.setQuery(f"ASK {{ <{ICBC}> kg:partnerOf <{ANT}> }}")
    assert ep.query().convert()["boolean"] is True
    ep.setQuery("ASK { ?s kg:acquires ?o }")
    assert ep.query().convert()["boolean"] is False


def test_construct_turtle(server: SparqlServer) -> None:
    ep = _sparql(server, TURTLE)
    ep.setQuery("CONSTRUCT WHERE { ?s kg:partnerOf ?o }")
    body = ep.query().convert()
    g = Graph().parse(data=body.decode("utf-8") if isinstance(body, bytes) else body, format="turtle")
    assert (ICBC, URIRef(KG + "partnerOf"), ANT) in g


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [(XML, "application/sparql-results+xml"), (CSV, "text/csv"), (TSV, "text/tab-separated-values")],
)
def test_sparqlwrapper_formats(server: SparqlServer, fmt: str, ctype: str) -> None:
    ep = _sparql(server, fmt)
    ep.setQuery("SELECT ?o WHERE { ?s kg:partnerOf ?o }")
    result = ep.query()
    assert result.response.headers["Content-Type"].startswith(ctype)
    result.convert()


# -- content negotiation ------------------------------------------------------------------------


def test_negotiation_select(server: SparqlServer) -> None:
    q = "SELECT ?o WHERE { ?s kg:partnerOf ?o }"
    status, ctype, body = _get(server, q)
    assert status == 200 and ctype.startswith("application/sparql-results+json")
    assert json.loads(body)["head"]["vars"] == ["o"]

    status, ctype, body = _get(server, q, "text/csv")
    assert status == 200 and ctype.startswith("text/csv")
    assert body.decode().splitlines() == ["o", str(ANT)]

    status, ctype, body = _get(server, q, "text/tab-separated-values")
    assert status == 200 and ctype.startswith("text/tab-separated-values")
    assert body.decode().splitlines() == ["?o", f"<{ANT}>"]

    status, ctype, body = _get(server, q, "application/sparql-results+xml")
    assert status == 200 and ctype.startswith("application/sparql-results+xml")
    assert b"<sparql" in body and str(ANT).encode() in body

    status, _, body = _get(server, q, "text/html;q=0.9, text/csv;q=0.5")  # q-values, unsupported first
    assert status == 200 and body.startswith(b"o\r\n")

    status, _, body = _get(server, q, "image/png")
    assert status == 406


def test_negotiation_graph(server: SparqlServer) -> None:
    q = "CONSTRUCT WHERE { ?s kg:partnerOf ?o }"
    status, ctype, body = _get(server, q)
    assert status == 200 and ctype.startswith("text/turtle")
    status, ctype, body = _get(server, q, "application/n-triples")
    assert status == 200 and ctype.startswith("application/n-triples")
    assert body.decode().strip() == f"<{ICBC}> <{KG}partnerOf> <{ANT}> ."
    status, ctype, body = _get(server, f"DESCRIBE <{ICBC}>", "application/ld+json")
    assert status == 200 and ctype.startswith("application/ld+json")
    json.loads(body)


def test_negotiate_unit() -> None:
    assert negotiate("SELECT", None, []) == "application/sparql-results+json"
    assert negotiate("SELECT", "*/*", []) == "application/sparql-results+json"
    assert negotiate("SELECT", "text/*", []) == "text/csv"
    assert negotiate("CONSTRUCT", "*/*", []) == "text/turtle"
    assert negotiate("CONSTRUCT", None, ["json-ld"]) == "application/ld+json"
    assert negotiate("SELECT", "application/sparql-results+xml", ["json"]) == "application/sparql-results+json"
    assert negotiate("ASK", "text/turtle", []) is None
    assert negotiate("CONSTRUCT", "application/sparql-results+json", []) == "application/ld+json"  # rdflib SPARQLStore
    assert negotiate("CONSTRUCT", "application/sparql-results+xml, application/rdf+xml", []) == "application/rdf+xml"


# -- refusals -------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_parser_message(server: SparqlServer) -> None:
    status, ctype, body = _get(server, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and ctype.startswith("text/plain")
    assert b"syntax error" in body and b"1:" in body
    ep = _sparql(server)
    ep.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        ep.query()


def test_insert_refused(server: SparqlServer) -> None:
    insert = f"INSERT DATA {{ <{ICBC}> <{KG}acquires> <{ANT}> }}"
    ep = _sparql(server)
    ep.setMethod(POST)
    ep.setQuery(insert)
    with pytest.raises(urllib.error.HTTPError) as info:
        ep.query()
    assert info.value.code == 403
    status, _, body = _get(server, insert)  # an update sent as query=
    assert status == 403 and b"read-only" in body
    data = urllib.parse.urlencode({"update": insert}).encode()
    status, _, body = _http(server.url + "/update", data, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    status, _, _ = _http(server.url + "/update", insert.encode(), {"Content-Type": "application/sparql-update"})
    assert status == 403
    status, _, body = _get(server, f"ASK {{ <{ICBC}> kg:acquires <{ANT}> }}")
    assert json.loads(body)["boolean"] is False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",  # SPARQL codepoint escape
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) SERVICE <http://example.org/> { ?s ?p ?o } FILTER(?o > 1) }",
        "SELECT * WHERE { ?x ?y 1 }SERVICE?x{}",
    ],
)
def test_service_refused(server: SparqlServer, query: str) -> None:
    status, _, body = _get(server, query)
    assert status == 403
    assert b"SERVICE" in body


def test_load_and_file_refused(server: SparqlServer) -> None:
    status, _, body = _get(server, "LOAD <file:///etc/passwd>")
    assert status == 403
    status, _, body = _get(server, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert status == 403 and b"file:" in body
    status, _, body = _http(server.url + "/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"}))
    assert status == 403


def test_inspect_sparql() -> None:
    assert inspect_sparql("PREFIX kg: <x:y>\nSELECT * WHERE { ?s a kg:PaymentService }").uses_service is False
    assert inspect_sparql('SELECT * WHERE { ?s ?p "SERVICE <http://x> LOAD" } # SERVICE').uses_service is False
    assert inspect_sparql("SELECT ?service WHERE { ?service ?p ?o }").uses_service is False
    assert inspect_sparql("SELECT * WHERE { ?s ?p ?o }SERVICEex:g{}").uses_service is True
    assert inspect_sparql("PREFIX a: <http://a/>\n# comment\nASK {}").form == "ASK"
    assert inspect_sparql("BASE <http://a/> PREFIX : <http://b/> INSERT DATA {}").form == "UPDATE"
    assert inspect_sparql("load <http://x>").uses_load is True
    assert inspect_sparql("SELECT * WHERE { ?s ?p <file:///etc/passwd> }").file_iris == ("file:///etc/passwd",)


def test_oversized_request_is_413(server: SparqlServer) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (server.max_request_bytes + 10)
    status, _, body = _http(server.url + "/sparql", query.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 413 and b"larger than" in body
    data = urllib.parse.urlencode({"query": query}).encode()
    status, _, _ = _http(server.url + "/sparql", data, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    status, _, _ = _get(server, "ASK {}")  # still serving
    assert status == 200


def test_foreign_host_header_refused(server: SparqlServer) -> None:
    status, _, body = _http(server.url + "/sparql?query=ASK%7B%7D", headers={"Host": "evil.example:80"})
    assert status == 403 and b"Host" in body


def test_unknown_path_and_method(server: SparqlServer) -> None:
    assert _http(server.url + "/nope")[0] == 404
    assert _http(server.url + "/sparql", b"x", {"Content-Type": "text/plain"}, method="PUT")[0] == 405
    assert _http(server.url + "/sparql", b"query=ASK{}", {"Content-Type": "text/plain"})[0] == 415
    status, ctype, body = _http(server.url + "/sparql")
    assert status == 200 and b"SPARQL" in body


def test_one_log_line_per_request(server: SparqlServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="graph.serve.server"):
        _get(server, "ASK {}")
        _get(server, "SELECT * WHERE { ?s ?p }")
        deadline = time.monotonic() + 2
        while len(caplog.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    # The server fixture is shared: a line from an earlier test's request may still arrive late,
    # so count the lines of this test's two requests only.
    lines = [r.getMessage() for r in caplog.records if r.name == "graph.serve.server"]
    ask = [ln for ln in lines if "ASK" in ln]
    bad = [ln for ln in lines if "%3Fs%20%3Fp" in ln or "?s ?p }" in ln or "%3Fs+%3Fp" in ln]
    assert len(ask) == 1 and len(bad) == 1, lines
    assert '"GET /sparql?query=' in ask[0] and " 200 " in ask[0]
    assert " 400 " in bad[0]


# -- time limit -----------------------------------------------------------------------------------


def test_slow_query_stopped_with_503(store_dir: Path) -> None:
    srv = make_server(store_dir, port=0, timeout=0.3)
    thread = _start(srv)
    try:
        t0 = time.perf_counter()
        status, _, body = _get(srv, HEAVY)
        elapsed = time.perf_counter() - t0
        assert status == 503 and b"time limit" in body
        assert elapsed < 5
        status, _, body = _get(srv, "ASK { ?s ?p ?o }")  # the server is fine afterwards
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


# -- updates when allowed -------------------------------------------------------------------------


def test_updates_only_at_update_when_allowed(store_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rw"
    shutil.copytree(store_dir, copy)
    srv = make_server(copy, port=0, allow_update=True, timeout=10.0)
    thread = _start(srv)
    try:
        insert = f"INSERT DATA {{ GRAPH <urn:test> {{ <{ICBC}> kg:acquires <{ANT}> }} }}"
        status, _, body = _http(srv.url + "/sparql", urllib.parse.urlencode({"update": insert}).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403 and b"/update" in body
        ep = Endpoint(srv.url + "/sparql", updateEndpoint=srv.url + "/update")
        ep.setMethod(POST)
        ep.setQuery(insert)
        ep.query()
        status, _, body = _get(srv, f"ASK {{ <{ICBC}> kg:acquires <{ANT}> }}")
        assert json.loads(body)["boolean"] is True
        status, _, body = _http(srv.url + "/update", b"LOAD <http://example.org/data.ttl>", {"Content-Type": "application/sparql-update"})
        assert status == 403 and b"LOAD" in body
        status, _, body = _http(srv.url + "/update", b"INSERT DATA { <a> }", {"Content-Type": "application/sparql-update"})
        assert status == 400 and b"syntax error" in body
        # a page on another origin cannot write (a form POST needs no preflight): refused by Origin, no CORS
        reverse = f"INSERT DATA {{ GRAPH <urn:test> {{ <{ANT}> kg:acquires <{ICBC}> }} }}"
        status, headers, body = _raw(srv, "POST", "/update", {"Content-Type": "application/x-www-form-urlencoded",
                                                             "Origin": "http://evil.example"},
                                     urllib.parse.urlencode({"update": reverse}).encode())
        assert status == 403 and b"another origin" in body and "access-control-allow-origin" not in headers
        status, _, body = _get(srv, f"ASK {{ <{ANT}> kg:acquires <{ICBC}> }}")
        assert json.loads(body)["boolean"] is False
        status, _, _ = _raw(srv, "POST", "/update", {"Content-Type": "application/sparql-update", "Origin": srv.url},
                            reverse.encode())  # the workbench's own origin may
        assert status == 200
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


# -- protocol completeness: OPTIONS, CORS, service description, Graph Store Protocol -------------

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ORIGIN = "http://yasgui.example:8080"


def _raw(server: SparqlServer, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as given (no client-side normalisation)."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_options_preflight(server: SparqlServer) -> None:
    status, headers, body = _raw(server, "OPTIONS", "/sparql", {
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert status == 204 and body == b""
    assert {m.strip() for m in headers["allow"].split(",")} == {"GET", "HEAD", "POST", "OPTIONS"}
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"] and "GET" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    # the update endpoint answers OPTIONS but never grants CORS
    status, headers, _ = _raw(server, "OPTIONS", "/update", {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["allow"] == "POST, OPTIONS"
    assert not any(h.startswith("access-control-") for h in headers)
    assert _raw(server, "OPTIONS", "/nope")[0] == 404
    assert _raw(server, "OPTIONS", "/sparql", {"Host": "evil.example"})[0] == 403  # still no DNS rebinding


def test_cors_on_query_responses_not_on_updates(server: SparqlServer) -> None:
    q = urllib.parse.urlencode({"query": "ASK {}"})
    status, headers, _ = _raw(server, "GET", "/sparql?" + q, {"Origin": ORIGIN})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = _raw(server, "POST", "/sparql", {"Origin": ORIGIN, "Content-Type": "application/sparql-query"},
                              b"SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = _raw(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": "SELECT {"}),
                              {"Origin": ORIGIN})
    assert status == 400 and headers["access-control-allow-origin"] == "*"  # the page can read the parser message
    for path in ("/data?default", "/queries", "/prefixes"):
        assert _raw(server, "GET", path, {"Origin": ORIGIN})[1]["access-control-allow-origin"] == "*"
    status, headers, _ = _raw(server, "POST", "/update", {"Origin": ORIGIN, "Content-Type": "application/sparql-update"},
                              b"INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert status == 403 and "access-control-allow-origin" not in headers


def test_cors_is_configurable(store_dir: Path) -> None:
    with pytest.raises(ValueError):
        make_server(store_dir, port=0, cors_origins="not an origin")
    for origins, expected in (([ORIGIN], ORIGIN), (f"{ORIGIN}/, http://other.example", ORIGIN), (None, None)):
        srv = make_server(store_dir, port=0, cors_origins=origins)
        thread = _start(srv)
        try:
            _, headers, _ = _raw(srv, "GET", "/sparql?query=ASK%7B%7D", {"Origin": ORIGIN})
            assert headers.get("access-control-allow-origin") == expected
            _, headers, _ = _raw(srv, "GET", "/sparql?query=ASK%7B%7D", {"Origin": "http://elsewhere.example"})
            assert "access-control-allow-origin" not in headers
            status, headers, _ = _raw(srv, "OPTIONS", "/sparql", {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
            assert status == 204 and headers.get("access-control-allow-origin") == expected
        finally:
            srv.shutdown()
            srv.server_close()
            thread.join(5)


def test_service_description(server: SparqlServer) -> None:
    status, ctype, body = _http(server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and ctype.startswith("text/turtle")
    g = Graph().parse(data=body.decode("utf-8"), format="turtle")
    service = URIRef(server.url + "/sparql")
    assert (service, RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = {str(n) for n in g.objects(None, SD.name)}
    assert "https://w3id.org/cnfinkg/ontology" in names and any("/doc/" in n for n in names)
    # other RDF types too, and the plain-text help for everyone else
    status, ctype, body = _http(server.url + "/query", headers={"Accept": "application/ld+json"})
    assert status == 200 and ctype.startswith("application/ld+json")
    assert (URIRef(server.url + "/query"), RDF.type, SD.Service) in Graph().parse(data=body, format="json-ld")
    status, ctype, body = _http(server.url + "/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200 and ctype.startswith("text/plain") and b"/sparql?query=" in body


def test_graph_store_protocol_get(server: SparqlServer) -> None:
    status, ctype, body = _http(server.url + "/data?default", headers={"Accept": "text/turtle"})
    assert status == 200 and ctype.startswith("text/turtle")
    union = Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert (ICBC, URIRef(KG + "partnerOf"), ANT) in union
    ontology = "https://w3id.org/cnfinkg/ontology"
    status, ctype, body = _http(server.url + "/data?" + urllib.parse.urlencode({"graph": ontology}),
                                headers={"Accept": "application/n-triples"})
    assert status == 200 and ctype.startswith("application/n-triples")
    g = Graph().parse(data=body.decode("utf-8"), format="nt")
    assert len(g) > 50 and (URIRef(KG + "partnerOf"), RDF.type, None) in g
    assert (ICBC, URIRef(KG + "partnerOf"), ANT) not in g  # only that graph
    # the same graph as a SPARQL query over it sees
    status, _, body = _get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ontology}> {{ ?s ?p ?o }} }}")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(g)
    assert _http(server.url + "/data?graph=urn:no-such-graph")[0] == 404
    assert _http(server.url + "/data")[0] == 400
    assert _http(server.url + "/data?default&graph=urn:x")[0] == 400
    assert _http(server.url + "/data?default", headers={"Accept": "image/png"})[0] == 406
    assert _http(server.url + "/data?default", b"<a> <b> <c> .", {"Content-Type": "text/turtle"})[0] == 405
    assert _http(server.url + "/data?default", b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, method="PUT")[0] == 405
    assert _http(server.url + "/data?default", method="DELETE")[0] == 405
    status, headers, body = _raw(server, "HEAD", "/data?default")
    assert status == 200 and body == b"" and headers["content-type"].startswith("text/turtle")


# -- the workbench page and its static files ----------------------------------------------------


def test_workbench_page(server: SparqlServer) -> None:
    status, headers, body = _raw(server, "GET", "/", {"Accept": "text/html"})
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    csp = headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "script-src 'self'" in csp
    page = body.decode("utf-8")
    assert "static/vendor/yasgui/yasgui.min.js" in page and "static/workbench.js" in page
    # everything the page loads is relative to the server: no CDN, no other host
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert refs and all(not re.match(r"(?i)([a-z]+:)?//", r) for r in refs if not r.startswith("data:")), refs


@pytest.mark.parametrize(
    ("path", "ctype"),
    [("/static/workbench.js", "text/javascript"), ("/static/workbench.css", "text/css"),
     ("/static/vendor/yasgui/yasgui.min.js", "text/javascript"), ("/static/vendor/yasgui/yasgui.min.css", "text/css"),
     ("/static/vendor/yasgui/LICENSE", "text/plain"), ("/static/vendor/yasgui/README.md", "text/markdown")],
)
def test_static_files(server: SparqlServer, path: str, ctype: str) -> None:
    status, headers, body = _raw(server, "GET", path)
    assert status == 200 and headers["content-type"].split(";")[0] == ctype
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (STATIC_DIR / path[len("/static/"):]).read_bytes()
    status, headers, body = _raw(server, "HEAD", path)
    assert status == 200 and body == b""


def test_vendored_yasgui_is_pinned_licensed_and_small() -> None:
    vendor = STATIC_DIR / "vendor" / "yasgui"
    assert "MIT License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    assert re.search(r"@zazuko/yasgui`?\]?.*\*\*\d+\.\d+\.\d+\*\*", readme)
    assert sum(p.stat().st_size for p in STATIC_DIR.rglob("*") if p.is_file()) < 5_000_000
    css = (vendor / "yasgui.min.css").read_text(encoding="utf-8")
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css)


@pytest.mark.parametrize(
    "path",
    ["/static/../serve.py", "/static/%2e%2e/serve.py", "/static/%2E%2E%2Fserve.py", "/static/vendor/../../serve.py",
     "/static/vendor/%2e%2e/%2e%2e/serve.py", "/static/..%5cserve.py", "/static/%5c..%5cserve.py",
     "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/vendor/yasgui/%00", "/static/.hidden",
     "/static/", "/static/vendor", "/static/nothing.js", "/static/../../../../etc/passwd"],
)
def test_static_path_traversal_refused(server: SparqlServer, path: str) -> None:
    status, _, body = _raw(server, "GET", path)
    assert status in (403, 404), (path, status)
    assert b"import" not in body and b"root:" not in body


def test_static_file_unit(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.js").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert static_file("a.js", root) == (root / "a.js").resolve()
    for bad in ("../secret.txt", "link.txt", "/etc/passwd", "a.js/..", ".", "", "x\\..\\secret.txt"):
        with pytest.raises(RequestRefused) as info:
            static_file(bad, root)
        assert info.value.status in (403, 404)


def test_named_queries_and_prefixes_as_json(server: SparqlServer) -> None:
    from graph.store.sparql import named_queries
    from graph.vocab import PREFIXES

    status, ctype, body = _http(server.url + "/queries")
    assert status == 200 and ctype.startswith("application/json")
    queries = json.loads(body)
    assert [q["name"] for q in queries] == list(named_queries())
    partners = next(q for q in queries if q["name"] == "partners")
    assert partners["description"].startswith("Who partners with whom")
    assert "PREFIX kg: <https://w3id.org/cnfinkg/ontology#>" in partners["sparql"]  # runnable elsewhere as is
    status, _, body = _http(server.url + "/sparql", partners["sparql"].encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["head"]["vars"] == ["a", "b", "sentences"]
    status, _, body = _http(server.url + "/prefixes")
    assert json.loads(body) == {p: str(ns) for p, ns in PREFIXES.items()}


# -- other clients ---------------------------------------------------------------------------------


def test_rdflib_sparqlstore(server: SparqlServer) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    for method in ("GET", "POST"):
        g = Graph(store=SPARQLStore(server.url + "/sparql", method=method, returnFormat="json"))
        rows = list(g.query(f"SELECT ?o WHERE {{ <{ICBC}> <{KG}partnerOf> ?o }}"))
        assert [r[0] for r in rows] == [ANT]
        assert (ICBC, URIRef(KG + "partnerOf"), ANT) in g  # a triple pattern query
        assert g.query(f"ASK {{ <{ICBC}> <{KG}partnerOf> <{ANT}> }}").askAnswer is True
        built = g.query(f"CONSTRUCT WHERE {{ <{ICBC}> <{KG}partnerOf> ?o }}").graph
        assert (ICBC, URIRef(KG + "partnerOf"), ANT) in built
    g = Graph(store=SPARQLStore(server.url + "/sparql"))  # rdflib's default: XML results over GET
    assert len(list(g.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"))) == 3


def test_vis_network_is_served_from_the_package(server: SparqlServer) -> None:
    status, ctype, body = _http(server.url + "/static/vis/vis-network.min.js")
    assert status == 200 and ctype.startswith("text/javascript") and b"vis" in body[:2000]
    assert b"sourceMappingURL" not in body
    status, ctype, _ = _http(server.url + "/static/vis/vis-network.css")
    assert status == 200 and ctype.startswith("text/css")
    status, _, page = _http(server.url + "/")
    assert b"static/vis/vis-network.min.js" in page and b"static/workbench-graph.js" in page
