"""Corpus readers map every label set onto the project's labels, offsets exact."""

from __future__ import annotations

import json
from pathlib import Path

from graph.eval import corpora


def test_cluener_inclusive_ends_become_exclusive(tmp_path: Path):
    f = tmp_path / "dev.json"
    rec = {"text": "浙商银行叶老桂说", "label": {"company": {"浙商银行": [[0, 3]]}, "name": {"叶老桂": [[4, 6]]}}}
    f.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    (s,) = corpora.read_cluener(f)
    assert sorted(s.spans) == [(0, 4, "ORG"), (4, 7, "PER")]
    assert s.complete


def test_bmes_and_bio_tags(tmp_path: Path):
    f = tmp_path / "r.bmes"
    f.write_text("高 B-NAME\n勇 E-NAME\n： O\n汉 B-RACE\n族 E-RACE\n\n", encoding="utf-8")
    (s,) = corpora.read_resume(f)
    assert (s.text, s.spans) == ("高勇：汉族", [(0, 2, "PER"), (3, 5, "RACE")])
    g = tmp_path / "m.bio"
    g.write_text("中\tB-LOC\n国\tI-LOC\n人\tO\n\n", encoding="utf-8")
    (m,) = corpora.read_msra(g)
    assert m.spans == [(0, 2, "LOC")]


def test_finre_silver_spans_are_partial(tmp_path: Path):
    f = tmp_path / "train.txt"
    f.write_text("东方航空\t上航\t合并\t东方航空与上航合并<N>次\n\n", encoding="utf-8")
    (s,) = corpora.read_finre(f, {"东方航空": "ORG"})
    assert not s.complete
    assert s.text.endswith("0次")
    assert s.spans == [(0, 4, "ORG"), (5, 7, "ORG")]


def test_unschemed_labels_are_blanked():
    sent = corpora.Sentence("记者张三报道", [(2, 4, "PER")], "msra")
    corpora.blank_unschemed(sent, {"TITLE": {"记者"}})
    assert sent.blank == [(0, 2)]
