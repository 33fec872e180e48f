"""Stage 4, store: where graphs live and how SPARQL reaches them.

:mod:`.local` is the embedded Oxigraph store, :mod:`.remote` any SPARQL 1.1 endpoint;
:mod:`.sparql` is the query layer both share (named queries, prefixes, syntax checks).
"""
