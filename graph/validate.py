"""SHACL validation (pySHACL) of a graph against ``ontology/shapes.ttl``.

The ontology is passed as the ontology graph with RDFS inference, so
``sh:class kg:Organization`` accepts a ``kg:Bank``.  Results are turned into
rows a person can act on: the entity's label, the rule, and the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from .ontology import load_ontology
from .vocab import KG, ONTOLOGY_DIR


@dataclass
class Violation:
    focus: str
    label: str
    rule: str
    path: str
    value: str
    evidence: str = ""


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
        out.append(Violation(str(focus), label, str(msg or results.value(r, SH.sourceConstraintComponent)), _short(path), _short(value), evidence))
    out.sort(key=lambda v: (v.rule, v.label, v.path, v.value))
    return ValidationReport(bool(conforms) and not out, out)


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


__all__ = ["ValidationReport", "Violation", "print_report", "validate"]
