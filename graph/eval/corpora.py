"""Readers for the open NER and RE corpora, mapped onto one label set.

Every reader yields :class:`Sentence` records: Simplified text, character spans
``(start, end_exclusive, label)`` and whether the annotation is complete.  The
label set is coarse on purpose; the ontology's subclasses (company, government
agency, bank …) are chosen later from the name's suffix and the knowledge base.

=========  ==============================================================
label      from
=========  ==============================================================
PER        CLUENER name, MSRA PER, Resume NAME, DuIE 人物
ORG        CLUENER company/government/organization, MSRA ORG, Resume ORG,
           DuIE 企业/机构/学校/出版社…, FinRE heads and tails (silver)
LOC        CLUENER address/scene, MSRA LOC, Resume LOC, DuIE 地点/国家/城市
TITLE      CLUENER position, Resume TITLE
WORK       CLUENER book/movie/game, DuIE 图书作品/影视作品/歌曲
EDU, PRO,  Resume only (degree, profession, country of citizenship,
CONT, RACE ethnicity): kept so the Resume benchmark is complete
=========  ==============================================================

A corpus that does not annotate a label (MSRA has no titles, CLUENER no
ethnicities) would teach the model that such words are "O".  Where a string that
other corpora label with it occurs in such a corpus, its characters are left
unannotated instead (see :func:`blank_unschemed`).  FinRE and DuIE annotate only
some entities of each sentence, so all their other characters are unannotated.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CLUENER = {
    "name": "PER", "company": "ORG", "government": "ORG", "organization": "ORG", "address": "LOC",
    "scene": "LOC", "book": "WORK", "movie": "WORK", "game": "WORK", "position": "TITLE",
}
MSRA = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
RESUME = {"NAME": "PER", "ORG": "ORG", "LOC": "LOC", "TITLE": "TITLE", "EDU": "EDU", "PRO": "PRO", "CONT": "CONT", "RACE": "RACE"}
DUIE = {
    "人物": "PER", "企业": "ORG", "机构": "ORG", "学校": "ORG", "出版社": "ORG", "国家": "LOC", "城市": "LOC",
    "地点": "LOC", "图书作品": "WORK", "影视作品": "WORK", "歌曲": "WORK", "电视综艺": "WORK", "作品": "WORK",
    "网络小说": "WORK", "音乐专辑": "WORK",
}
ALL_LABELS = ("PER", "ORG", "LOC", "TITLE", "WORK", "EDU", "PRO", "CONT", "RACE")
SCHEMES = {
    "cluener": set(CLUENER.values()), "msra": set(MSRA.values()), "resume": set(RESUME.values()),
}


@dataclass
class Sentence:
    text: str
    spans: list[tuple[int, int, str]]
    corpus: str
    complete: bool = True
    blank: list[tuple[int, int]] = field(default_factory=list)  # unannotated character ranges


def read_cluener(path: Path) -> Iterator[Sentence]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        spans = [
            (s, e + 1, CLUENER[label])
            for label, mentions in sorted((rec.get("label") or {}).items())
            for surface in sorted(mentions)
            for s, e in mentions[surface]
        ]
        yield Sentence(rec["text"], spans, "cluener")


def _read_char_tags(path: Path, sep: str | None) -> Iterator[tuple[str, list[str]]]:
    chars: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if chars:
                yield "".join(chars), tags
            chars, tags = [], []
            continue
        ch, tag = (line.split(sep) + ["O"])[:2] if sep else line.rsplit(None, 1)
        chars.append(ch[:1] or " ")
        tags.append(tag.strip())
    if chars:
        yield "".join(chars), tags


def _tag_spans(tags: list[str], mapping: dict[str, str]) -> list[tuple[int, int, str]]:
    spans, start, label = [], -1, ""
    for i, tag in enumerate(tags + ["O"]):
        p, _, lab = tag.partition("-")
        ends_here = start >= 0 and (p in ("O", "B", "S") or lab != label)
        if ends_here:
            spans.append((start, i, mapping[label]))
            start = -1
        if p in ("B", "S") or (p in ("I", "M", "E") and start < 0):
            start, label = i, lab
        if p in ("E", "S") and start >= 0:
            spans.append((start, i + 1, mapping[label]))
            start = -1
    return [s for s in spans if s[2]]


def read_msra(path: Path) -> Iterator[Sentence]:
    for text, tags in _read_char_tags(path, "\t"):
        yield Sentence(text, _tag_spans(tags, MSRA), "msra")


def read_resume(path: Path) -> Iterator[Sentence]:
    for text, tags in _read_char_tags(path, None):
        yield Sentence(text, _tag_spans(tags, RESUME), "resume")


def finre_rows(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """(head, tail, label, sentence) of every FinRE instance, as written (digits masked as <N>)."""
    for block in path.read_text(encoding="utf-8").split("\n"):
        parts = block.split("\t")
        if len(parts) == 4:
            yield parts[0], parts[1], parts[2], parts[3]


def read_finre(path: Path, lexicon: dict[str, str]) -> Iterator[Sentence]:
    """FinRE heads and tails as silver spans, typed by the gold lexicon (ORG when unknown)."""
    by_sentence: dict[str, set[str]] = defaultdict(set)
    order: list[str] = []
    for head, tail, _, sent in finre_rows(path):
        if sent not in by_sentence:
            order.append(sent)
        by_sentence[sent] |= {head, tail}
    for raw in order:
        yield _silver(raw, {name: lexicon.get(name, "ORG") for name in by_sentence[raw]}, "finre")


def read_duie(path: Path, skip_last: int = 0) -> Iterator[Sentence]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for line in lines[: len(lines) - skip_last]:
        rec = json.loads(line)
        names: dict[str, str] = {}
        for spo in rec.get("spo_list", []):
            st = DUIE.get(spo.get("subject_type", ""))
            if st:
                names[spo["subject"]] = st
            for slot, value in (spo.get("object") or {}).items():
                ot = DUIE.get((spo.get("object_type") or {}).get(slot, ""))
                if ot and value:
                    names[value] = ot
        yield _silver(rec["text"], names, "duie")


def _silver(raw: str, names: dict[str, str], corpus: str) -> Sentence:
    text = raw.replace("<N>", "0")
    spans = []
    for name, label in sorted(names.items(), key=lambda kv: -len(kv[0])):
        name = name.replace("<N>", "0")
        if len(name) < 2:
            continue
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, label))
            start = text.find(name, end)
    return Sentence(text, sorted(spans), corpus, complete=False)


def lexicon_of(sentences: Iterable[Sentence]) -> dict[str, str]:
    """Most frequent label of every annotated surface string."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for s in sentences:
        for a, b, label in s.spans:
            votes[s.text[a:b]][label] += 1
    return {name: c.most_common(1)[0][0] for name, c in votes.items()}


