"""Package list for setuptools (the rest of the configuration is in pyproject.toml).

``find_packages`` picks up every package under ``graph/`` as it is added; the
repository's top-level ``ontology/`` folder (ontology, shapes, knowledge base,
patterns, named queries) is installed inside the package as
``graph.ontologydata`` through ``package-dir`` in pyproject.toml, so a wheel
carries its data and an editable install reads the folder in place.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["graph", "graph.*"]), "graph.ontologydata"])
