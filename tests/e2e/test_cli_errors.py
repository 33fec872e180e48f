"""`kg query` and store errors: one line on stderr, no traceback, documented exit codes (docs/errors.md)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from graph.cli.app import app
from graph.store.sparql import named_queries

runner = CliRunner()
KG_BIN = str(Path(sys.executable).with_name("kg"))


def kg(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def one_error(result, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in result.stderr + result.stdout
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("q")
    (d / "a.txt").write_text("中國工商銀行與招商銀行達成合作。", encoding="utf-8")
    r = kg("build", d / "a.txt", "--store", d / "s", "--no-model")
    assert r.exit_code == 0, r.stderr
    return d / "s"


@pytest.fixture(scope="module")
def big_store(tmp_path_factory) -> Path:
    """20k triples: a three-way cross join is 8e12 rows, far beyond 1 s."""
    d = tmp_path_factory.mktemp("big") / "s"
    s = ox.Store(str(d))
    g = ox.NamedNode("http://example.org/g")
    p = ox.NamedNode("http://example.org/p")
    s.extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(str(i)), g) for i in range(20_000))
    s.flush()
    del s
    return d


# ------------------------------------------------------------------ syntax errors


@pytest.mark.parametrize(
    ("sparql", "line"),
    [
        ("SELECT ?s WHERE { ?s ?p }", 1),
        ("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER( }", 4),
        ("SELECT ?s WHERE {\n  ?s a kg:Bank ;\n     kg:name }", 3),  # uses a prefix the CLI adds
    ],
)
def test_malformed_sparql_reports_line_and_column(store, sparql, line):
    msg = one_error(kg("query", sparql, "--store", store), 2)
    assert "SPARQL syntax error at line" in msg and "column" in msg


def test_syntax_error_line_counts_the_users_lines(store):
    msg = one_error(kg("query", "SELECT ?s WHERE {\n  ?s a kg:Bank ;\n     kg:name }", "--store", store), 2)
    assert "at line 3," in msg, msg


def test_syntax_error_is_caught_before_opening_the_store(tmp_path):
    msg = one_error(kg("query", "SELECT WHERE {", "--store", tmp_path / "nostore"), 2)
    assert "syntax error" in msg
    assert not (tmp_path / "nostore").exists()


# ------------------------------------------------------------------ updates


@pytest.mark.parametrize(
    "sparql",
    [
        "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
        "PREFIX x: <http://example.org/> INSERT DATA { x:a x:b x:c }",
        "# a comment\ndelete where { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_refused_without_flag(store, sparql):
    before = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", store, "-f", "csv").stdout
    msg = one_error(kg("query", sparql, "--store", store), 2)
    assert "--update" in msg
    after = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", store, "-f", "csv").stdout
    assert before == after and before.strip().endswith(tuple("0123456789"))


def test_update_applies_with_flag(tmp_path, store):
    import shutil

    s = tmp_path / "copy"
    shutil.copytree(store, s)
    r = kg("query", "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> 'c' } }", "--store", s, "--update")
    assert r.exit_code == 0 and "update applied" in r.stdout, r.stderr
    r = kg("query", "ASK { <http://example.org/a> <http://example.org/b> 'c' }", "--store", s)
    assert r.stdout.strip() == "true"


def test_service_refused(store):
    msg = one_error(kg("query", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "--store", store), 2)
    assert "SERVICE" in msg


# ------------------------------------------------------------------ named queries


def test_unknown_named_query_lists_known_ones(store):
    msg = one_error(kg("query", "no-such-query", "--store", store), 2)
    assert "unknown named query 'no-such-query'" in msg
    known = list(named_queries())
    assert known and all(name in msg for name in known)


def test_missing_query_file(store, tmp_path):
    msg = one_error(kg("query", str(tmp_path / "missing.rq"), "--store", store), 2)
    assert "missing.rq: no such query file" in msg


def test_bad_binding(store):
    msg = one_error(kg("query", "relations-of", "--store", store, "--bind", "novalue"), 2)
    assert "VAR=VALUE" in msg


# ------------------------------------------------------------------ timeout


def test_timeout_stops_a_cross_join(big_store):
    t0 = time.monotonic()
    r = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }", "--store", big_store, "--timeout", "1")
    elapsed = time.monotonic() - t0
    msg = one_error(r, 4)
    assert "stopped after 1 s" in msg and "--timeout" in msg
    assert elapsed < 15, elapsed


def test_timeout_does_not_affect_a_quick_query(big_store):
    r = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", big_store, "--timeout", "20")
    assert r.exit_code == 0, r.stderr
    assert "20000" in r.stdout and "1 row(s)" in r.stdout


@pytest.mark.slow
def test_timeout_in_real_process(big_store):
    t0 = time.monotonic()
    p = subprocess.run(
        [KG_BIN, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }", "--store", str(big_store), "--timeout", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 4, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 30


# ------------------------------------------------------------------ stores


def test_query_without_store(tmp_path):
    msg = one_error(kg("query", "SELECT * WHERE { ?s ?p ?o }", "--store", tmp_path / "nostore"), 3)
    assert "no store here yet" in msg
    assert not (tmp_path / "nostore").exists()


@pytest.mark.parametrize("cmd", [["stats"], ["export"], ["validate"]])
def test_read_commands_without_store(tmp_path, cmd):
    msg = one_error(kg(*cmd, "--store", tmp_path / "nostore"), 3)
    assert "no store here yet" in msg


def test_store_path_is_a_file(tmp_path, store):
    f = tmp_path / "file"
    f.write_text("not a store", encoding="utf-8")
    msg = one_error(kg("query", "SELECT * WHERE { ?s ?p ?o }", "--store", f), 3)
    assert f"{f}: is a file, not a store directory" in msg
    (tmp_path / "a.txt").write_text("招商銀行。", encoding="utf-8")
    msg = one_error(kg("build", tmp_path / "a.txt", "--store", f, "--no-model"), 3)
    assert str(f) in msg


def test_remove_unknown_document(store):
    r = kg("remove", "no-such-doc", "--store", store)
    assert r.exit_code == 2 and "removed 0 document(s)" in r.stdout


def test_corrupt_store(tmp_path):
    d = tmp_path / "corrupt"
    d.mkdir()
    (d / "CURRENT").write_text("garbage\n", encoding="utf-8")
    for args in (["query", "ASK {}"], ["stats"]):
        msg = one_error(kg(*args, "--store", d), 3)
        assert "store is damaged" in msg
    (tmp_path / "a.txt").write_text("招商銀行。", encoding="utf-8")
    msg = one_error(kg("build", tmp_path / "a.txt", "--store", d, "--no-model"), 3)
    assert "store is damaged" in msg


def test_empty_directory_is_no_store(tmp_path):
    d = tmp_path / "emptyd"
    d.mkdir()
    msg = one_error(kg("query", "ASK {}", "--store", d), 3)
    assert "no store here yet" in msg


# ------------------------------------------------------------------ clean messages


@pytest.mark.parametrize(
    ("sparql", "needle"),
    [
        ("SELEC ?s WHERE { ?s ?p ?o }", "'SELEC' is not a query form"),  # Oxigraph: "expected CONSTRUCT"
        ("CONSTRUC { ?s ?p ?o } WHERE { ?s ?p ?o }", "'CONSTRUC' is not a query form"),
        ("SELECT ?s WHERE { ?s ?p ?o } LIMT 3", "unknown word 'LIMT'"),
        ("SELECT ?s WHERE { ?s ?p ?o", "'{' is never closed"),
        ("ASK { ?s ?p ?o } }", "'}' without a matching '{'"),
        ('SELECT ?s WHERE { ?s ?p "abc }', "string is never closed"),
        ("SELECT ?s WHERE { ?s foo:Bank ?o }", "prefix 'foo:' is not declared"),
        ("SELECT ?s WHERE { ?s ?p }", "cannot parse '?s ?p }'"),
        ("SELECT ?s WHERE { ?s <http://a b> ?o }", "invalid IRI <http://a b>"),
    ],
)
def test_syntax_errors_name_the_problem_not_the_grammar(store, sparql, needle):
    msg = one_error(kg("query", sparql, "--store", store), 2)
    assert msg.startswith("error: SPARQL syntax error at line 1, column ")
    assert needle in msg, msg
    for internal in ("expected CONSTRUCT", "[_]", "..=", "\\u{", "Prefix not found", "error at 1:", "Expected"):
        assert internal not in msg, msg


def test_update_refused_message_speaks_cli(store):
    msg = one_error(kg("query", "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }", "--store", store), 2)
    assert "pass --update" in msg and "allow_update" not in msg


def test_update_syntax_error_is_located(tmp_path, store):
    import shutil

    s = tmp_path / "copy"
    shutil.copytree(store, s)
    msg = one_error(kg("query", "INSERT DAT { <http://example.org/a> <http://example.org/b> 'c' }", "--store", s, "--update"), 2)
    assert "line 1, column 8" in msg and "'DAT'" in msg, msg


def test_api_update_refusal_names_the_api_argument(store):
    from graph.api import KnowledgeGraph
    from graph.store.sparql import QueryError

    with KnowledgeGraph.open(store, read_only=True) as g, pytest.raises(QueryError) as exc:
        g.query("DROP ALL")
    assert "allow_update=True" in str(exc.value) and "--update" not in str(exc.value)


def test_os_error_without_file_name_has_no_empty_prefix(tmp_path, monkeypatch):
    import graph.rdf.ontology

    def missing(*_a, **_k):
        raise FileNotFoundError("ontology file missing: /nowhere/ontology.ttl")

    monkeypatch.setattr(graph.rdf.ontology, "load_ontology", missing)
    (tmp_path / "a.txt").write_text("招商銀行。", encoding="utf-8")
    msg = one_error(kg("build", tmp_path / "a.txt", "--store", tmp_path / "s", "--no-model"), 2)
    assert msg == "error: ontology file missing: /nowhere/ontology.ttl"
    assert not (tmp_path / "s").exists()  # the store this failed build created is gone again


# ------------------------------------------------------------------ output formats and pipes


def test_json_format_is_sparql_results_json(store):
    import json

    from rdflib.query import Result

    r = kg("query", "SELECT ?e ?label ?n ?none WHERE { ?e rdfs:label ?label ; kg:mentionCount ?n "
           "FILTER(langMatches(lang(?label), 'zh-Hant')) OPTIONAL { ?e kg:nothing ?none } } ORDER BY ?e", "--store", store, "-f", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["head"]["vars"] == ["e", "label", "n", "none"]
    row = data["results"]["bindings"][0]
    assert row["e"]["type"] == "uri" and row["e"]["value"].startswith("https://w3id.org/cnfinkg/id/")
    assert row["label"]["type"] == "literal" and row["label"]["xml:lang"].lower() == "zh-hant"
    assert row["n"] == {"type": "literal", "value": row["n"]["value"], "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert "none" not in row  # unbound: absent
    parsed = Result.parse(source=__import__("io").StringIO(r.stdout), format="json")  # a standard reader agrees
    assert len(list(parsed)) == len(data["results"]["bindings"])
    ask = kg("query", "ASK { ?s ?p ?o }", "--store", store, "-f", "json")
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_output_cut_short_by_head_is_not_an_error(big_store, fmt):
    """`kg query … | head -1`: the reader goes away; kg stops quietly with exit code 0."""
    p = subprocess.Popen([KG_BIN, "query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(big_store), "-f", fmt],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline()
    p.stdout.close()  # like head: stop reading
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, (p.returncode, stderr)
    assert stderr.decode().strip() == ""
