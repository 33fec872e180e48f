"""Stage 2, nlp: the spaCy pipeline that annotates a ``Doc`` with entities, links, facts, relations and events.

:mod:`.pipeline` assembles it and :func:`~graph.nlp.pipeline.annotate` runs it. Each layer is a
component in the module or subpackage named after it: :mod:`.ner` (the trained tagger),
:mod:`.entities`, :mod:`.linking`, :mod:`.relations`, :mod:`.facts`, :mod:`.events`. Every
``doc._``/``span._`` attribute they share is declared in :mod:`.extensions`.
"""
