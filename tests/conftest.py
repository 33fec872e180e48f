from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nlp():
    from graph.nlp.pipeline import get_pipeline

    return get_pipeline(False)


@pytest.fixture()
def run(nlp):
    """Run the whole pipeline on a text, with an optional publication date."""

    from graph.nlp.pipeline import annotate_text

    def _run(text: str, published=None):
        return annotate_text(text, published, nlp)

    return _run


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    from graph import build

    path = tmp_path_factory.mktemp("seed") / "store"
    kg = build([ROOT / "seeds"], store=path, use_statistical=False)
    kg.close()
    return path
