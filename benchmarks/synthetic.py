"""Synthetic graphs in the project's shape (docs/VOCAB.md), for store and export benchmarks.

One named graph per document, holding what ``kg build`` writes for it: the
document node (6 triples), each mentioned entity with its type, three labels,
``kg:mentionCount`` and provenance (6), a ``kg:Mention`` per entity (6), and
each relation as a direct triple plus its reified evidence (14).  With 5
entities and 4 relations a document is 122 quads, so ~8,200 documents make
1M.  Entities are drawn from a skewed pool so popular ones recur across
documents, as banks and big tech firms do in real news.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

KG = "https://w3id.org/cnfinkg/ontology#"
KGID = "https://w3id.org/cnfinkg/id/"
KGDOC = "https://w3id.org/cnfinkg/doc/"
KGEV = "https://w3id.org/cnfinkg/evidence/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

CLASSES = ("Bank", "InternetBank", "Insurer", "SecuritiesFirm", "FundCompany", "InvestmentFirm", "PaymentCompany",
           "FintechCompany", "TechnologyCompany", "CloudProvider", "Regulator", "CentralBank", "StockExchange",
           "MediaOutlet", "ResearchFirm", "Company", "Product", "PaymentService", "SoftwarePlatform", "Person")
RELATIONS = ("partnerOf", "investsIn", "acquires", "subsidiaryOf", "shareholderOf", "clientOf", "launched",
             "develops", "usesTechnology", "regulates", "holdsPosition", "signedAgreementWith")
ENTITIES_PER_DOC = 5
RELATIONS_PER_DOC = 4
QUADS_PER_DOC = 6 + ENTITIES_PER_DOC * 12 + RELATIONS_PER_DOC * 14

PREFIXES = (
    f"PREFIX kg: <{KG}>\nPREFIX kgid: <{KGID}>\nPREFIX kgdoc: <{KGDOC}>\nPREFIX rdf: <{RDF}>\n"
    f"PREFIX rdfs: <{RDFS}>\nPREFIX prov: <{PROV}>\nPREFIX schema: <{SCHEMA}>\n"
)


def docs_for(n_quads: int) -> int:
    return -(-n_quads // QUADS_PER_DOC)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _int(n: int) -> str:
    return f'"{n}"^^<{XSD}integer>'


def document_lines(i: int, rng: random.Random, n_entities: int, graph: bool = True) -> list[str]:
    """N-Quads (or N-Triples when ``graph`` is false) lines of document ``i``."""
    doc = f"<{KGDOC}bench-{i:06d}>"
    g = f" {doc}" if graph else ""
    out: list[str] = []

    def t(s: str, p: str, o: str) -> None:
        out.append(f"{s} {p} {o}{g} .")

    a = f"<{RDF}type>"
    t(doc, a, f"<{KG}NewsArticle>")
    t(doc, a, f"<{PROV}Entity>")
    t(doc, f"<{SCHEMA}headline>", _lit(f"第{i}號新聞：金融科技合作動態"))
    t(doc, f"<{SCHEMA}inLanguage>", _lit("zh-Hant"))
    t(doc, f"<{KG}contentHash>", _lit(f"{rng.getrandbits(160):040x}"))
    t(doc, f"<{KG}characterCount>", _int(rng.randint(80, 4000)))
    # skewed choice: low ids are popular
    ents = sorted({int(n_entities * rng.random() ** 2.5) for _ in range(ENTITIES_PER_DOC * 2)})[:ENTITIES_PER_DOC]
    while len(ents) < ENTITIES_PER_DOC:
        ents.append(rng.randrange(n_entities))
    for e in ents:
        ent = f"<{KGID}e-{e:06d}>"
        t(ent, a, f"<{KG}{CLASSES[e % len(CLASSES)]}>")
        t(ent, f"<{RDFS}label>", f'"Entity {e}"@en')
        t(ent, f"<{RDFS}label>", f'"實體{e}號"@zh-hant')
        t(ent, f"<{RDFS}label>", f'"实体{e}号"@zh-hans')
        t(ent, f"<{KG}mentionCount>", _int(rng.randint(1, 6)))
        t(ent, f"<{PROV}wasDerivedFrom>", doc)
        m = f"<{KGEV}m-{i:06d}-{e:06d}>"
        start = rng.randint(0, 3000)
        t(m, a, f"<{KG}Mention>")
        t(m, f"<{KG}refersTo>", ent)
        t(m, f"<{KG}text>", _lit(f"實體{e}號"))
        t(m, f"<{KG}start>", _int(start))
        t(m, f"<{KG}end>", _int(start + 5))
        t(m, f"<{PROV}wasDerivedFrom>", doc)
    for r in range(RELATIONS_PER_DOC):
        s, o = rng.sample(ents, 2)
        p = f"<{KG}{RELATIONS[rng.randrange(len(RELATIONS))]}>"
        subj, obj = f"<{KGID}e-{s:06d}>", f"<{KGID}e-{o:06d}>"
        st = f"<{KGEV}s-{i:06d}-{r}>"
        start = rng.randint(0, 3000)
        t(subj, p, obj)
        t(st, a, f"<{RDF}Statement>")
        t(st, a, f"<{PROV}Entity>")
        t(st, f"<{RDF}subject>", subj)
        t(st, f"<{RDF}predicate>", p)
        t(st, f"<{RDF}object>", obj)
        t(st, f"<{PROV}wasDerivedFrom>", doc)
        t(st, f"<{KG}sentence>", _lit(f"實體{s}號與實體{o}號宣布達成合作，第{i}號新聞第{r}句。"))
        t(st, f"<{KG}start>", _int(start))
        t(st, f"<{KG}end>", _int(start + 40))
        t(st, f"<{KG}confidence>", f'"0.{rng.randint(5, 9)}"^^<{XSD}decimal>')
        t(st, f"<{KG}extractor>", _lit("cnfinkg-0.1/pattern:合作"))
        t(st, f"<{KG}trigger>", _lit("合作"))
        t(st, f"<{KG}roleTitle>", _lit("董事長"))
    return out


def documents(n_docs: int, seed: int = 7, n_entities: int | None = None, graph: bool = True) -> Iterator[tuple[int, list[str]]]:
    rng = random.Random(seed)
    pool = n_entities or max(100, n_docs * 2)
    for i in range(n_docs):
        yield i, document_lines(i, rng, pool, graph)


def nquads(n_docs: int, seed: int = 7, graph: bool = True) -> bytes:
    """The whole synthetic dataset as one N-Quads (or N-Triples) byte string."""
    return "\n".join(line for _, lines in documents(n_docs, seed, graph=graph) for line in lines).encode("utf-8") + b"\n"


__all__ = ["PREFIXES", "QUADS_PER_DOC", "docs_for", "document_lines", "documents", "nquads"]
