"""Extraction in this process, in worker processes and on a Dask LocalCluster gives the same store,
byte for byte, in input order; a document that keeps failing is retried, then reported, and the
others land (graph/extract.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import URIRef

from graph import KnowledgeGraph
from graph.extract import (
    BATCH_DOCS,
    EXECUTORS,
    IN_FLIGHT_PER_WORKER,
    ClusterError,
    Extracted,
    Plan,
    batches,
    extract_all,
)
from graph.ingest.reader import Document, parse_text

distributed = pytest.importorskip("distributed")


# Names that recur across documents, in both scripts, so the shared entity graph and the order of
# the writes matter; one knowledge-base bank for the linked descriptions.
TEXTS = [
    "星河數據科技有限公司與中國工商銀行今日簽署戰略合作協議，雙方將在雲計算領域展開合作。",
    "星河数据科技有限公司宣布完成5亿元B轮融资，由招商银行领投。",
    "藍海支付股份有限公司總部位於上海，在深圳設有研發中心。",
    "蓝海支付股份有限公司以3亿元收购星河数据科技有限公司20%股权，交易预计于2024年完成。",
    "張偉出任藍海支付股份有限公司董事長，此前他曾擔任招商銀行副行長。",
    "2023年星河數據科技有限公司營業收入達到12億元，同比增長35%。",
    "中国工商银行增持蓝海支付股份有限公司股份至15%，成为其第一大股东。",
    "業內人士認為，金融科技正在重塑傳統銀行的業務模式。",
    "招商銀行與星河數據科技有限公司合資成立新公司，註冊資本2億元。",
    "藍海支付股份有限公司推出新一代支付平台，採用星河數據科技有限公司提供的技術。",
    "分析师指出，市场对此反应积极，相关板块当日上涨。",
    "张伟表示，蓝海支付将继续加大研发投入。",
]


def documents(n: int = len(TEXTS)) -> list[Document]:
    return [parse_text(t, f"doc-{i:02d}", path=f"doc-{i:02d}.txt") for i, t in enumerate(TEXTS[:n])]


@pytest.fixture(scope="module")
def client():
    """Two worker processes with one thread each, as the issue asks CI to test."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc, \
            distributed.Client(lc, set_as_default=False) as c:
        yield c


def build(docs: list[Document], **kwargs) -> tuple[KnowledgeGraph, object, list[str]]:
    kg = KnowledgeGraph.open(None)
    names: list[str] = []
    report = kg.add(docs, progress=lambda i, n, name: names.append(name), **kwargs)
    return kg, report, names


def exports(kg: KnowledgeGraph) -> tuple[str, str]:
    return kg.serialize("nquads"), kg.serialize("turtle")


# ------------------------------------------------------------------ the same graph


def test_every_executor_gives_the_same_store(client):
    docs = documents()
    serial, r1, n1 = build(docs, use_statistical=False)
    procs, r2, n2 = build(docs, use_statistical=False, workers=2)
    dask, r3, n3 = build(docs, use_statistical=False, cluster=client)
    expected = exports(serial)
    assert r1.documents == len(docs) and not r1.failed
    assert exports(procs) == expected
    assert exports(dask) == expected
    assert r1.as_dict() | {"seconds": 0} == r2.as_dict() | {"seconds": 0} == r3.as_dict() | {"seconds": 0}
    # the progress callback sees every document, in input order, whatever ran it
    in_order = [d.path for d in docs]
    for names in (n1, n2, n3):
        assert [n for n in names if n] == in_order
    assert client.submit(sum, [1, 2]).result() == 3  # a Client passed in is the caller's: still open


def test_the_default_models_give_the_same_store_too(client):
    docs = documents(3)
    expected = exports(build(docs)[0])
    assert exports(build(docs, workers=2)[0]) == expected
    assert exports(build(docs, cluster=client)[0]) == expected


@pytest.mark.parametrize(("n", "statistical"), [(len(TEXTS), False), (3, True)])
def test_a_batch_gives_what_each_document_gives_alone(n, statistical):
    """Batches run through annotate_stream (nlp.pipe); each result is the one annotate gives alone."""
    from graph.extract import _result, extract_batch
    from graph.nlp.pipeline import annotate

    docs = documents(n)
    alone = [_result(d, annotate(d, use_statistical=statistical), False) for d in docs]
    assert extract_batch(docs, statistical, False) == alone


def test_reasoning_builds_the_same_store_on_the_cluster(client):
    docs = documents(2)
    assert exports(build(docs, use_statistical=False, reason=True, cluster=client)[0]) == \
        exports(build(docs, use_statistical=False, reason=True)[0])


# ------------------------------------------------------------------ failures and retries


