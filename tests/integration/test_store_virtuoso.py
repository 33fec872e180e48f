"""``--store http://…/sparql`` on a real Virtuoso (Debian ``virtuoso-opensource``), compared with the embedded store.

The fixture starts its own ``virtuoso-t`` in a temporary directory, on free
loopback ports, and lets the anonymous SPARQL user update (as a server set up
for ``kg build`` would); the Digest-protected ``/sparql-auth`` is tested with
the default ``dba`` account and with two made here, one that may write and one
that may only read.  Its ``[SPARQL]`` limits are those of Debian's
``virtuoso.ini`` (a query cost limit changes how Virtuoso compiles updates),
with more result rows.  Skipped only when Virtuoso is not installed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from graph.api import KnowledgeGraph
from graph.ingest.reader import key_for_text
from graph.store.local import GraphStore, StoreError
from graph.store.remote import PROJECT_GRAPHS, STAGING_PREFIX, RemoteStore
from graph.store.skolem import GENID
from graph.store.sparql import QueryError, named_queries
from graph.vocab import ENTITY_GRAPH, KGDOC, ONTOLOGY_GRAPH, sparql_prefixes
from tests.integration.test_store_remote import stop_server

TEXTS = [
    "騰訊與招商銀行達成合作。",
    "據報道,騰訊與招商銀行達成合作,雙方將共建實驗室。",
    "招商銀行宣布與騰訊深化合作。招商銀行行長表示，今年投入10億元。",
    "騰訊旗下微眾銀行與招商銀行達成戰略合作，總投資20億元。",
]
EVIDENCE = "SELECT (COUNT(?st) AS ?n) WHERE { ?st a rdf:Statement ; rdf:predicate kg:partnerOf }"
MAX_ROWS = 30000
# Virtuoso 7.2 answers `rdfs:subClassOf*` by its plan: one row per path (SPARQL says one per node),
# or none.  The store spells out paths with a fixed end (graph.store.paths); a path between two
# variables stays Virtuoso's, so named queries aggregate such a path in a subquery before joining
# labels (entities-by-type), a form both stores answer alike.
VIRTUOSO_PATH_BUGS: set[str] = set()

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 5000
MaxDirtyBuffers = 3000
ThreadsPerQuery = 2
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = {rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=5) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Virtuoso of its own (foreground, temporary database); its ``/sparql`` URL."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    base = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = _free_ports(2)
    (base / "virtuoso.ini").write_text(INI.format(d=base, sql=sql_port, http=http_port, rows=MAX_ROWS), encoding="utf-8")
    log = (base / "server.log").open("wb")
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(base / "virtuoso.ini")], cwd=base,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            if proc.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {proc.returncode}: {(base / 'server.log').read_text(errors='replace')[-500:]}")
            if time.monotonic() > deadline:
                pytest.fail("Virtuoso did not answer within 60 s")
            time.sleep(0.2)
        # The anonymous SPARQL user may read only; let it update, as for `kg build --store URL`.  Two
        # accounts for /sparql-auth: a writer, and a reader who may not update.
        sql = ('GRANT SPARQL_UPDATE TO "SPARQL"; DB.DBA.USER_CREATE (\'writer\', \'writer-pw\'); '
               'GRANT SPARQL_UPDATE TO "writer"; DB.DBA.USER_CREATE (\'reader\', \'reader-pw\'); '
               'GRANT SPARQL_SELECT TO "reader";')
        subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={sql}"], check=True, capture_output=True, timeout=60)
        yield url
    finally:
        stop_server(proc, log, grace=30)


@pytest.fixture()
def url(virtuoso: str) -> str:
    """The server with every graph of ours dropped (its own system graphs stay: DROP ALL would delete them)."""
    st = RemoteStore(virtuoso)
    ours = f'FILTER(STRSTARTS(STR(?g), "{PROJECT_GRAPHS}") || STRSTARTS(STR(?g), "{STAGING_PREFIX}"))'
    for row in st.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours} }}").rows:
        st.update(f"DROP SILENT GRAPH <{row['g'].value}>")  # type: ignore[union-attr]
    return virtuoso


def _embedded(texts: list[str], use_statistical: bool = False) -> KnowledgeGraph:
    kg = KnowledgeGraph(GraphStore(None))
    kg.add(texts, use_statistical=use_statistical)
    return kg


def _assert_same_store(remote: KnowledgeGraph, local: KnowledgeGraph) -> None:
    """Same quads in every graph (documents and the shared entity graph), same answers to every named query."""
    assert sorted(remote.serialize("nquads").splitlines()) == sorted(local.serialize("nquads").splitlines())
    assert remote.stats() == local.stats()
    assert remote.store.documents() == local.store.documents()
    assert remote.store.document_graphs() == local.store.document_graphs()
    answered = 0
    for name in sorted(set(named_queries()) - VIRTUOSO_PATH_BUGS):
        try:
            a, b = remote.query(name), local.query(name)
        except QueryError:
            continue  # needs a binding
        assert a is not None and b is not None and a.vars == b.vars, name
        assert sorted(a.rows) == sorted(b.rows), name
        answered += bool(a.rows)
    assert answered >= 3


# -- the server as the store sees it ---------------------------------------------------
def test_virtuoso_is_detected(url: str) -> None:
    st = RemoteStore(url)
    assert st.server.startswith("Virtuoso")
    assert st.dataset_mode == "server"  # its default graph already is the union of all graphs
    assert st.chunk_triples < 5000  # its parser gives up near 5,000 triples per INSERT DATA
    assert st.graph_scope == PROJECT_GRAPHS
    system = st.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o } }")
    assert int(system.rows[0]["n"].value) > 1000  # type: ignore[union-attr]
    assert st.document_graphs() == [] and len(st) == 0 and st.quads() == []  # its own graphs are not ours
    with pytest.raises(StoreError, match="outside"):
        st.replace_document(URIRef("https://example.org/elsewhere"), "<https://example.org/s> <https://example.org/p> <https://example.org/o> .")
    assert st.query("ASK {}").askAnswer is True  # Virtuoso answers ASK with a table; read as a boolean
    assert st.query("ASK { <urn:x:nothing> ?p ?o }").askAnswer is False
    assert bool(st._select("ASK { GRAPH ?g { ?s ?p ?o } }"))


# -- build, rebuild, remove, query, export, viz -----------------------------------------
def test_build_gives_the_embedded_store_content(url: str) -> None:
    remote = KnowledgeGraph(RemoteStore(url))  # type: ignore[arg-type]
    report = remote.add(TEXTS, use_statistical=False)
    local = _embedded(TEXTS)
    assert report.documents == len(TEXTS) and not report.failed
    _assert_same_store(remote, local)
    assert remote.query("partners").rows
    assert int(remote.query(EVIDENCE).rows[0][0]) == 4  # type: ignore[union-attr]
    entity_quads = [ln for ln in remote.serialize("nquads").splitlines() if ln.endswith(f"<{ENTITY_GRAPH}> .")]
    assert entity_quads  # the descriptions live once, in the shared graph
    assert remote.store.union_graph().isomorphic(local.store.union_graph())
    rn, ln = remote.to_networkx(), local.to_networkx()
    assert sorted(rn.nodes) == sorted(ln.nodes) and sorted(rn.edges) == sorted(ln.edges)
    local.close()
    remote.close()


def test_rebuild_skips_unchanged_and_replaces_a_changed_document(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXTS[2], encoding="utf-8")
    remote = KnowledgeGraph(RemoteStore(url))  # type: ignore[arg-type]
    local = KnowledgeGraph(GraphStore(None))
    for kg in (remote, local):
        kg.add([tmp_path], use_statistical=False)
    again = remote.add([tmp_path], use_statistical=False)
    assert again.skipped_unchanged == 2 and again.documents == 0
    (tmp_path / "b.txt").write_text(TEXTS[3], encoding="utf-8")  # b.txt now says something else
    for kg in (remote, local):
        changed = kg.add([tmp_path], use_statistical=False)
        assert changed.documents == 1 and changed.skipped_unchanged == 1
    _assert_same_store(remote, local)
    assert not remote.query("ASK { ?e rdfs:label ?l FILTER(STR(?l) = '10億元') }").askAnswer  # type: ignore[union-attr]
    n = len(remote.store)
    remote.add([tmp_path], force=True, use_statistical=False)
    assert len(remote.store) == n  # replaced, not duplicated


def test_remove_retracts_only_what_the_document_alone_said(url: str) -> None:
    remote = KnowledgeGraph(RemoteStore(url))  # type: ignore[arg-type]
    remote.add(TEXTS, use_statistical=False)
    local = _embedded(TEXTS)
    for kg in (remote, local):
        assert kg.remove([key_for_text(TEXTS[3])]) != []
    _assert_same_store(remote, local)
    assert remote.remove([key_for_text(TEXTS[3])]) == []
    for text in TEXTS[:3]:
        remote.remove([key_for_text(text)])
    assert len(remote.store) == 0 and remote.store.document_graphs() == []
    assert remote.store.quads() == []  # the shared graph went with the last document that mentioned them


def test_default_build_with_the_statistical_model(url: str) -> None:
    remote = KnowledgeGraph(RemoteStore(url))  # type: ignore[arg-type]
    remote.add(TEXTS[2:3])
    local = _embedded(TEXTS[2:3], use_statistical=True)
    _assert_same_store(remote, local)


# -- what Virtuoso does differently ------------------------------------------------------
def test_hierarchy_paths_with_a_fixed_end_are_answered_as_sparql_says(url: str) -> None:
    remote = KnowledgeGraph(RemoteStore(url))  # type: ignore[arg-type]
    remote.add(TEXTS, use_statistical=False)
    local = _embedded(TEXTS)
    for q in ("SELECT (COUNT(*) AS ?n) WHERE { ?st a rdf:Statement ; rdf:predicate ?p . ?p rdfs:subPropertyOf* kg:partnerOf }",
              "SELECT ?t WHERE { ?e kg:mentionCount ?n ; a ?t . ?t rdfs:subClassOf* schema:Organization . }",
              "SELECT ?up WHERE { kg:Bank rdfs:subClassOf* ?up }"):
        a, b = remote.query(q), local.query(q)
        assert a is not None and b is not None and b.rows and sorted(a.rows) == sorted(b.rows), q
    as_is = RemoteStore(url)
    as_is.profile = as_is.profile._replace(expand_paths=False)  # Virtuoso's own answer: a row per path
    q = "SELECT ?up WHERE { kg:Bank rdfs:subClassOf* ?up }"
    assert len(as_is.query(sparql_prefixes() + q).bindings) > len(local.query(q).rows)


def test_ontology_blank_nodes_are_skolemised_the_same_each_time(url: str) -> None:
    from graph.rdf.ontology import load_ontology

    st = RemoteStore(url)
    onto = load_ontology().graph
    st.load_ontology(onto)  # Virtuoso refuses blank nodes in INSERT DATA (SP031)
    stored = st.quads(include_ontology=True)
    assert len(stored) == len(onto)
    assert not any(isinstance(t, ox.BlankNode) for q in stored for t in (q.subject, q.object))
    assert any(q.subject.value.startswith(GENID) for q in stored)
    reparsed = Graph().parse(data=onto.serialize(format="turtle"), format="turtle")  # new blank-node labels
    st.load_ontology(reparsed)
    assert st.quads(include_ontology=True) == stored
    ask = st.query("ASK { GRAPH ?g { ?d owl:unionOf ?list . ?list rdf:first ?first } }")
    assert ask.askAnswer is True  # the anonymous classes and their lists still hang together
    assert st.document_graphs() == [] and str(ONTOLOGY_GRAPH) not in map(str, st.document_graphs())


def test_large_documents_are_chunked_then_staged(url: str) -> None:
    doc = KGDOC["big"]
    g = Graph()
    for i in range(6000):  # over the ~5,000 triples Virtuoso parses in one INSERT DATA
        g.add((URIRef(f"https://example.org/s{i % 7}"), URIRef(f"https://example.org/p{i}"), Literal(f"值 {i}\n第二行", lang="zh")))
    st = RemoteStore(url)
    st.replace_document(doc, g)
    assert len(st) == 6000
    st.max_update_bytes = 100_000  # staged in parts, swapped in with MOVE
    g.remove((None, URIRef("https://example.org/p0"), None))
    st.replace_document(doc, g)
    assert len(st) == 5999 and st.document_graphs() == [doc]
    assert not st.query(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}').askAnswer


def test_a_result_the_server_cuts_short_is_an_error(url: str) -> None:
    st = RemoteStore(url)
    system = "<http://www.openlinksw.com/schemas/virtrdf#>"  # ~2,500 triples: their square is plenty
    many = f"SELECT ?a ?b WHERE {{ GRAPH {system} {{ ?a ?p ?o }} GRAPH {system} {{ ?b ?q ?r }} }}"
    for query in (many, f"{many} LIMIT {MAX_ROWS + 1}"):
        with pytest.raises(StoreError, match="ResultSetMaxRows") as exc:
            st.select(query)
        assert "\n" not in str(exc.value)
    assert len(st.select(f"{many} LIMIT {MAX_ROWS}").rows) == MAX_ROWS  # asked for no more than it may give


# -- credentials ------------------------------------------------------------------------
def test_digest_auth_on_sparql_auth(url: str) -> None:
    auth_url = url.replace("http://", "http://dba:dba@") + "-auth"  # Virtuoso asks for HTTP Digest here
    kg = KnowledgeGraph.open(auth_url)
    assert kg.store.update_endpoint.endswith("/sparql-auth") and "dba" not in kg.store.location
    kg.add(TEXTS[:1], use_statistical=False)
    assert kg.query("partners").rows
    with pytest.raises(StoreError) as exc:
        RemoteStore(url + "-auth", auth=("dba", "wrong-password"))
    msg = str(exc.value)
    assert "401" in msg and "wrong-password" not in msg and "\n" not in msg
    with pytest.raises(StoreError, match="401"):
        RemoteStore(url + "-auth")  # no credentials at all


def test_an_account_that_may_not_update_gets_the_servers_reason(url: str) -> None:
    reader = RemoteStore(url.replace("http://", "http://reader:reader-pw@") + "-auth")
    many = "\n".join(f'<https://example.org/s> <https://example.org/p{i}> "{i}" .' for i in range(1500))
    for body in ("<https://example.org/s> <https://example.org/p> <https://example.org/o> .", many):
        with pytest.raises(StoreError) as exc:
            reader.replace_document(KGDOC["x"], body)
        msg = str(exc.value)
        assert "No permission" in msg and "big-data-const" not in msg and "\n" not in msg


def test_a_writer_account_over_digest_builds_the_same_store(url: str) -> None:
    remote = KnowledgeGraph.open(url.replace("http://", "http://writer:writer-pw@") + "-auth")
    remote.add(TEXTS, use_statistical=False)
    local = _embedded(TEXTS)
    assert sorted(remote.serialize("nquads").splitlines()) == sorted(local.serialize("nquads").splitlines())
    assert remote.stats() == local.stats()
    remote.remove([key_for_text(TEXTS[0])])
    local.remove([key_for_text(TEXTS[0])])
    assert sorted(remote.serialize("nquads").splitlines()) == sorted(local.serialize("nquads").splitlines())


# -- the CLI ------------------------------------------------------------------------------
def test_cli_build_rebuild_query_export_viz_remove(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from graph.cli.app import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for i, text in enumerate(TEXTS[:2]):
        (tmp_path / f"{i}.txt").write_text(text, encoding="utf-8")
    local = str(tmp_path / "local-store")
    for store in (url, local):
        res = runner.invoke(app, ["build", "0.txt", "1.txt", "--store", store, "--no-model"])
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["build", "0.txt", "1.txt", "--store", url, "--no-model"])
    assert res.exit_code == 0 and "unchanged" in res.output, res.output
    res = runner.invoke(app, ["query", "partners", "--store", url, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["results"]["bindings"]
    res = runner.invoke(app, ["query", "ASK { ?a kg:partnerOf ?b }", "--store", url])
    assert res.exit_code == 0 and res.stdout.strip() == "true"
    exports = [runner.invoke(app, ["export", "--store", s, "-f", "nquads"]) for s in (url, local)]
    assert all(r.exit_code == 0 for r in exports)
    assert sorted(exports[0].stdout.splitlines()) == sorted(exports[1].stdout.splitlines()) and exports[0].stdout
    res = runner.invoke(app, ["viz", "--store", url, "-o", "graph.html"])
    assert res.exit_code == 0, res.output
    assert "<html" in (tmp_path / "graph.html").read_text(encoding="utf-8").lower()
    res = runner.invoke(app, ["remove", "0.txt", "--store", url])
    assert res.exit_code == 0 and "removed 1" in res.stdout
    res = runner.invoke(app, ["query", EVIDENCE, "--store", url, "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[1:] == ["1"]
    res = runner.invoke(app, ["stats", "--store", url])
    assert res.exit_code == 0 and "documents" in res.stdout
