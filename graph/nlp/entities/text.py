"""One document as the entity rules read it: its text, normalised text and token forms, computed once."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from graph.script import normalize


@dataclass
class DocText:
    """``doc.text`` is rebuilt from the tokens on every access and token forms would be converted
    one by one; the rules read both many times per token, so they are taken once here."""

    doc: Doc
    text: str
    norm: str  # Simplified, same length as text (the tokenizer's doc._.norm_text)
    tokens: list[Token]  # spaCy makes a new Token object on every access: made once here
    forms: list[str]  # per token: its normalised, lower-cased, space-free form
    token_starts: list[int]  # character offset of each token
    starts: set[int]  # character offsets where a token starts
    ends: set[int]  # ... and where one ends

    @classmethod
    def of(cls, doc: Doc) -> DocText:
        text = doc.text
        norm = doc._.norm_text if doc._.norm_text is not None else normalize(text)
        tokens = list(doc)
        forms = [t.text if t.text.isascii() else norm[t.idx : t.idx + len(t.text)].lower().replace(" ", "") for t in tokens]
        token_starts = [t.idx for t in tokens]
        ends = {t.idx + len(t.text) for t in tokens}
        return cls(doc, text, norm, tokens, forms, token_starts, set(token_starts), ends)

    def form(self, tok: Token) -> str:
        """A token's script-normalised form (tokens of another document are converted on the spot)."""
        if tok.doc is self.doc:
            return self.forms[tok.i]
        return normalize(tok.text) if not tok.text.isascii() else tok.text


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
