"""The trained named-entity recogniser: a character BIOES tagger (features, CNN, decoding).

Its component (:mod:`.tagger`) writes ``doc.spans["ner_model"]``; the entity merge
(:mod:`graph.nlp.entities`) decides which of those spans become ``doc.ents``.
"""
