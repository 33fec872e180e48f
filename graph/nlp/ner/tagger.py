"""The trained NER layer: a spaCy component that runs the shipped character tagger.

It writes ``doc.spans["ner_model"]``: one span per name the model finds, labelled
with the model's coarse label (PER, ORG, LOC, TITLE, WORK …) and carrying
``span._.model_confidence`` (its own attribute: span extensions are keyed by offsets, and
the entity later chosen over the same characters has a confidence of its own).  The entity
recogniser merges this layer with the knowledge base and the patterns (:mod:`graph.nlp.entities`).

The model reads Simplified text (``doc._.norm_text``, which has one character per
character of the original, so offsets carry over), runs over all sentences of a
batch of documents at once, and is decoded under the BIOES grammar.  A span's
confidence is the lowest probability among its characters' tags: one doubtful
character makes a doubtful boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.ner import bioes, charfeatures  # noqa: F401 - registers the model's architecture and scorer
from graph.nlp.ner.cnn import NumpyTagger, compile_tagger
from graph.nlp.tokens import split_at

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "ner"
SPAN_KEY = "ner_model"
MAX_CHUNK = 400
#: A text's pieces run together up to this many characters: a group (fixed: it is part of the result).
GROUP_CHARS = 20000
#: Characters of one forward pass over the groups of several texts (speed only).
RUN_CHARS = 6000
Prediction = tuple[int, int, str, float]
#: The convention the pipeline tags under: mostly CLUENER's (which marks the short stock names of
#: FinRE and DuIE it was trained with), partly MSRA's (which marks every place, and whose names are
#: the more precise on the gold articles).  Chosen with ``python -m benchmarks.calibrate --domains``
#: together with the entity gates: CLUENER alone scored CLUENER dev ORG+PER 80.61 but the seed's
#: entity precision 0.78; 0.62/0.38 scored 80.22 and 0.905 (README, Quality).
PIPELINE_DOMAIN = "cluener=0.62,msra=0.38"


def available(model_dir: Path = MODEL_DIR) -> bool:
    return (Path(model_dir) / "config.cfg").exists() and (Path(model_dir) / "tagger").exists()


def chunks(text: str, max_len: int = MAX_CHUNK) -> list[tuple[int, int]]:
    """(start, end) pieces of at most *max_len* characters, cut after sentence punctuation."""
    out: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + max_len)
        if end < n:
            cut = max(text.rfind(p, start, end) for p in "。！？；!?;\n，,")
            if cut > start:
                end = cut + 1
        out.append((start, end))
        start = end
    return out


def _groups(text: str, batch_chars: int) -> Iterator[list[tuple[int, int]]]:
    """The pieces of *text* (blank ones dropped), in runs of at least *batch_chars* characters but the last."""
    group: list[tuple[int, int]] = []
    size = 0
    for s, e in chunks(text):
        if not text[s:e].strip():
            continue
        group.append((s, e))
        size += e - s
        if size >= batch_chars:
            yield group
            group, size = [], 0
    if group:
        yield group


class NERModel:
    """The shipped tagger, with batched prediction and grammar-constrained decoding."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        import spacy

        if not available(model_dir):
            raise FileNotFoundError(f"no trained NER model in {model_dir}; rebuild it with `python -m training.ner`")
        self.nlp = spacy.load(model_dir)
        self.tagger = self.nlp.get_pipe("tagger")
        self.labels = list(self.tagger.labels)
        self.allowed, self.first, self.last = bioes.transition_mask(self.labels)
        self.forward = compile_tagger(self.tagger.model) or self.tagger.model.predict
        self.meta = self.nlp.meta

    def predict(self, texts: list[str], batch_chars: int = GROUP_CHARS,
                domain: charfeatures.Domain = charfeatures.DEFAULT_DOMAIN) -> list[list[Prediction]]:
        """Entities of each (Simplified) text as (start, end, label, confidence).

        *domain* names the corpus whose annotation convention to follow, or a mix of them
        (``"cluener=0.5,msra=0.5"`` or ``{"cluener": 0.5, "msra": 0.5}``; a model trained with the
        domain feature, others ignore it): the benchmarks ask for each corpus's own.

        Each text's pieces are grouped as if the text ran alone (*batch_chars* a group), and
        groups of many texts share a forward pass: the result of a text never depends on the
        texts beside it (see :mod:`graph.nlp.ner.cnn`).
        """
        if isinstance(domain, str):  # a spec: "cluener=0.62,msra=0.38" is a mix, not a convention's name
            domain = charfeatures.parse_domain(domain)
        out: list[list[Prediction]] = [[] for _ in texts]
        run: list[tuple[int, list[tuple[int, int]]]] = []
        size = 0
        for i, text in enumerate(texts):
            for group in _groups(text, batch_chars):
                run.append((i, group))
                size += sum(e - s for s, e in group)
                if size >= RUN_CHARS:
                    self._run(texts, run, out, domain)
                    run, size = [], 0
        if run:
            self._run(texts, run, out, domain)
        return out

    def _run(self, texts: list[str], run: list[tuple[int, list[tuple[int, int]]]], out: list[list[Prediction]],
             domain: charfeatures.Domain) -> None:
        docs = [[self._make_doc(texts[i][s:e], domain) for s, e in group] for i, group in run]
        if isinstance(self.forward, NumpyTagger):
            scores = self.forward.run(docs)
        else:
            scores = [self.forward(group) for group in docs]
        for (i, group), group_docs, group_scores in zip(run, docs, scores, strict=True):
            for (s, e), doc, probs in zip(group, group_docs, group_scores, strict=True):
                out[i].extend((a + s, b + s, label, conf)
                              for a, b, label, conf in self._decode(doc, _softmax(numpy.asarray(probs)), texts[i][s:e]))

    def _make_doc(self, text: str, domain: charfeatures.Domain) -> Doc:
        doc = self.nlp.make_doc(text)
        doc.user_data[charfeatures.DOMAIN_KEY] = domain
        return doc

    def _decode(self, doc: Doc, probs: numpy.ndarray, text: str) -> Iterator[Prediction]:
        """Spans of the best grammatical tag path; *text* is ``doc.text`` (spaCy rebuilds that per access)."""
        if not len(doc):
            return
        path = probs.argmax(1)
        ok = self.first[path[0]] and self.last[path[-1]] and bool(self.allowed[path[:-1], path[1:]].all())
        if not ok:
            path = numpy.array(bioes.viterbi(numpy.log(probs + 1e-9), self.allowed, self.first, self.last))
        chosen = probs[numpy.arange(len(path)), path]
        for a, b, label in bioes.tags_to_spans([self.labels[k] for k in path]):
            start, end = doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start and "\n" not in text[start:end]:
                yield start, end, label, float(chosen[a:b].min())


