"""The knowledge base of well-known entities (``ontology/kb/*.ttl``) as a name index.

Linking needs one question answered fast: "which entity does this surface
form name?".  Names are indexed by their script-normalised key so 甲乙銀行 and
甲乙银行 find the same entry, whichever script the article uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from graph.script import normalize
from graph.vocab import KG, KGID, ONTOLOGY_DIR

#: How a name is tied to its entity; short names only count when the document also uses a fuller one.
NAME_KINDS = ("label", "alt", "former", "abbreviation", "short")


@dataclass
class KBEntry:
    iri: URIRef
    type: URIRef
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    names: dict[str, set[str]] = field(default_factory=dict)  # kind -> surface forms
    identifiers: dict[URIRef, str] = field(default_factory=dict)

    @property
    def english(self) -> str | None:
        return self.labels.get("en")

    def all_names(self) -> set[str]:
        out = set(self.labels.values())
        for forms in self.names.values():
            out |= forms
        return out


class KnowledgeBase:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.entries: dict[URIRef, KBEntry] = {}
        self.index: dict[str, list[tuple[KBEntry, str]]] = {}
        self._build()

    @classmethod
    def load(cls, directory: Path = ONTOLOGY_DIR / "kb", extra: Iterable[Path] = ()) -> KnowledgeBase:
        g = Graph()
        for path in sorted(directory.glob("*.ttl")) + list(extra):
            g.parse(path)
        return cls(g)

    def _build(self) -> None:
        g = self.graph
        kinds = {
            SKOS.altLabel: "alt",
            KG.formerName: "former",
            KG.abbreviation: "abbreviation",
            KG.shortName: "short",
        }
        for s, cls in g.subject_objects(RDF.type):
            if not (isinstance(s, URIRef) and str(s).startswith(str(KGID)) and str(cls).startswith(str(KG))):
                continue
            e = self.entries.get(s) or KBEntry(s, cls)
            self.entries[s] = e
            for lit in g.objects(s, RDFS.label):
                if isinstance(lit, Literal):
                    e.labels.setdefault(lit.language or "", str(lit))
                    e.names.setdefault("label", set()).add(str(lit))
            for prop, kind in kinds.items():
                for lit in g.objects(s, prop):
                    e.names.setdefault(kind, set()).add(str(lit))
            for prop in (KG.stockCode, KG.wikidata, KG.lei):
                for lit in g.objects(s, prop):
                    e.identifiers[prop] = str(lit)
        for e in self.entries.values():
            for kind in NAME_KINDS:
                for name in e.names.get(kind, ()):
                    key = normalize(name)
                    if len(key) < 2 and not key.isascii():
                        continue
                    bucket = self.index.setdefault(key, [])
                    if all(x[0] is not e for x in bucket):
                        bucket.append((e, kind))

    def lookup(self, name: str) -> list[tuple[KBEntry, str]]:
        return self.index.get(normalize(name), [])

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, iri: object) -> bool:
        return iri in self.entries


@lru_cache(maxsize=2)
def load_kb(directory: Path = ONTOLOGY_DIR / "kb") -> KnowledgeBase:
    return KnowledgeBase.load(directory)
