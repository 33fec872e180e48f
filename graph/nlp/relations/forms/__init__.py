"""The sentence shapes ("forms") the relation rules read, one small registered handler each.

Importing the package imports each of its modules, so every handler defined here registers
itself (:func:`~graph.nlp.relations.forms.base.trigger_form`, :func:`~graph.nlp.relations.forms.base.sentence_form`):
a new form is a handler in one of these modules, or in a new one, and the rules in
``ontology/patterns/relations.yaml`` that name it.
"""

from __future__ import annotations

import importlib
import pkgutil

from graph.nlp.relations.forms.base import (
    FORMS,
    Form,
    Hit,
    Relation,
    Rule,
    UnknownFormError,
    form_of,
    sentence_form,
    trigger_form,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["FORMS", "Form", "Hit", "Relation", "Rule", "UnknownFormError", "form_of", "sentence_form", "trigger_form"]
