"""SHACL validation (pySHACL) of a graph against ``ontology/shapes.ttl``.

The ontology is passed as the ontology graph with RDFS inference, so
``sh:class kg:Organization`` accepts a ``kg:Bank``.  Results are turned into
rows a person can act on: the entity's label, the rule, and the evidence.

A store is validated by :func:`validate_store`: the shapes run over the union
of its documents (what queries see), except the cardinality of the properties
each document states for itself (``kg:mentionCount``: one count per entity
*per document graph*), which is checked graph by graph.  Over the union, an
entity that two documents mention a different number of times has two counts,
and that is not a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from graph.rdf.ontology import load_ontology
from graph.vocab import KG, ONTOLOGY_DIR, sparql_prefixes

#: Properties whose values each document graph states for itself: their sh:maxCount holds per graph.
PER_DOCUMENT = (KG.mentionCount,)


@dataclass
class Violation:
    focus: str
    label: str
    rule: str
    path: str
    value: str
    evidence: str = ""
    #: IRIs of the SHACL constraint component and of the property path (for filtering; not shown).
    constraint: str = ""
    path_iri: str = ""


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)


def _shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl")


def validate(data: Graph) -> ValidationReport:
    from pyshacl import validate as shacl

    conforms, results, _text = shacl(
        data, shacl_graph=_shapes(), ont_graph=load_ontology().graph, inference="rdfs", advanced=True, allow_warnings=True
    )
    out: list[Violation] = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(r, SH.focusNode)
        msg = results.value(r, SH.resultMessage)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        label = _label(data, focus)
        evidence = ""
        if isinstance(focus, URIRef):
            ev = data.value(focus, KG.sentence)
            if ev is None:
                st = next(iter(data.subjects(RDF.subject, focus)), None)
                ev = data.value(st, KG.sentence) if st is not None else None
            evidence = str(ev)[:120] if ev else ""
        component = results.value(r, SH.sourceConstraintComponent)
        out.append(Violation(str(focus), label, str(msg or component), _short(path), _short(value), evidence,
                             str(component or ""), str(path or "")))
    out.sort(key=lambda v: (v.rule, v.label, v.path, v.value))
    return ValidationReport(bool(conforms) and not out, out)


def validate_store(store) -> ValidationReport:
    """Validate a store (embedded or remote): the union of its documents, and the per-document rules per graph."""
    union = store.union_graph()
    report = validate(union)
    per_doc = {str(p) for p in PER_DOCUMENT}
    kept = [v for v in report.violations if not (v.path_iri in per_doc and v.constraint == str(SH.MaxCountConstraintComponent))]
    kept += _per_document_cardinality(store, union)
    kept.sort(key=lambda v: (v.rule, v.label, v.path, v.value))
    explained = report.conforms or bool(report.violations)  # pySHACL's verdict comes from the rows listed
    return ValidationReport(explained and not kept, kept)


def _per_document_cardinality(store, union: Graph) -> list[Violation]:
    """sh:maxCount of the :data:`PER_DOCUMENT` properties, checked inside each document's graph."""
    shapes = _shapes()
    out: list[Violation] = []
    for prop in PER_DOCUMENT:
        for shape in shapes.subjects(SH.path, prop):
            limit = shapes.value(shape, SH.maxCount)
            if limit is None:
                continue
            message = str(shapes.value(shape, SH.message) or SH.MaxCountConstraintComponent)
            q = sparql_prefixes() + f"""SELECT ?g ?e (COUNT(DISTINCT ?v) AS ?n) WHERE {{ GRAPH ?g {{ ?e <{prop}> ?v }} }}
                GROUP BY ?g ?e HAVING (COUNT(DISTINCT ?v) > {int(limit)}) ORDER BY ?g ?e"""
            for g, e, n in store.query(q):
                out.append(Violation(str(e), _label(union, e), message, _short(prop), f"{n} values",
                                     f"in document {_short(g)}", str(SH.MaxCountConstraintComponent), str(prop)))
    return out


def _label(g: Graph, node) -> str:
    if node is None:
        return ""
    for lang in ("en", "zh-Hant", "zh-Hans"):
        for lit in g.objects(node, RDFS.label):
            if getattr(lit, "language", None) == lang:
                return str(lit)
    return _short(node)


def _short(term) -> str:
    if term is None:
        return ""
    s = str(term)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if s.startswith("http") else s


def print_report(report: ValidationReport, console) -> None:
    from rich.table import Table

    if report.conforms:
        console.print("[green]valid:[/] the graph conforms to ontology/shapes.ttl")
        return
    t = Table("entity", "rule", "property", "value", "evidence", title=f"{len(report.violations)} violation(s)", title_justify="left")
    for v in report.violations[:200]:
        t.add_row(v.label, v.rule, v.path, v.value, v.evidence)
    console.print(t)


__all__ = ["PER_DOCUMENT", "ValidationReport", "Violation", "print_report", "validate", "validate_store"]
