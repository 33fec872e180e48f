"""Store safety: killed builds, concurrent writers and readers, idempotent rebuilds, retraction.

The store keeps each document in a named graph written by one SPARQL Update,
so a build killed with SIGKILL must leave every document either complete or
absent.  These tests run the real ``kg`` script in subprocesses where a second
process matters, and the in-process CLI otherwise.
"""

from __future__ import annotations

import gc
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from graph.api import KnowledgeGraph
from graph.cli.app import app
from graph.vocab import ENTITY_GRAPH, KG, ONTOLOGY_GRAPH

pytestmark = pytest.mark.slow

KG_BIN = str(Path(sys.executable).with_name("kg"))
CONTENT_HASH = ox.NamedNode(str(KG.contentHash))
ICBC = "https://w3id.org/cnfinkg/id/icbc"
CMB = "https://w3id.org/cnfinkg/id/china-merchants-bank"
NAMES = ["中國工商銀行", "招商銀行", "滙豐", "花旗集團", "高盛", "南京銀行", "螞蟻金服", "阿里巴巴", "中國銀行", "建設銀行"]
N_DOCS = 400  # a build of 200 finished within the checks below once writes got faster

runner = CliRunner()


def kg(*args) -> SimpleNamespace:
    """Run the CLI in-process; drop the result so no frame keeps a store (and its lock) alive."""
    r = runner.invoke(app, [str(a) for a in args])
    out = SimpleNamespace(exit_code=r.exit_code, stdout=r.stdout, stderr=r.stderr, exception=r.exception)
    del r
    gc.collect()
    return out


def make_doc(i: int) -> str:
    a, b, c = NAMES[i % 10], NAMES[(i * 3 + 1) % 10], NAMES[(i * 7 + 2) % 10]
    if a == b:
        b = NAMES[(i + 5) % 10]
    para = (
        f"第{i}號新聞：{a}與{b}達成戰略合作。\n{a}董事長表示，雙方將在金融科技領域深化合作。\n"
        f"{c}去年淨利潤增長{i % 40 + 1}.5%，達到{i + 10}億元。\n"
    )
    return para * 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus") / "news"
    d.mkdir()
    for i in range(N_DOCS):
        (d / f"doc{i:03d}.txt").write_text(make_doc(i), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory) -> Path:
    """A reference store built in one go, without interruption."""
    s = tmp_path_factory.mktemp("clean") / "s"
    r = kg("build", corpus, "--store", s, "--no-model")
    assert r.exit_code == 0, r.stderr
    return s


def graph_sizes(store: Path) -> dict[str, int]:
    """Named graph -> number of quads, read through a read-only handle."""
    st = ox.Store.read_only(str(store))
    try:
        sizes: dict[str, int] = {}
        for q in st.quads_for_pattern(None, None, None, None):
            if isinstance(q.graph_name, ox.NamedNode):
                sizes[q.graph_name.value] = sizes.get(q.graph_name.value, 0) + 1
        hashes = {q.graph_name.value for q in st.quads_for_pattern(None, CONTENT_HASH, None, None) if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name}
    finally:
        del st
    return {g: (n if g in hashes else -n) for g, n in sizes.items()}  # negative: no contentHash node


def entity_sets(store: Path) -> tuple[set[str], set[str]]:
    """(entities some document graph mentions, entities the shared graph describes)."""
    st = ox.Store.read_only(str(store))
    try:
        shared = ox.NamedNode(str(ENTITY_GRAPH))
        mentioned = {q.object.value for q in st.quads_for_pattern(None, ox.NamedNode(str(KG.refersTo)), None, None)}
        described = {q.subject.value for q in st.quads_for_pattern(None, None, None, shared)}
    finally:
        del st
    return mentioned, described


def export(store: Path) -> str:
    r = kg("export", "--store", store)
    assert r.exit_code == 0, r.stderr
    return r.stdout


