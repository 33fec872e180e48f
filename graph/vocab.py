"""RDF namespaces of the project.

Every IRI the package writes is minted from one of these namespaces, so a
reader can find the whole naming scheme in one place and no module
concatenates IRI strings by hand.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from rdflib import Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

KG = Namespace("https://w3id.org/cnfinkg/ontology#")
KGID = Namespace("https://w3id.org/cnfinkg/id/")
KGDOC = Namespace("https://w3id.org/cnfinkg/doc/")
KGEV = Namespace("https://w3id.org/cnfinkg/evidence/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")

#: The graph that holds the ontology and knowledge-base schema inside a store.
ONTOLOGY_GRAPH = URIRef("https://w3id.org/cnfinkg/ontology")
#: The graph that holds each entity's description (type, labels, identifiers) once for the whole
#: store; document graphs hold only what each document says (see :mod:`graph.store.entities`).
ENTITY_GRAPH = URIRef("https://w3id.org/cnfinkg/entities")

PREFIXES: dict[str, Namespace] = {
    "kg": KG,
    "kgid": KGID,
    "kgdoc": KGDOC,
    "kgev": KGEV,
    "schema": SCHEMA,
    "org": ORG,
    "prov": Namespace(str(PROV)),
    "skos": Namespace(str(SKOS)),
    "rdfs": Namespace(str(RDFS)),
    "rdf": Namespace(str(RDF)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
}

ROOT = Path(__file__).resolve().parent.parent


def _ontology_dir() -> Path:
    """The data folder: ``CNFINKG_ONTOLOGY`` if set, else the installed ``graph.ontologydata`` package.

    setuptools installs the repository's ``ontology/`` as ``graph.ontologydata`` (pyproject.toml,
    setup.py): inside the wheel, or mapped onto the folder itself by an editable install.  A source
    tree used without installing (``PYTHONPATH=.``) falls back to ``ROOT / "ontology"``.
    """
    override = os.environ.get("CNFINKG_ONTOLOGY")
    if override:
        return Path(override)
    from importlib.resources import files

    try:
        data = files("graph.ontologydata")
    except ModuleNotFoundError:
        return ROOT / "ontology"
    if isinstance(data, Path):
        return data
    probe = data.joinpath("ontology.ttl")  # a namespace package's MultiplexedPath yields a Path here
    return probe.parent if isinstance(probe, Path) else ROOT / "ontology"  # zipped installs: not made by pip


#: Ontology, knowledge base, patterns and named queries (see :func:`_ontology_dir`).
ONTOLOGY_DIR = _ontology_dir()

__all__ = [
    "KG",
    "ENTITY_GRAPH",
    "KGDOC",
    "KGEV",
    "KGID",
    "ONTOLOGY_DIR",
    "ONTOLOGY_GRAPH",
    "ORG",
    "PREFIXES",
    "SCHEMA",
    "digest",
    "slugify",
    "sparql_prefixes",
]


def digest(*parts: object, length: int = 12) -> str:
    """Stable short hash: IRIs must not change between runs or machines."""
    h = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
