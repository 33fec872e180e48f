"""Optional OWL-RL reasoning over a document's graph (``kg build --reason``).

Materialises superclass types and inverse/symmetric relations so a query for
``schema:Organization`` finds banks without property paths.  Only the new
triples about the document's own entities are kept: the ontology's own
axioms stay in the ontology graph.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF

from graph.rdf.ontology import load_ontology
from graph.vocab import KG, KGEV, KGID, digest


def materialise(g: Graph) -> Graph:
    import owlrl

    onto = load_ontology().graph
    work = Graph()
    for t in g:
        work.add(t)
    for t in onto:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    subjects = set(g.subjects())
    out = Graph()
    for p, ns in g.namespaces():
        out.bind(p, ns)
    for s, p, o in work:
        if (s, p, o) in g:
            out.add((s, p, o))
            continue
        if s not in subjects or isinstance(s, BNode) or isinstance(o, BNode):
            continue
        if s == o or p in (OWL.sameAs,) or (p == RDF.type and o in (OWL.Thing, OWL.NamedIndividual)):
            continue
        out.add((s, p, o))
        if str(p).startswith(str(KG)) and str(s).startswith(str(KGID)) and str(o).startswith(str(KGID)):
            _derive_evidence(g, out, s, p, o)
    return out


def _derive_evidence(g: Graph, out: Graph, s, p, o) -> None:
    """An inferred relation keeps the evidence of the statement it was inferred from."""
    for st in list(g.subjects(RDF.type, RDF.Statement)):
        a, b = g.value(st, RDF.subject), g.value(st, RDF.object)
        if {a, b} != {s, o}:
            continue
        new = KGEV[f"s-{digest(st, p, s, o)}"]
        for pred, val in g.predicate_objects(st):
            if pred not in (RDF.subject, RDF.predicate, RDF.object, KG.extractor):
                out.add((new, pred, val))
        out.add((new, RDF.subject, s))
        out.add((new, RDF.predicate, p))
        out.add((new, RDF.object, o))
        out.add((new, KG.extractor, Literal(f"owlrl:{g.value(st, KG.extractor)}")))
        return
