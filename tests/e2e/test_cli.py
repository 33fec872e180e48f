import json

from typer.testing import CliRunner

from graph.cli.app import app

runner = CliRunner()


def test_build_query_export_stats_viz(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("去年騰訊與招商銀行達成合作。", encoding="utf-8")
    store = str(tmp_path / "s")
    r = runner.invoke(app, ["build", str(doc), "--store", store, "--no-model"])
    assert r.exit_code == 0, r.output
    assert "triples" in r.output
    r = runner.invoke(app, ["query", "partners", "--store", store, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["results"]["bindings"]
    r = runner.invoke(app, ["query", "SELECT ?s WHERE { ?s a kg:Bank }", "--store", store, "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "s"
    r = runner.invoke(app, ["query", "relations-of", "--bind", "name=招商銀行", "--store", store, "--format", "tsv"])
    assert r.exit_code == 0 and len(r.stdout.splitlines()) >= 2
    r = runner.invoke(app, ["export", "--store", store])
    assert r.exit_code == 0 and "@prefix" in r.stdout
    r = runner.invoke(app, ["stats", "--store", store])
    assert r.exit_code == 0 and "documents" in r.stdout
    r = runner.invoke(app, ["validate", "--store", store])
    assert r.exit_code == 0, r.output


def test_eval_prints_table(tmp_path):
    from tests.conftest import ROOT

    r = runner.invoke(app, ["eval", str(ROOT / "tests" / "gold" / "seed.yaml"), "--no-model"])
    assert r.exit_code == 0, r.output
    assert "ent P" in r.stdout
