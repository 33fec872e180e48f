"""Layer 1: names in the knowledge base, in either script (``doc.spans["kb_names"]``)."""

from __future__ import annotations

from spacy.tokens import Doc

from graph.nlp.entities.candidates import KB_KEY, Candidate, local_name, write_group
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.text import DocText
from graph.nlp.kb import KBEntry, KnowledgeBase


class KnowledgeBaseNames:
    """Every full name (label, alternative, former name, abbreviation) of a known entity.

    Short names (a bank's one-word name) are not searched here: alone they are too ambiguous,
    and the merge looks for them only once the document has named their entity in full.
    """

    key = KB_KEY

    def __init__(self, rules: EntityRules, kb: KnowledgeBase) -> None:
        self.rules = rules
        self.kb = kb
        # Names by first character, longest first, for a single left-to-right scan.
        self._by_first: dict[str, list[tuple[str, KBEntry, str]]] = {}
        for key, entries in kb.index.items():
            for entry, kind in entries:
                if kind != "short":
                    self._by_first.setdefault(key[0], []).append((key, entry, kind))
        for names in self._by_first.values():
            names.sort(key=lambda x: -len(x[0]))

    def __call__(self, doc: Doc, view: DocText) -> None:
        write_group(view, self.key, self.candidates(view))

    def candidates(self, view: DocText) -> list[Candidate]:
        out: list[Candidate] = []
        low = view.norm.lower()
        # KB keys are space-free (script.normalize): a two-word Latin name is indexed without its space.
        # Scan a space-free copy of the text and map offsets back to ``low``.
        pos = [k for k, c in enumerate(low) if c != " "]
        flat = "".join(low[k] for k in pos)
        i = 0
        while i < len(flat):
            found = self._match_at(view, low, flat, pos, i)
            if found is None:
                i += 1
                continue
            out.append(found[0])
            i += found[1]
        return out

    def _match_at(self, view: DocText, low: str, flat: str, pos: list[int], i: int) -> tuple[Candidate, int] | None:
        """The longest acceptable name starting at ``flat[i]``, and its length in ``flat``."""
        n = len(low)
        for key, entry, kind in self._by_first.get(flat[i], ()):
            if not flat.startswith(key, i):
                continue
            s, e = pos[i], pos[i + len(key) - 1] + 1
            if key.isascii():
                if (s > 0 and low[s - 1].isalnum() and low[s - 1].isascii()) or (e < n and low[e].isalnum() and low[e].isascii()):
                    continue  # part of a longer Latin word
            elif len(key) <= 2 and not (s in view.starts and e in view.ends):
                continue  # a two-character name only as a whole word
            if any(low.startswith(b, e) for b in self.rules.kb_block):
                continue
            return Candidate(s, e, local_name(entry.type), f"kb:{kind}", 100, entry, 0.98), len(key)
        return None
