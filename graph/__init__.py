"""cnfinkg: knowledge graphs from Chinese financial news.

The public API is small: :func:`build` and :class:`KnowledgeGraph`
(``query``, ``serialize``, ``to_networkx``, ``visualize``, ``validate``).
"""

from graph.api import BuildReport, KnowledgeGraph, QueryResult, build
from graph.ingest.reader import Document, InputError
from graph.store.sparql import QueryError
from graph.store.timeout import QueryTimeout

__all__ = ["BuildReport", "Document", "InputError", "KnowledgeGraph", "QueryError", "QueryResult", "QueryTimeout", "build"]
__version__ = "0.1.0"
