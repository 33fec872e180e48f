"""Where relations are extracted: trigger rules (:mod:`.rules`, forms in :mod:`.forms`) and the
trained classifier (:mod:`.model`, :mod:`.classifier`, :mod:`.features`).

Both layers append :class:`Relation` claims to ``doc._.relations``, each with its confidence and
extractor, so the evidence says which layer stated a fact.
"""

from graph.nlp.relations.forms.base import Relation
from graph.nlp.relations.rules import RelationExtractor

__all__ = ["Relation", "RelationExtractor"]
