"""The shared word tables (suffixes.yaml, titles.yaml), their loader, and the docs made from them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.nlp.lexicon import SuffixTable, TitleTable
from graph.nlp.patterns import PATTERN_DIR, load_patterns, load_suffixes, load_titles
from graph.script import normalize

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"kind": "", "class": "", "document": "", "en": "", "weak": "", "place": "", "brand": ""}


def _keys_once(path: Path) -> list[str]:
    """Every key of the file's main mapping, as written, failing on a key given twice."""

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        dup = {k for k in keys if keys.count(k) > 1}
        assert not dup, f"{path.name}: given twice: {dup}"
        return loader.construct_mapping(node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return list(yaml.load(path.read_text(encoding="utf-8"), Loader=Loader))


@pytest.mark.parametrize("name", ["suffixes.yaml", "titles.yaml"])
def test_every_word_stands_once(name):
    _keys_once(PATTERN_DIR / name)
    data = yaml.safe_load((PATTERN_DIR / name).read_text(encoding="utf-8"))
    words = list(data["suffixes" if name == "suffixes.yaml" else "person_titles"])
    normalised = [normalize(w) if not w.isascii() else w for w in words]
    assert len(set(normalised)) == len(words)  # not once per script either


def test_views_of_the_suffix_table():
    table = SuffixTable.from_data({"fields": FIELDS, "suffixes": {
        "公司": {"kind": "org", "class": "Company", "weak": True},
        "有限公司": {"kind": "org", "class": "Company", "en": "Co., Ltd."},
        "云": {"kind": "org", "class": "CloudProvider", "weak": "strict"},
        "峰会": {"kind": "event", "class": "Conference", "brand": True},
        "报告": {"document": "Report"},
        "市": {"place": "admin"},
    }})
    assert table.classes("org") == [("有限公司", "Company"), ("公司", "Company"), ("云", "CloudProvider")]
    assert table.classes("event") == [("峰会", "Conference")]
    assert table.flagged("weak") == ["公司", "云"] and table.with_value("weak", "strict") == ["云"]
    assert table.flagged("brand") == ["峰会"]
    assert table.values("en") == {"有限公司": "Co., Ltd."}
    assert table.values("document") == {"报告": "Report"}
    assert table.with_value("place", "admin") == ["市"]


@pytest.mark.parametrize(("spec", "message"), [
    ({"kind": "org", "class": "Company", "legal": True}, "unknown field"),
    ({"kind": "company", "class": "Company"}, "not one of"),
    ({"kind": "org"}, "kind and class go together"),
    ({"brand": "yes"}, "is a flag"),
    ({"place": "city"}, "not one of"),
])
def test_a_malformed_suffix_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        SuffixTable.from_data({"fields": FIELDS, "suffixes": {"公司": spec}})


def test_every_class_in_the_tables_is_an_ontology_class():
    from graph.rdf.ontology import load_ontology
    from graph.vocab import KG

    classes = load_ontology().classes
    table = load_suffixes()
    named = {v for f in ("class", "model_class", "document", "latin_class") for v in table.values(f).values()}
    assert named and not {c for c in named if KG[c] not in classes}


def test_the_shipped_tables_load():
    table = load_suffixes()
    assert ("有限公司", "Company") in table.classes("org")
    assert "分行" in table.flagged("branch") and "有限公司" in table.flagged("registered")
    titles = load_titles()
    assert "董事长" in titles.titles and "董事会" in titles.position_blockers
    assert set(titles.fields) == {"en"} and all(spec.get("en") for spec in titles.person.values())


def test_title_fields_are_checked():
    with pytest.raises(ValueError, match="unknown field"):
        TitleTable.from_data({"fields": {"en": ""}, "person_titles": {"董事长": {"english": "chairman"}}})


def test_entities_yaml_shares_the_titles_in_their_order():
    # The relation and event rules read person_titles from entities.yaml.
    assert list(load_patterns("entities.yaml")["person_titles"]) == load_titles().titles


def test_verbatim_values_keep_their_punctuation(tmp_path):
    (tmp_path / "t.yaml").write_text('verbatim: [kept]\nkept: "（，"\nfolded: ["（，"]\n', encoding="utf-8")
    p = load_patterns("t.yaml", tmp_path)
    assert p["kept"] == "（，" and p["folded"] == ["(,"]
    assert "verbatim" not in p


def test_docs_lexicon_is_generated_from_the_tables():
    from graph.nlp.lexicon_docs import render

    expected = render()
    assert (ROOT / "docs" / "lexicon.md").read_text(encoding="utf-8") == expected, (
        "docs/lexicon.md is stale: python -m graph.nlp.lexicon_docs > docs/lexicon.md")
    assert "| 有限公司 | org | Company |" in expected and "| 董事长 | chairman |" in expected