def wait_for_documents(store: Path, proc: subprocess.Popen, at_least: int, timeout: float = 120) -> int:
    """Poll (read-only) until the running build has written ``at_least`` documents."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, f"build ended early: {proc.returncode} {proc.stderr.read() if proc.stderr else ''}"
        if store.exists():
            try:
                n = len(graph_sizes(store))
            except (OSError, RuntimeError):  # e.g. "Column family not found" while the writer creates the store
                n = 0
            if n >= at_least:
                return n
        time.sleep(0.05)
    raise AssertionError("build made no progress")


# ------------------------------------------------------------------ SIGKILL half way


def test_build_killed_halfway_leaves_consistent_store(corpus, clean, tmp_path):
    store = tmp_path / "s"
    (tmp_path / "other.txt").write_text("中國工商銀行與招商銀行達成合作。", encoding="utf-8")
    proc = subprocess.Popen([KG_BIN, "build", str(corpus), "--store", str(store), "--no-model"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_documents(store, proc, 5)

        # A second writer while the build runs: a clear "locked" error, exit 3.
        r = kg("build", tmp_path / "other.txt", "--store", store, "--no-model")
        assert r.exit_code == 3, (r.exit_code, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "store is locked" in lines[0] and "Traceback" not in r.stderr

        # A reader while the build runs: answers (read-only open) or a clear one-line message.
        r = kg("query", "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kg:NewsArticle }", "--store", store, "-f", "csv")
        assert r.exit_code in (0, 3), r.stderr
        if r.exit_code == 0:
            assert int(r.stdout.split()[1]) >= 5
        else:
            assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr

        wait_for_documents(store, proc, 20)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed; make the corpus bigger"

    killed, reference = graph_sizes(store), graph_sizes(clean)
    onto = str(ONTOLOGY_GRAPH)
    if onto in killed:  # the ontology graph, if the build stores one, is all or nothing too
        assert abs(killed.pop(onto)) == abs(reference[onto])
    # The shared entity graph describes exactly the entities the stored documents mention.
    assert abs(killed.pop(str(ENTITY_GRAPH))) <= abs(reference[str(ENTITY_GRAPH)])
    mentioned, described = entity_sets(store)
    assert mentioned and mentioned == described
    assert 0 < len(killed) < N_DOCS, len(killed)
    for g, n in killed.items():
        assert n > 0, f"{g}: graph without its kg:contentHash node"
        assert n == reference[g], f"{g}: {n} triples, a clean build has {reference[g]}"

    r = kg("stats", "--store", store)
    assert r.exit_code == 0, r.stderr

    # Building again completes the store; the result is the clean build, byte for byte.
    r = kg("build", corpus, "--store", store, "--no-model")
    assert r.exit_code == 0, r.stderr
    assert graph_sizes(store) == reference
    assert export(store) == export(clean)


# ------------------------------------------------------------------ concurrent access


HOLD_WRITER = """
import sys, time, pyoxigraph as ox
s = ox.Store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def held_store(clean, tmp_path):
    """A copy of the clean store with a writer open in another process."""
    import shutil

    store = tmp_path / "held"
    shutil.copytree(clean, store)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    yield store
    holder.stdin.close()
    holder.wait(timeout=30)


@pytest.mark.parametrize(
    "args",
    [
        ["build", "{doc}", "--no-model"],
        ["remove", "doc000.txt"],
        ["query", "--update", "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }"],
    ],
)
def test_second_writer_gets_locked_error(held_store, tmp_path, args):
    doc = tmp_path / "x.txt"
    doc.write_text("招商銀行發布年報。", encoding="utf-8")
    r = kg(*[a.replace("{doc}", str(doc)) for a in args], "--store", held_store)
    assert r.exit_code == 3, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "store is locked" in lines[0] and str(held_store) in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [["stats"], ["query", "documents", "-f", "csv"], ["export"]])
def test_readers_work_while_a_writer_holds_the_store(held_store, args):
    r = kg(*args, "--store", held_store)
    assert r.exit_code == 0, r.stderr


def test_api_close_releases_the_lock(tmp_path):
    """Notebook use: close() then open again in the same process."""
    g = KnowledgeGraph.open(tmp_path / "s")
    g.close()
    g2 = KnowledgeGraph.open(tmp_path / "s")
    g2.close()


