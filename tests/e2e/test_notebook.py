"""The example notebook runs top to bottom, so it never goes stale."""

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
#: Cells tagged ``plot`` in the notebook: class distribution, confidence histogram, relations over time, centrality.
PLOTS = 4


def _png_count(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


@pytest.mark.slow
def test_explore_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.chdir(NOTEBOOK.parent)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # A plot cell that fails quietly (no figure drawn, a backend without inline output) leaves no PNG.
    plots = [c for c in code if "plot" in c.metadata.get("tags", [])]
    assert len(plots) == PLOTS
    assert [_png_count(c) for c in plots] == [1] * PLOTS
    assert sum(_png_count(c) for c in code) == PLOTS


def test_notebook_is_saved_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} keep outputs; clear them before saving"
