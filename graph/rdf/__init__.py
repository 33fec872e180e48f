"""Stage 3, rdf: an annotated ``Doc`` becomes triples typed by the project ontology.

:mod:`.ontology` reads ``ontology.ttl``; :mod:`.mapping` maps a ``Doc`` to its named graph;
:mod:`.reason` adds optional OWL-RL entailments; :mod:`.validate` checks SHACL shapes.
"""
