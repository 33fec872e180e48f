"""Stage 5a, export: the store serialised as Turtle, N-Triples, N-Quads, TriG, JSON-LD or a graph file.

A new export format goes in :data:`.serialize.FORMATS`.
"""

from graph.export.serialize import FORMATS, serialize

__all__ = ["FORMATS", "serialize"]
