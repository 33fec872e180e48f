"""Stage 2, nlp: the spaCy pipeline that annotates a ``Doc`` with entities, links, facts, relations and events.

:mod:`.pipeline` assembles it; each layer is one component module here.
"""