def _softmax(logits: numpy.ndarray) -> numpy.ndarray:
    """The tagger is trained without output normalisation at inference; normalise here."""
    z = numpy.exp(logits - logits.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


@lru_cache(maxsize=2)
def load_model(model_dir: str = str(MODEL_DIR)) -> NERModel:
    return NERModel(Path(model_dir))


class NERModelComponent:
    """Writes the model's names to ``doc.spans[SPAN_KEY]``, aligned to the document's tokens."""

    def __init__(self, model_dir: str, domain: str = PIPELINE_DOMAIN) -> None:
        self.model = load_model(model_dir) if available(Path(model_dir)) else None
        self.domain = charfeatures.parse_domain(domain)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        buf: list[Doc] = []
        for doc in docs:
            buf.append(doc)
            if len(buf) >= batch_size:
                yield from self._annotate(buf)
                buf = []
        if buf:
            yield from self._annotate(buf)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        if self.model is None:
            return docs  # no key at all: "the model did not run", which the merge tells from "found nothing"
        texts = [doc._.norm_text or doc.text for doc in docs]
        for doc, preds in zip(docs, self.model.predict(texts, domain=self.domain), strict=True):
            split_at(doc, [x for s, e, _, _ in preds for x in (s, e)])
            spans = []
            for s, e, label, conf in preds:
                span = doc.char_span(s, e, label=label)
                if span is not None:
                    span._.model_confidence = round(conf, 4)
                    spans.append(span)
            doc.spans[SPAN_KEY] = spans
        return docs


@Language.factory(
    "cnfinkg_ner_model",
    default_config={"model_dir": str(MODEL_DIR), "domain": PIPELINE_DOMAIN},
    assigns=["doc.spans", "span._.model_confidence"],
    # reads doc._.norm_text, which the tokenizer (nlp.segment) sets, not a component
)
def make_ner_model(nlp: Language, name: str, model_dir: str, domain: str) -> NERModelComponent:
    """*domain*: whose annotation convention the model follows (graph.nlp.ner.charfeatures.DOMAINS),
    or a mix of them, ``cluener=0.5,msra=0.5``."""
    return NERModelComponent(model_dir, domain)
