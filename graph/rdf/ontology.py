"""The project ontology as the extractor needs it: class ancestry and property signatures.

The ontology is data (``ontology/ontology.ttl``); this module only reads it so
that recognition and relation extraction can check domain and range against
the same file that SHACL and the reasoner use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from graph.vocab import KG, ONTOLOGY_DIR, SCHEMA

TOP_CLASSES = tuple(SCHEMA[c] for c in ("Organization", "Person", "Product", "Event", "Place", "CreativeWork"))


@dataclass
class PropertyInfo:
    iri: URIRef
    domain: set[URIRef] = field(default_factory=set)
    range: set[URIRef] = field(default_factory=set)
    inverse: URIRef | None = None
    symmetric: bool = False
    parents: set[URIRef] = field(default_factory=set)


class Ontology:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @classmethod
    def load(cls, directory: Path = ONTOLOGY_DIR) -> Ontology:
        path = directory / "ontology.ttl"
        if not path.exists():
            raise FileNotFoundError(f"ontology file missing: {path}")
        return cls(Graph().parse(path))

    @cached_property
    def _parents(self) -> dict[URIRef, set[URIRef]]:
        parents: dict[URIRef, set[URIRef]] = {}
        for c, p in self.graph.subject_objects(RDFS.subClassOf):
            if isinstance(c, URIRef) and isinstance(p, URIRef):
                parents.setdefault(c, set()).add(p)
        for c, p in self.graph.subject_objects(OWL.equivalentClass):
            if isinstance(c, URIRef) and isinstance(p, URIRef):
                parents.setdefault(c, set()).add(p)
        return parents

    @lru_cache(maxsize=4096)  # noqa: B019 - the ontology lives as long as the process
    def ancestors(self, cls: URIRef) -> frozenset[URIRef]:
        """The class itself and all its superclasses."""
        seen = {cls}
        todo = [cls]
        while todo:
            for p in self._parents.get(todo.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return frozenset(seen)

    def is_a(self, cls: URIRef, parent: URIRef) -> bool:
        return parent in self.ancestors(cls)

    def top_class(self, cls: URIRef) -> URIRef | None:
        anc = self.ancestors(cls)
        return next((t for t in TOP_CLASSES if t in anc), None)

    @cached_property
    def classes(self) -> set[URIRef]:
        return {c for c in self.graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(str(KG))}

    def _class_set(self, node) -> set[URIRef]:
        if isinstance(node, URIRef):
            return {node}
        union = self.graph.value(node, OWL.unionOf)
        if union is not None:
            return {m for m in Collection(self.graph, union) if isinstance(m, URIRef)}
        return set()

    @cached_property
    def properties(self) -> dict[URIRef, PropertyInfo]:
        out: dict[URIRef, PropertyInfo] = {}
        for p in self.graph.subjects(RDF.type, OWL.ObjectProperty):
            if not isinstance(p, URIRef):
                continue
            info = PropertyInfo(p)
            for d in self.graph.objects(p, RDFS.domain):
                info.domain |= self._class_set(d)
            for r in self.graph.objects(p, RDFS.range):
                info.range |= self._class_set(r)
            info.inverse = next((i for i in self.graph.objects(p, OWL.inverseOf) if isinstance(i, URIRef)), None)
            info.symmetric = (p, RDF.type, OWL.SymmetricProperty) in self.graph
            info.parents = {q for q in self.graph.objects(p, RDFS.subPropertyOf) if isinstance(q, URIRef)}
            out[p] = info
        for p, info in list(out.items()):
            if info.inverse and info.inverse in out and out[info.inverse].inverse is None:
                out[info.inverse].inverse = p
        return out

    def fits(self, cls: URIRef | None, allowed: set[URIRef]) -> bool:
        if not allowed or cls is None:
            return not allowed
        anc = self.ancestors(cls)
        return any(a in anc for a in allowed)

    def allows(self, prop: URIRef, subj_cls: URIRef | None, obj_cls: URIRef | None) -> bool:
        """Domain and range check; a property absent from the ontology allows nothing."""
        info = self.properties.get(prop)
        if info is None:
            return False
        ok_d = not info.domain or (subj_cls is not None and self.fits(subj_cls, info.domain))
        ok_r = not info.range or (obj_cls is not None and self.fits(obj_cls, info.range))
        return ok_d and ok_r

    def label(self, term: URIRef, lang: str = "en") -> str:
        for lit in self.graph.objects(term, RDFS.label):
            if getattr(lit, "language", None) == lang:
                return str(lit)
        return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@lru_cache(maxsize=2)
def load_ontology(directory: Path = ONTOLOGY_DIR) -> Ontology:
    return Ontology.load(directory)


def kg_class(name: str) -> URIRef:
    return KG[name]
