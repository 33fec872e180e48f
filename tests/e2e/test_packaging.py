"""The package as users install it: data folder lookup, and a real wheel in a fresh virtualenv.

The ontology, shapes, knowledge base, patterns and named queries live in the repository's top-level
``ontology/`` folder and are installed inside the package as ``graph.ontologydata``
(pyproject.toml, setup.py).  A wheel that misses them fails at the first command
(``ontology file missing: …/site-packages/ontology/ontology.ttl``).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "leiphone-2018-05-ant-financial-cloud.md"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNFINKG_ONTOLOGY", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def test_ontology_dir_is_the_package_data():
    from graph.vocab import ONTOLOGY_DIR

    assert Path(str(files("graph.ontologydata"))) == ONTOLOGY_DIR
    for name in ("ontology.ttl", "shapes.ttl", "README.md"):
        assert (ONTOLOGY_DIR / name).is_file(), name
    assert list((ONTOLOGY_DIR / "kb").glob("*.ttl")) and list((ONTOLOGY_DIR / "queries").glob("*.rq"))
    assert list((ONTOLOGY_DIR / "patterns").glob("*.yaml"))


def test_cnfinkg_ontology_overrides_the_folder(tmp_path):
    code = "from graph.vocab import ONTOLOGY_DIR; print(ONTOLOGY_DIR)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env=_clean_env(CNFINKG_ONTOLOGY=str(tmp_path)), timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(tmp_path)


def _source_copy(dest: Path) -> Path:
    """What a clean checkout builds from (no build/ or egg-info of earlier in-tree builds)."""
    dest.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("graph", "ontology"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    # A model directory of files without extensions, as spaCy writes them.
    probe = dest / "graph" / "models" / "packaging-probe" / "tagger"
    probe.mkdir(parents=True)
    (probe / "model").write_bytes(b"\x00\x01")
    (probe.parent / "meta.json").write_text("{}", encoding="utf-8")
    return dest


def _site_dirs() -> list[str]:
    """Where this interpreter finds the dependencies (spaCy, rdflib, pyoxigraph …)."""
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_every_command(tmp_path):
    # 1. Build the wheel from a copy of the sources.
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                       capture_output=True, text=True, timeout=600, env=_clean_env())
    assert p.returncode == 0, p.stdout + p.stderr
    wheel = next(dist.glob("cnfinkg-*.whl"))

    # 2. It holds every module, every data file and every model file.
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"graph/{f.relative_to(src / 'graph').as_posix()}" for f in (src / "graph").rglob("*")
                if f.is_file() and (f.suffix == ".py" or "models" in f.relative_to(src / "graph").parts)}
    expected |= {f"graph/ontologydata/{f.relative_to(src / 'ontology').as_posix()}" for f in (src / "ontology").rglob("*") if f.is_file()}
    assert "graph/ontologydata/ontology.ttl" in expected and "graph/models/packaging-probe/tagger/model" in expected
    assert expected <= names, sorted(expected - names)

    # 3. A fresh venv (no system site-packages) with the wheel installed, without its dependencies:
    #    those come from this interpreter's site-packages through a .pth file, whose directories are
    #    plain sys.path entries (their own .pth files, such as the editable install's finder, are
    #    not run), so `graph` can only come from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    py = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "zz_cnfinkg_test_deps.pth").write_text("\n".join(_site_dirs()) + "\n", encoding="utf-8")
    p = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                       capture_output=True, text=True, timeout=600, env=_clean_env())
    assert p.returncode == 0, p.stdout + p.stderr

    # 4. Every command, from a directory that is not the repository.
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy2(SEED, work / SEED.name)
    env = _clean_env()

    def kg(*args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([str(venv / "bin" / "kg"), *args], capture_output=True, text=True, cwd=work, env=env, timeout=600)
        assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
        return r

    where = subprocess.run([str(py), "-c", "import graph, graph.vocab as v; print(graph.__file__); print(v.ONTOLOGY_DIR)"],
                           capture_output=True, text=True, cwd=work, env=env, check=True).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # the wheel's code and data, not the repository's

    kg("build", SEED.name, "--no-model")
    assert (work / "kg-store").is_dir()
    partners = kg("query", "partners")
    assert "Bank of Nanjing" in partners.stdout
    kg("export", "-o", "out.ttl")
    assert (work / "out.ttl").stat().st_size > 1000
    kg("viz", "-o", "out.html")
    assert (work / "out.html").stat().st_size > 1000
    valid = kg("validate")
    assert "valid" in valid.stdout
    assert kg("queries").stdout.strip()
