"""Stage 4, store: where graphs live and how SPARQL reaches them.

One interface, many backends (the rdflib plugin idea): :mod:`.base` declares the read
interface (:class:`~graph.store.base.ReadableStore`) that viz and export use;
:mod:`.local` is the embedded Oxigraph store and :mod:`.remote` any SPARQL 1.1 endpoint.
The SPARQL layer that the API, the CLI and ``kg serve`` share: :mod:`.sparql` (named
queries, prefixes, bindings, :func:`~graph.store.sparql.prepare`), :mod:`.classify` (query
form, updates, SERVICE), :mod:`.syntax` (readable syntax errors), :mod:`.formats` (the one
table of result formats) and :mod:`.timeout` (the one kill-on-timeout runner).
"""
