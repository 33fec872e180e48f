"""Stage 5c, serve: ``kg serve``, a SPARQL 1.1 endpoint with the browser workbench under ``static/``.
"""
