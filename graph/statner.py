"""Optional statistical NER layer (spaCy model trained on CLUENER2020).

The model lives in ``graph/models/cluener`` (trained and shipped by
``python -m training.train_ner``); nothing is downloaded at run time.  When the
model directory is missing, :func:`available` returns ``False`` and callers
should simply skip this layer.

Input handling
    CLUENER2020 is Simplified Chinese, so input is converted Traditional ->
    Simplified with OpenCC ``t2s`` keeping a strict 1:1 character alignment:
    ``len(converted) == len(original)`` always, so all returned offsets index
    the ORIGINAL text.  The text is cut into short runs of CJK characters
    (split at punctuation, spaces, digits, Latin); each run is converted with
    OpenCC's phrase dictionary when that keeps its length (so 乾隆 stays 乾隆
    and 瞭解 becomes 了解, which plain per-character conversion gets wrong),
    otherwise character by character; a character whose own conversion is
    not exactly one character is kept as is.

    Long texts are cut after sentence enders (``。！？；!?;`` and newlines) into
    chunks of at most :data:`MAX_CHUNK` characters (a sentence longer than that
    is hard-split), run through the model, and offsets are shifted back.

Scores
    spaCy's greedy transition-based NER has no calibrated probabilities.  We
    re-run the same greedy decoding in Python (the same step model and the
    same ``transition_states`` argmax-over-valid-actions routine spaCy uses),
    keep each step's action scores, and define an entity's score as the
    product over its tokens of the softmax probability of the chosen action
    (``B-``/``I-``/``L-`` or ``U-``), normalised over the actions that are
    structurally valid at that point.  It is a heuristic confidence in
    [0, 1] -- useful for ranking/thresholding, not a calibrated probability
    (on CLUENER dev, precision was ~0.06 for scores < 0.2, ~0.41 for 0.4-0.6
    and ~0.90 for >= 0.8).
    If that decoding path fails for any reason, the wrapper falls back to the
    plain pipeline and returns ``1.0`` as the score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

MODEL_DIR = Path(__file__).parent / "models" / "cluener"

MAX_CHUNK = 500

#: CLUENER label -> ontology class local name.  ``Position`` is a job title
#: (used by callers for person/role patterns), not an entity in its own right.
LABEL_TO_CLASS = {
    "company": "Company",
    "organization": "Organization",
    "government": "GovernmentAgency",
    "name": "Person",
    "address": "Place",
    "book": "CreativeWork",
    "position": "Position",
}

Prediction = tuple[int, int, str, float]

_SENT_END = re.compile(r"[。！？；!?;\n]")


def available(model_dir: Path = MODEL_DIR) -> bool:
    """True when a trained model is present (config, meta and the two components)."""
    model_dir = Path(model_dir)
    return all(
        (model_dir / name).exists() for name in ("config.cfg", "meta.json", "tok2vec", "ner", "vocab")
    )


# --------------------------------------------------------------------------- T->S
@lru_cache(maxsize=1)
def _t2s():
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # older builds want the .json suffix
        return opencc.OpenCC("t2s.json")


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


# Runs of CJK characters (ideographs, compatibility ideographs, extension A).
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _convert_run(run: str) -> str:
    phrase = _t2s().convert(run)
    if len(phrase) == len(run):
        return phrase
    return "".join(_t2s_char(c) for c in run)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified with ``len(result) == len(text)`` guaranteed.

    Phrase-level conversion per CJK run when it keeps the run's length, else
    per character (see the module docstring)."""
    out = _CJK_RUN.sub(lambda m: _convert_run(m.group(0)), text)
    if len(out) != len(text):  # cannot happen; keep the guarantee regardless
        out = "".join(_t2s_char(c) for c in text)
    return out


# --------------------------------------------------------------------------- chunking
def split_chunks(text: str, max_len: int = MAX_CHUNK) -> list[tuple[int, str]]:
    """Split *text* into (offset, chunk) pieces of at most *max_len* characters,
    cutting after sentence enders; covers the text exactly (no gaps)."""
    chunks: list[tuple[int, str]] = []
    sents: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        sents.append((start, m.end()))
        start = m.end()
    if start < len(text):
        sents.append((start, len(text)))
    cur_s = cur_e = None
    for s, e in sents:
        # hard-split over-long sentences
        while e - s > max_len:
            if cur_s is not None:
                chunks.append((cur_s, text[cur_s:cur_e]))
                cur_s = cur_e = None
            chunks.append((s, text[s : s + max_len]))
            s += max_len
        if s == e:
            continue
        if cur_s is None:
            cur_s, cur_e = s, e
        elif e - cur_s <= max_len:
            cur_e = e
        else:
            chunks.append((cur_s, text[cur_s:cur_e]))
            cur_s, cur_e = s, e
    if cur_s is not None:
        chunks.append((cur_s, text[cur_s:cur_e]))
    return chunks


