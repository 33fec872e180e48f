"""`kg build --cluster`: a build on a Dask scheduler, and the one-line errors of one that can't be used."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.cli.app import app

distributed = pytest.importorskip("distributed")


runner = CliRunner()
KG_BIN = str(Path(sys.executable).with_name("kg"))
TEXTS = ["中國工商銀行與招商銀行達成合作。", "招商银行增持星河数据科技有限公司股份至15%。", "星河數據科技有限公司總部位於上海。"]


@pytest.fixture()
def corpus(tmp_path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for i, text in enumerate(TEXTS):
        (d / f"{i}.txt").write_text(text, encoding="utf-8")
    return d


def kg(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def one_error(code: int, stdout: str, stderr: str, returncode: int) -> str:
    assert returncode == code, (returncode, stdout, stderr)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in stderr + stdout
    assert lines[0].startswith("error: ")
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_build_on_a_cluster_stores_what_a_local_build_stores(corpus, tmp_path):
    assert kg("build", corpus, "--store", tmp_path / "local", "--no-model").exit_code == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                  dashboard_address=":0") as lc:
        r = kg("build", corpus, "--store", tmp_path / "dask", "--no-model", "--cluster", lc.scheduler_address)
        assert r.exit_code == 0, (r.stdout, r.stderr)
        assert "documents" in r.stdout and not r.stderr.strip()
    local = kg("export", "--store", tmp_path / "local", "--format", "nquads")
    remote = kg("export", "--store", tmp_path / "dask", "--format", "nquads")
    assert local.exit_code == remote.exit_code == 0
    assert remote.stdout == local.stdout and local.stdout.count("\n") > 20


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(corpus, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    p = subprocess.run([KG_BIN, "build", str(corpus), "--store", str(tmp_path / "s"), "--no-model",
                        "--cluster", address, "--connect-timeout", "1"], capture_output=True, text=True, timeout=60)
    line = one_error(2, p.stdout, p.stderr, p.returncode)
    assert line == f"error: cannot reach the Dask scheduler at {address} within 1 s; is `dask scheduler` running there?"
    assert not (tmp_path / "s").exists()  # no store is created for a build that cannot run


@pytest.mark.parametrize(("address", "reason"), [
    ("nonsense://x", "unknown scheme nonsense://"),
    ("tcp://127.0.0.1", "missing port number"),
    ("inproc://127.0.0.1/1/1", "reachable only from its own process"),
])
def test_a_malformed_address_is_one_line(corpus, tmp_path, address, reason):
    r = kg("build", corpus, "--store", tmp_path / "s", "--no-model", "--cluster", address)
    line = one_error(2, r.stdout, r.stderr, r.exit_code)
    assert line.startswith(f"error: {address!r} is not a Dask scheduler address (") and reason in line
    assert line.endswith("expected tcp://HOST:8786")
    assert not (tmp_path / "s").exists()


def test_a_scheduler_without_workers_is_one_line(corpus, tmp_path):
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp://", dashboard_address=":0") as lc:
        r = kg("build", corpus, "--store", tmp_path / "s", "--no-model", "--cluster", lc.scheduler_address,
               "--connect-timeout", "1")
    line = one_error(2, r.stdout, r.stderr, r.exit_code)
    assert line == (f"error: no Dask worker has joined the scheduler at {lc.scheduler_address} within 1 s; "
                    f"start one with `dask worker {lc.scheduler_address}`")


def test_workers_and_cluster_together_are_refused(corpus, tmp_path):
    r = kg("build", corpus, "--store", tmp_path / "s", "--workers", "2", "--cluster", "tcp://127.0.0.1:8786")
    line = one_error(2, r.stdout, r.stderr, r.exit_code)
    assert "--workers" in line and "--cluster" in line
