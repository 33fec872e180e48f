"""The project's data as a package (installed as ``graph.ontologydata``): ontology.ttl, shapes.ttl,
the knowledge base (kb/), the extraction rules (patterns/) and the named queries (queries/).

Code finds this folder through :data:`graph.vocab.ONTOLOGY_DIR`; there is nothing to import here.
"""
