"""Word segmentation: jieba over script-normalised text, tokens over the original.

jieba's dictionary and part-of-speech model are Simplified.  Segmenting the
Simplified form and cutting the original at the same character positions
gives Traditional articles the same quality while every offset still points
into the text as written.  Knowledge-base names are added to the dictionary
so a known name is never cut in half.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import jieba
import jieba.posseg
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces, registry
from spacy.vocab import Vocab

from .script import to_simplified

jieba.setLogLevel(logging.WARNING)

if not Doc.has_extension("norm_text"):
    Doc.set_extension("norm_text", default=None)


class ScriptNormalizingTokenizer:
    """A spaCy tokenizer; ``token.tag_`` carries jieba's part of speech."""

    def __init__(self, vocab: Vocab, user_words: Iterable[tuple[str, str]] = ()) -> None:
        self.vocab = vocab
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word, tag in user_words:
            w = to_simplified(word)
            if len(w) >= 2:
                self._jieba.add_word(w, freq=max(self._jieba.suggest_freq(w), 200000), tag=tag)
        self._pos = jieba.posseg.POSTokenizer(self._jieba)

    def __call__(self, text: str) -> Doc:
        norm = to_simplified(text)
        pieces: list[str] = []
        tags: list[str] = []
        pos = 0
        for pair in self._pos.cut(norm):
            n = len(pair.word)
            piece = text[pos : pos + n]
            if n > 1 and not any(c.isalnum() for c in piece):
                # jieba glues runs of punctuation ("。《"); sentence splitting needs them apart.
                pieces.extend(piece)
                tags.extend([pair.flag] * n)
            else:
                pieces.append(piece)
                tags.append(pair.flag)
            pos += n
        words, spaces = get_words_and_spaces(pieces, text)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        # Re-attach tags by character position: whitespace tokens may have been folded into spaces.
        starts = {}
        p = 0
        for piece, tag in zip(pieces, tags, strict=True):
            starts[p] = tag
            p += len(piece)
        for tok in doc:
            tok.tag_ = starts.get(tok.idx, "x")
        doc._.norm_text = norm
        return doc

    def pipe(self, texts: Iterable[str]):
        for text in texts:
            yield self(text)

    # spaCy serialisation hooks: the tokenizer is rebuilt from config, nothing to save.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> ScriptNormalizingTokenizer:
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> ScriptNormalizingTokenizer:
        return self


@registry.tokenizers("cnfinkg.ScriptNormalizingTokenizer.v1")
def create_tokenizer(kb_words: bool = True):
    def make(nlp):
        words: list[tuple[str, str]] = []
        if kb_words:
            from .kb import load_kb

            for entry in load_kb().entries.values():
                for kind in ("label", "alt", "former", "abbreviation", "short"):
                    for name in entry.names.get(kind, ()):
                        if not name.isascii():
                            words.append((name, "nz"))
        return ScriptNormalizingTokenizer(nlp.vocab, words)

    return make
