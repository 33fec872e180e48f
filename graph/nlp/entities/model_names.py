"""Layer 3: the trained model's names (``doc.spans["ner_model"]``), gated and typed (``doc.spans["model_names"]``)."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from graph.nlp.entities.candidates import MODEL_KEY, Candidate, write_group
from graph.nlp.entities.rules import EntityRules
from graph.nlp.entities.text import DocText
from graph.nlp.ner.tagger import SPAN_KEY
from graph.script import normalize

#: A place in brackets, (中国) in 花旗银行(中国)有限公司: part of the registered name when more follows it.
_PLACE_IN_BRACKETS = re.compile(r"[(（][\u4e00-\u9fff]{1,4}[)）]")
_QUALIFIER = re.compile(_PLACE_IN_BRACKETS.pattern + "(?=.)")


class ModelNames:
    """The model's spans above the confidence gate, descriptors (股东…) cut from their start,
    labels mapped to ontology classes (an ORG is typed by its ending)."""

    key = MODEL_KEY

    def __init__(self, rules: EntityRules) -> None:
        self.rules = rules

    def __call__(self, doc: Doc, view: DocText) -> None:
        write_group(view, self.key, self.candidates(view))

    def model_class(self, label: str, name: str) -> str | None:
        """Ontology class of a model span: ORG is refined by how the name ends."""
        r = self.rules
        cls = r.model_labels.get(label)
        if label == "ORG":
            for table in (r.org_suffixes, r.model_org_endings):
                for sfx, sub in table:
                    if name.endswith(sfx) and len(name) > len(sfx):
                        if sfx in r.company_forms:  # 招商银行股份有限公司, 友利银行(中国)有限公司: a bank
                            sub = r.inner_class(_PLACE_IN_BRACKETS.sub("", name[: -len(sfx)]), sub)
                        return sub
        return cls

    def _listed_company(self, view: DocText, span: Span, conf: float) -> bool:
        """An organisation of common words (<two words>电气, <two words>股份) in a sentence about shares,
        filings or deals: a stock name, which the market gives to companies that need not sound like names."""
        if span.label_ != "ORG" or conf < self.rules.gates.market:
            return False
        sent = view.norm[span.sent.start_char : span.sent.end_char]
        return any(w in sent for w in self.rules.market_words)

    def candidates(self, view: DocText) -> list[Candidate]:
        r, gates, doc = self.rules, self.rules.gates, view.doc
        not_in_name = r.punct - r.name_joiners
        out = []
        for span in doc.spans.get(SPAN_KEY, ()):
            conf = float(span._.model_confidence)
            if conf < gates.min:
                continue
            e = span.end_char
            k = span.start
            while k < span.end - 1 and view.form(doc[k]) in r.model_descriptors:
                k += 1
            s = doc[k].idx
            name = normalize(view.text[s:e])
            if e - s < 2 or name in r.never or name in r.generic or any(c in not_in_name for c in _QUALIFIER.sub("", name.strip())):
                continue
            cls = self.model_class(span.label_, name)
            if cls is None:
                continue
            if conf < gates.common_ok and not r.has_proper(doc[k : span.end]) and not self._listed_company(view, span, conf):
                continue  # 监管部门, 未来银行, 笔者: common words, not a name
            out.append(Candidate(s, e, cls, "model:ner", 40, None, round(conf, 3)))
        return out