def gazetteers(sentences: Iterable[Sentence], min_count: int = 2) -> dict[str, set[str]]:
    counts: Counter = Counter()
    for s in sentences:
        for a, b, label in s.spans:
            if b - a >= 2:
                counts[(s.text[a:b], label)] += 1
    out: dict[str, set[str]] = defaultdict(set)
    for (name, label), n in counts.items():
        if n >= min_count:
            out[label].add(name)
    return out


def blank_unschemed(sent: Sentence, gaz: dict[str, set[str]]) -> None:
    """Leave unannotated the strings of labels that *sent*'s corpus does not annotate."""
    scheme = SCHEMES.get(sent.corpus)
    if scheme is None:
        return
    taken = bytearray(len(sent.text))
    for a, b, _ in sent.spans:
        taken[a:b] = b"\x01" * (b - a)
    names = set().union(*(gaz.get(label, set()) for label in ALL_LABELS if label not in scheme))
    if not names:
        return
    longest = max(map(len, names))
    text = sent.text
    i = 0
    while i < len(text):
        hit = 0
        for n in range(min(longest, len(text) - i), 1, -1):
            if text[i : i + n] in names and not any(taken[i : i + n]):
                hit = n
                break
        if hit:
            sent.blank.append((i, i + hit))
            i += hit
        else:
            i += 1


def load_all(data: Path, msra_dev: int = 3000, duie_holdout: int = 500) -> dict[str, list[Sentence]]:
    """Every split the training and the evaluation use, keyed ``corpus/split``."""
    out: dict[str, list[Sentence]] = {}
    out["cluener/train"] = list(read_cluener(data / "cluener2020" / "train.json"))
    out["cluener/dev"] = list(read_cluener(data / "cluener2020" / "dev.json"))
    msra = list(read_msra(data / "msra_ner" / "msra_train_bio"))
    out["msra/train"], out["msra/dev"] = msra[:-msra_dev], msra[-msra_dev:]
    out["msra/test"] = list(read_msra(data / "msra_ner" / "msra_test_bio"))
    for split in ("train", "dev", "test"):
        out[f"resume/{split}"] = list(read_resume(data / "resume_ner" / f"{split}.char.bmes"))
    gold_train = out["cluener/train"] + out["msra/train"] + out["resume/train"]
    duie = list(read_duie(data / "duie" / "train_data_5000.json", skip_last=duie_holdout))
    lex = lexicon_of(gold_train + duie)
    out["duie/train"] = duie
    out["finre/train"] = list(read_finre(data / "finre" / "train.txt", lex))
    out["finre/valid"] = list(read_finre(data / "finre" / "valid.txt", lex))
    gaz = gazetteers(gold_train)
    for key in ("cluener/train", "msra/train", "resume/train"):
        for s in out[key]:
            blank_unschemed(s, gaz)
    return out