# ------------------------------------------------------------------ idempotence


def test_reingest_is_idempotent(corpus, clean, tmp_path):
    import shutil

    store = tmp_path / "s"
    shutil.copytree(clean, store)
    before_sizes, before = graph_sizes(store), export(store)
    r = kg("build", corpus, "--store", store, "--no-model")
    assert r.exit_code == 0
    assert re.search(rf"skipped \(unchanged\)\W+{N_DOCS}\b", r.stdout), r.stdout
    assert graph_sizes(store) == before_sizes and export(store) == before
    r = kg("build", corpus, "--store", store, "--no-model", "--force")
    assert r.exit_code == 0
    assert graph_sizes(store) == before_sizes
    assert export(store) == before  # byte-identical


def test_same_document_twice_gives_no_duplicates(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("中國工商銀行與招商銀行達成合作。中國工商銀行淨利潤增長5%。", encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    assert kg("build", doc, "--store", one, "--no-model").exit_code == 0
    assert kg("build", doc, doc, "--store", two, "--no-model").exit_code == 0
    assert kg("build", doc, "--store", two, "--no-model", "--force").exit_code == 0
    assert graph_sizes(one) == graph_sizes(two)
    assert len([g for g in graph_sizes(two) if g not in (str(ONTOLOGY_GRAPH), str(ENTITY_GRAPH))]) == 1
    assert export(one) == export(two)
    with KnowledgeGraph.open(two, read_only=True) as g:
        labels = [str(r[0]) for r in g.query(f"SELECT ?l WHERE {{ <{ICBC}> rdfs:label ?l }}").rows]
        docs = g.query("SELECT ?d WHERE { ?d a kg:NewsArticle }").rows
        mentions = g.query("SELECT ?m WHERE { ?m a kg:Mention }").rows
    assert len(labels) == len(set(labels)) and labels
    assert len(docs) == 1
    assert len(mentions) == len(set(mentions))


# ------------------------------------------------------------------ retraction


def test_remove_keeps_fact_supported_by_other_document(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("中國工商銀行與招商銀行達成合作。", encoding="utf-8")
    b.write_text("據報道，中國工商銀行與招商銀行達成合作。雙方將共同開發新產品。", encoding="utf-8")
    store = tmp_path / "s"
    assert kg("build", a, b, "--store", store, "--no-model").exit_code == 0

    def facts_and_evidence():
        with KnowledgeGraph.open(store, read_only=True) as g:
            facts = {(str(r[0]), str(r[1]), str(r[2])) for r in g.query(
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ <{ICBC}> <{CMB}> }} VALUES ?o {{ <{ICBC}> <{CMB}> }} ?s ?p ?o }}").rows}
            ev = {(str(r[0]), str(r[1])) for r in g.query(
                f"SELECT ?st ?d WHERE {{ ?st a rdf:Statement ; rdf:subject ?s ; prov:wasDerivedFrom ?d . VALUES ?s {{ <{ICBC}> <{CMB}> }} }}").rows}
            docs = {str(r[0]) for r in g.query("SELECT ?d WHERE { ?d a kg:NewsArticle }").rows}
        return facts, ev, docs

    facts, ev, docs = facts_and_evidence()
    assert facts, "the pipeline found no relation between ICBC and CMB"
    doc_a, doc_b = sorted(docs)  # keys a-…, b-…
    assert {d for _, d in ev} == {doc_a, doc_b}

    r = kg("remove", a, "--store", store)
    assert r.exit_code == 0 and "removed 1 document(s)" in r.stdout, r.stderr
    facts2, ev2, docs2 = facts_and_evidence()
    assert facts2 == facts  # b still supports them
    assert ev2 == {(st, d) for st, d in ev if d == doc_b}  # only a's evidence is gone
    assert docs2 == {doc_b}

    r = kg("remove", b, "--store", store)
    assert r.exit_code == 0
    facts3, ev3, docs3 = facts_and_evidence()
    assert not facts3 and not ev3 and not docs3
