"""The quality harness: score extraction against gold annotations (``tests/gold``).

Entities are compared as real-world entities: a gold entity is found when a
predicted entity shares any of its names (script-normalised), one to one.
Relations are compared through that matching, accepting the property's
inverse or a symmetric reading.  Facts are compared by the figure's text,
then value, unit and qualifier.  Scores are micro-averaged over documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from rdflib import URIRef

from graph.eval.scores import PRF
from graph.ingest.reader import parse_text, read_document
from graph.nlp.pipeline import annotate
from graph.rdf.ontology import load_ontology
from graph.script import normalize
from graph.vocab import KG


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def as_prf(self) -> PRF:
        return PRF(self.tp, self.tp + self.fp, self.tp + self.fn)

    @property
    def precision(self) -> float:
        return self.as_prf().p / 100

    @property
    def recall(self) -> float:
        return self.as_prf().r / 100

    @property
    def f1(self) -> float:
        return self.as_prf().f1 / 100

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self


@dataclass
class DocScore:
    name: str
    entities: Counts = field(default_factory=Counts)
    types_correct: int = 0
    types_total: int = 0
    relations: Counts = field(default_factory=Counts)
    facts_found: int = 0
    facts_correct: int = 0
    facts_total: int = 0
    splits: list[str] = field(default_factory=list)
    missed_entities: list[str] = field(default_factory=list)
    spurious_entities: list[str] = field(default_factory=list)
    missed_relations: list[str] = field(default_factory=list)
    spurious_relations: list[str] = field(default_factory=list)
    wrong_types: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "document": self.name,
            "entity_precision": round(self.entities.precision, 3),
            "entity_recall": round(self.entities.recall, 3),
            "entity_f1": round(self.entities.f1, 3),
            "type_accuracy": round(self.types_correct / self.types_total, 3) if self.types_total else None,
            "relation_precision": round(self.relations.precision, 3),
            "relation_recall": round(self.relations.recall, 3),
            "relation_f1": round(self.relations.f1, 3),
            "fact_recall": round(self.facts_found / self.facts_total, 3) if self.facts_total else None,
            "fact_accuracy": round(self.facts_correct / self.facts_total, 3) if self.facts_total else None,
            "split_entities": len(self.splits),
        }


def load_gold(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "document" not in data or "entities" not in data:
        raise ValueError(f"{path}: not a gold file (needs 'document' and 'entities')")
    return data


def _gold_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml", ".json") and x.name != "README.md")
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(p)
    return out


def _document_for(gold_path: Path, gold: dict, docs_dir: Path | None):
    ref = Path(gold["document"])
    candidates = [docs_dir / ref.name, docs_dir / ref] if docs_dir else []
    candidates += [gold_path.parent / ref]
    for c in candidates:
        if c.exists():
            doc = read_document(c)
            if doc is not None and gold.get("published") and not doc.published:
                doc.published = str(gold["published"])
            return doc
    raise FileNotFoundError(f"{gold_path}: document {gold['document']} not found (use --docs DIR)")


def _sub_or_equal(onto, a: URIRef, b: URIRef) -> bool:
    return onto.is_a(a, b)


def score_document(gold: dict, name: str, doc_meta, nlp) -> DocScore:
    onto = load_ontology()
    sdoc = annotate(doc_meta, nlp)
    s = DocScore(name)
    p2g = _score_entities(s, gold, sdoc, onto)
    _score_relations(s, gold, sdoc, onto, p2g)
    _score_facts(s, gold, sdoc)
    return s


def _score_entities(s: DocScore, gold: dict, sdoc, onto) -> dict[URIRef, str]:
    """Match predicted entities to gold ones by shared names, one to one; return predicted IRI -> gold id."""
    pred: dict[URIRef, set[str]] = {}
    ptype: dict[URIRef, URIRef] = {}
    for iri, rec in (sdoc._.entities or {}).items():
        pred[iri] = {normalize(sdoc.text[a:b].strip("《》")) for a, b in rec.mentions}
        ptype[iri] = rec.type
    gold_ents = {e["id"]: {normalize(str(n).strip("《》")) for n in e.get("names", [])} for e in gold.get("entities", [])}
    gold_type = {e["id"]: KG[e["type"]] for e in gold.get("entities", [])}
    # one-to-one matching by shared names, largest overlap first
    pairs = sorted(((len(gn & pn), gid, iri) for gid, gn in gold_ents.items() for iri, pn in pred.items() if gn & pn),
                   key=lambda x: (-x[0], x[1], str(x[2])))
    g2p: dict[str, URIRef] = {}
    p2g: dict[URIRef, str] = {}
    for _, gid, iri in pairs:
        if gid in g2p or iri in p2g:
            continue
        g2p[gid] = iri
        p2g[iri] = gid
    for gid, gn in gold_ents.items():
        hits = [iri for iri, pn in pred.items() if gn & pn]
        if len(hits) > 1:
            s.splits.append(f"{gid}: {len(hits)} nodes")
    s.entities = Counts(len(g2p), len(pred) - len(p2g), len(gold_ents) - len(g2p))
    s.missed_entities = sorted(f"{gid} {sorted(gold_ents[gid])[0]}" for gid in gold_ents if gid not in g2p)
    s.spurious_entities = sorted(f"{sorted(pred[i])[0]} ({str(ptype[i]).rsplit('#', 1)[-1]})" for i in pred if i not in p2g)
    for gid, iri in g2p.items():
        s.types_total += 1
        if _sub_or_equal(onto, ptype[iri], gold_type[gid]):
            s.types_correct += 1
        else:
            s.wrong_types.append(f"{gid}: {str(ptype[iri]).rsplit('#', 1)[-1]} ≠ {gold_type[gid].rsplit('#', 1)[-1]}")
    return p2g


def readings(onto, h: str, p: URIRef, t: str) -> set[tuple[str, URIRef, str]]:
    """Every way of stating (h, p, t) that the ontology makes equivalent or implies."""
    out = {(h, p, t)}
    info = onto.properties.get(p)
    if info is not None:
        if info.symmetric:
            out.add((t, p, h))
        if info.inverse is not None:
            out.add((t, info.inverse, h))
        for parent in info.parents:
            out.add((h, parent, t))
    return out


def _score_relations(s: DocScore, gold: dict, sdoc, onto, p2g: dict[URIRef, str]) -> None:
    pred_rel: set[tuple[str, URIRef, str]] = set()
    unmapped = 0
    for r in sdoc._.relations or []:
        h, t = p2g.get(r.head), p2g.get(r.tail)
        if h is None or t is None:
            unmapped += 1
            continue
        pred_rel.add((h, r.prop, t))
    matched_pred: set[tuple[str, URIRef, str]] = set()
    tp = 0
    for gr in gold.get("relations", []):
        props = gr["relation"] if isinstance(gr["relation"], list) else [gr["relation"]]
        ok = False
        for prop in props:
            gold_readings = readings(onto, gr["head"], KG[prop], gr["tail"])
            for pr in pred_rel:
                if readings(onto, *pr) & gold_readings:
                    matched_pred.add(pr)
                    ok = True
        if ok:
            tp += 1
        else:
            s.missed_relations.append(f"{gr['head']} {'|'.join(props)} {gr['tail']}")
    fp = len(pred_rel - matched_pred) + unmapped
    s.relations = Counts(tp, fp, len(gold.get("relations", [])) - tp)
    s.spurious_relations = sorted(f"{h} {str(p).rsplit('#', 1)[-1]} {t}" for h, p, t in pred_rel - matched_pred)


def _score_facts(s: DocScore, gold: dict, sdoc) -> None:
    facts = sdoc._.facts or []
    for gf in gold.get("facts", []):
        s.facts_total += 1
        text = normalize(str(gf["text"]))
        hit = next((f for f in facts if normalize(f.text) == text), None) or next(
            (f for f in facts if text in normalize(f.text) or normalize(f.text) in text), None)
        if hit is None:
            continue
        s.facts_found += 1
        try:
            same_value = Decimal(str(gf["value"])) == hit.value
        except Exception:  # noqa: BLE001 - a malformed gold value counts as a miss
            same_value = False
        if same_value and str(gf.get("unit", "")).lower() == hit.unit.lower() and (gf.get("qualifier") or None) == hit.qualifier:
            s.facts_correct += 1


def evaluate_files(paths: list[Path], docs_dir: Path | None = None, use_statistical: bool = True) -> list[DocScore]:
    from graph.nlp.pipeline import get_pipeline

    nlp = get_pipeline(use_statistical)
    results = []
    for gp in _gold_files(paths):
        gold = load_gold(gp)
        doc_meta = _document_for(gp, gold, docs_dir)
        if doc_meta is None:
            doc_meta = parse_text("", gp.stem)
        results.append(score_document(gold, gp.stem if gp.parent.name != "dev" else f"dev/{gp.stem}", doc_meta, nlp))
    return results


def overall(results: list[DocScore], name: str = "overall") -> DocScore:
    tot = DocScore(name)
    for r in results:
        tot.entities += r.entities
        tot.relations += r.relations
        tot.types_correct += r.types_correct
        tot.types_total += r.types_total
        tot.facts_found += r.facts_found
        tot.facts_correct += r.facts_correct
        tot.facts_total += r.facts_total
        tot.splits += r.splits
    return tot


def print_scores(results: list[DocScore], console, details: bool = False) -> None:
    from rich.table import Table

    cols = ["document", "ent P", "ent R", "ent F1", "type acc", "rel P", "rel R", "rel F1", "fact R", "fact acc", "splits"]
    t = Table(*cols, title="Extraction quality", title_justify="left")

    def row(r: DocScore, style: str | None = None) -> None:
        d = r.as_dict()
        fmt = lambda v: "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
        t.add_row(*(fmt(d[k]) for k in ("document", "entity_precision", "entity_recall", "entity_f1", "type_accuracy", "relation_precision",
                                          "relation_recall", "relation_f1", "fact_recall", "fact_accuracy", "split_entities")), style=style)

    for r in results:
        row(r)
    groups: dict[str, list[DocScore]] = {}
    for r in results:
        groups.setdefault("dev" if r.name.startswith("dev/") else r.name, []).append(r)
    if len(groups) > 1 or len(results) > 1:
        for g, rs in groups.items():
            if len(rs) > 1:
                row(overall(rs, f"{g} (all)"), "bold")
        row(overall(results), "bold")
    console.print(t)
    if details:
        for r in results:
            console.print(f"[bold]{r.name}[/]")
            for label, items in (("missed entities", r.missed_entities), ("spurious entities", r.spurious_entities),
                                 ("wrong types", r.wrong_types), ("missed relations", r.missed_relations),
                                 ("spurious relations", r.spurious_relations), ("split", r.splits)):
                if items:
                    console.print(f"  {label}: " + "; ".join(items), highlight=False)
