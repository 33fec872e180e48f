"""Word segmentation: jieba over script-normalised text, tokens over the original.

jieba's dictionary and part-of-speech model are Simplified.  Segmenting the
Simplified form and cutting the original at the same character positions
gives Traditional articles the same quality while every offset still points
into the text as written.  Knowledge-base names are added to the dictionary
so a known name is never cut in half.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba
import jieba.posseg
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces, registry
from spacy.vocab import Vocab

from graph.nlp import extensions  # noqa: F401  (registers doc._ / span._ attributes)
from graph.nlp.kb import NAME_KINDS
from graph.nlp.patterns import load_patterns
from graph.script import to_simplified

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=1)
def stock_tokenizer() -> jieba.Tokenizer:
    """jieba with its stock dictionary only, shared by every model feature that reads jieba words
    (the NER's word positions, the relation classifier's words, English names from pinyin words).

    The models were trained on these words, so words a program adds to ``jieba.dt`` must not reach
    them; and one copy, not one per component, because each costs about 68 MB of memory.
    """
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok

_NUM = re.compile(r"\d[0-9.,%]*")

#: Tags the tokenizer gives words jieba's dictionary lacks (rules read them as jieba's own tags).
UNKNOWN_TAG = "un"  # a Chinese word the dictionary lacks: mostly a name
NUMERAL_TAG = "m"
LATIN_TAG = "eng"
OTHER_TAG = "x"  # punctuation, symbols
PREPOSITION_TAG = "p"  # jieba's, given to a function character split off an unknown word


class ScriptNormalizingTokenizer:
    """A spaCy tokenizer; ``token.tag_`` carries jieba's part of speech."""

    def __init__(self, vocab: Vocab, user_words: Iterable[tuple[str, str]] = (), pos: str = "dict") -> None:
        self.vocab = vocab
        self._function_chars = frozenset(load_patterns("segment.yaml")["function_chars"])
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word, tag in user_words:
            w = to_simplified(word)
            if len(w) >= 2:
                self._jieba.add_word(w, freq=max(self._jieba.suggest_freq(w), 200000), tag=tag)
        self._pos = jieba.posseg.POSTokenizer(self._jieba)
        self._mode = pos
        if pos == "dict":
            self._pos.makesure_userdict_loaded()
            self._tags = self._pos.word_tag_tab

    def _cut(self, norm: str):
        """(word, tag) pairs.  'dict' mode tags from jieba's dictionary and marks unknown words 'un'.

        jieba's part-of-speech HMM costs five times the segmentation itself; the
        dictionary tag is as good for known words, and for the rest "not in the
        dictionary" is itself the useful signal: unknown words are mostly names.
        """
        if self._mode != "dict":
            for pair in self._pos.cut(norm):
                yield pair.word, pair.flag
            return
        tags = self._tags
        for word in self._jieba.cut(norm):
            if len(word) >= 2 and word[0] in self._function_chars and word not in tags:
                # the HMM glued a preposition to an unknown word (以雲 → 以 | 雲)
                yield word[0], PREPOSITION_TAG
                word = word[1:]
            tag = tags.get(word)
            if tag is None:
                if word.isdigit() or _NUM.fullmatch(word):
                    tag = NUMERAL_TAG
                elif word.isascii() and word.strip() and word.isalnum():
                    tag = LATIN_TAG
                elif any("\u4e00" <= c <= "\u9fff" for c in word):
                    tag = UNKNOWN_TAG
                else:
                    tag = OTHER_TAG
            yield word, tag

    def __call__(self, text: str) -> Doc:
        norm = to_simplified(text)
        pieces: list[str] = []
        tags: list[str] = []
        pos = 0
        for word, flag in self._cut(norm):
            n = len(word)
            piece = text[pos : pos + n]
            if n > 1 and not any(c.isalnum() for c in piece):
                # jieba glues runs of punctuation ("。《"); sentence splitting needs them apart.
                pieces.extend(piece)
                tags.extend([flag] * n)
            else:
                pieces.append(piece)
                tags.append(flag)
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
            tok.tag_ = starts.get(tok.idx, OTHER_TAG)
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
def create_tokenizer(kb_words: bool = True, pos: str = "dict"):
    def make(nlp):
        words: list[tuple[str, str]] = []
        if kb_words:
            from graph.nlp.kb import load_kb

            for entry in load_kb().entries.values():
                for kind in NAME_KINDS:
                    for name in entry.names.get(kind, ()):
                        if not name.isascii():
                            words.append((name, "nz"))
        return ScriptNormalizingTokenizer(nlp.vocab, words, pos)

    return make