# --------------------------------------------------------------------------- model
class StatisticalNER:
    """Runtime wrapper around the shipped spaCy CLUENER model."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        import spacy

        self.model_dir = Path(model_dir)
        if not available(self.model_dir):
            raise FileNotFoundError(f"no trained NER model in {self.model_dir}")
        self.nlp = spacy.load(self.model_dir)
        self._ner = self.nlp.get_pipe("ner")
        self._pre = [(n, p) for n, p in self.nlp.pipeline if n != "ner"]
        self._scored = True
        self._init_action_tables()

    # ---------------------------------------------------------------- public API
    def predict(self, text: str) -> list[Prediction]:
        return next(self.pipe([text]))

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[list[Prediction]]:
        buf: list[str] = []
        for text in texts:
            buf.append(text)
            if len(buf) >= batch_size:
                yield from self._run_batch(buf, batch_size)
                buf = []
        if buf:
            yield from self._run_batch(buf, batch_size)

    # ---------------------------------------------------------------- internals
    def _run_batch(self, texts: list[str], batch_size: int) -> Iterator[list[Prediction]]:
        pieces: list[tuple[int, int, str]] = []  # (text index, offset, simplified chunk)
        for i, text in enumerate(texts):
            if not text:
                continue
            simp = to_simplified(text)
            for off, chunk in split_chunks(simp):
                if chunk.strip():
                    pieces.append((i, off, chunk))
        results: list[list[Prediction]] = [[] for _ in texts]
        for b in range(0, len(pieces), batch_size):
            part = pieces[b : b + batch_size]
            for (i, off, _), ents in zip(part, self._predict_chunks([c for _, _, c in part]), strict=False):
                results[i].extend((s + off, e + off, cls, score) for s, e, cls, score in ents)
        for res in results:
            res.sort(key=lambda x: (x[0], x[1]))
        return iter(results)

    def _predict_chunks(self, chunks: list[str]) -> list[list[Prediction]]:
        docs = [self.nlp.make_doc(c) for c in chunks]
        for _, proc in self._pre:
            docs = list(proc.pipe(docs))
        if self._scored:
            try:
                return self._scored_greedy(docs)
            except Exception:  # pragma: no cover - defensive fallback
                self._scored = False
        docs = list(self._ner.pipe(docs))
        return [
            [
                (e.start_char, e.end_char, LABEL_TO_CLASS[e.label_], 1.0)
                for e in doc.ents
                if e.label_ in LABEL_TO_CLASS
            ]
            for doc in docs
        ]

    def _init_action_tables(self) -> None:
        import numpy

        moves = self._ner.moves
        names = [moves.get_class_name(i) for i in range(moves.n_moves)]
        self._action_index = {n: i for i, n in enumerate(names)}
        n = len(names)
        outside = numpy.zeros(n, dtype=bool)  # valid when not inside an entity
        self._inside: dict[str, numpy.ndarray] = {}
        for i, name in enumerate(names):
            if name == "O" or (name[:2] in ("B-", "U-") and len(name) > 2):
                outside[i] = True
        for label in {nm[2:] for nm in names if nm[:2] in ("B-", "I-", "L-", "U-")}:
            m = numpy.zeros(n, dtype=bool)
            for pre in ("I-", "L-"):
                if pre + label in self._action_index:
                    m[self._action_index[pre + label]] = True
            self._inside[label] = m
        self._outside = outside

    def _scored_greedy(self, docs) -> list[list[Prediction]]:
        """Greedy decoding as spaCy does it, keeping per-step action scores."""
        import numpy

        ner = self._ner
        nonempty = [d for d in docs if len(d)]
        step_scores: dict[int, list[numpy.ndarray]] = {id(d): [] for d in nonempty}
        if nonempty:
            states = ner.moves.init_batch(nonempty)
            owner = {id(s): id(d) for s, d in zip(states, nonempty, strict=False)}
            model = ner.model.predict(nonempty)
            todo = [s for s in states if not s.is_final()]
            while todo:
                scores = model.predict(todo)
                for s, row in zip(todo, scores, strict=False):
                    step_scores[owner[id(s)]].append(numpy.array(row, dtype="f"))
                todo = ner.transition_states(todo, scores)
            model.clear_memory()
            ner.set_annotations(nonempty, states)
        out: list[list[Prediction]] = []
        for doc in docs:
            ents: list[Prediction] = []
            rows = step_scores.get(id(doc), [])
            for ent in doc.ents:
                if ent.label_ not in LABEL_TO_CLASS:
                    continue
                score = self._entity_score(ent, rows)
                ents.append((ent.start_char, ent.end_char, LABEL_TO_CLASS[ent.label_], score))
            out.append(ents)
        return out

    def _entity_score(self, ent, rows) -> float:
        import numpy

        if len(rows) < ent.end:  # one NER transition per token; be defensive
            return 1.0
        label = ent.label_
        n = ent.end - ent.start
        if n == 1:
            actions = [("U-" + label, self._outside)]
        else:
            actions = [("B-" + label, self._outside)]
            actions += [("I-" + label, self._inside[label])] * (n - 2)
            actions += [("L-" + label, self._inside[label])]
        p = 1.0
        for tok, (name, valid) in zip(range(ent.start, ent.end), actions, strict=False):
            idx = self._action_index.get(name)
            if idx is None:
                return 1.0
            row = rows[tok]
            v = row[valid]
            z = numpy.exp(v - v.max()).sum()
            p *= float(numpy.exp(row[idx] - v.max()) / z)
        return round(p, 4)