@dataclass
class Flaky(Document):
    """A document whose extraction raises its first ``meta['fails']`` times (each try leaves a line in
    ``meta['log']``, so the test counts the tries, whichever process made them)."""

    @property
    def published_date(self):  # read by the pipeline only, on a worker
        log = Path(self.meta["log"])
        with log.open("a") as f:
            f.write("try\n")
        if len(log.read_text().splitlines()) <= self.meta["fails"]:
            raise RuntimeError("the model ran out of patience\nsecond line of the message")
        return None


def flaky(tmp: Path, key: str, fails: int) -> Flaky:
    return Flaky(TEXTS[0], key, path=f"{key}.txt", meta={"log": str(tmp / f"{key}.log"), "fails": fails})


@pytest.mark.parametrize("where", ["serial", "processes", "dask"])
def test_a_failing_document_is_retried_then_reported_and_the_others_land(where, tmp_path, client):
    docs = documents(6)
    docs[1] = flaky(tmp_path, "always", fails=99)  # stops its batch: tried there once, then 1 + 2 times alone
    docs[4] = flaky(tmp_path, "once", fails=1)  # not reached in the batch; fails alone once, then lands
    kwargs = {"serial": {}, "processes": {"workers": 2}, "dask": {"cluster": client}}[where]
    kg, report, _ = build(docs, use_statistical=False, retries=2, **kwargs)
    assert report.documents == 5
    assert report.failed == [("always.txt", "always.txt: extraction failed (RuntimeError: the model ran out of "
                                            "patience), also on 2 retries")]
    assert len((tmp_path / "always.log").read_text().splitlines()) == 4
    assert len((tmp_path / "once.log").read_text().splitlines()) == 2
    rows = kg.query("SELECT DISTINCT ?doc WHERE { GRAPH ?doc { ?doc a ?type } }")
    stored = {URIRef(str(row[0])) for row in rows}
    assert {d.iri for d in docs if d.key != "always"} <= stored
    assert docs[1].iri not in stored


def test_workers_that_cannot_start_stop_the_build_with_a_clear_error(tmp_path):
    """A script without a main guard runs again in each worker and breaks the pool: one clear error
    instead of every document failing, and no endless new pools."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text("from graph import KnowledgeGraph\n"
                      "KnowledgeGraph.open(None).add(['第一篇。', '第二篇。'], use_statistical=False, workers=2)\n")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("graph.extract.WorkersError: the extraction processes stopped before extracting anything")
    assert last.endswith("must do so under `if __name__ == '__main__':`")


# ------------------------------------------------------------------ order and memory


class _Threads:
    """A test executor without NLP: batches run on threads and finish in reverse order of submission."""

    def __init__(self, plan: Plan) -> None:
        self.width = plan.workers

    def submit(self, work, item, retries, order):
        from concurrent.futures import Future

        fut: Future = Future()
        delay = 0.02 * (4 - order % 4)

        def run() -> None:
            time.sleep(delay)
            fut.set_result([Extracted(d.path or d.key) for d in (item if isinstance(item, list) else [item])])

        threading.Thread(target=run).start()
        return fut

    def close(self) -> None:
        pass


FAKE = {**EXECUTORS, "processes": _Threads}


def test_results_come_in_input_order_when_batches_finish_out_of_order():
    docs = [parse_text(f"第{i}篇。", f"k{i}", path=f"p{i}") for i in range(5 * BATCH_DOCS)]
    assert [r.name for r in extract_all(docs, Plan(workers=4), FAKE)] == [d.path for d in docs]


def test_documents_in_flight_stay_bounded():
    pulled = 0

    def stream():
        nonlocal pulled
        for i in range(20 * BATCH_DOCS):
            pulled += 1
            yield parse_text(f"第{i}篇。", f"m{i}")

    worst = 0
    for done, _ in enumerate(extract_all(stream(), Plan(workers=2), FAKE), start=1):
        worst = max(worst, pulled - done)
    assert pulled == 20 * BATCH_DOCS
    assert 0 < worst <= (IN_FLIGHT_PER_WORKER * 2 + 1) * BATCH_DOCS


def test_batches_close_at_a_document_count_or_a_size():
    docs = [parse_text("字" * n, f"b{i}") for i, n in enumerate([10, 10, 10, 500, 10])]
    assert [len(b) for b in batches(docs, max_docs=2, max_chars=1000)] == [2, 2, 1]
    assert [len(b) for b in batches(docs, max_docs=10, max_chars=400)] == [4, 1]
    assert list(batches([], max_docs=2)) == []


# ------------------------------------------------------------------ a cluster that can't be used


def test_a_scheduler_without_workers_is_a_clear_error(monkeypatch):
    import graph.extract as extract

    monkeypatch.setattr(extract, "CONNECT_TIMEOUT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as lc, \
            distributed.Client(lc, set_as_default=False) as c:
        kg = KnowledgeGraph.open(None)
        with pytest.raises(ClusterError, match=r"^no Dask worker has joined the scheduler at .* within 1 s"):
            kg.add(documents(2), use_statistical=False, cluster=c)
