"""Linking by what the text states: stock codes, branches, short names of registered companies."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from graph.vocab import KG


@pytest.mark.parametrize(("text", "code"), [
    ("浦发银行(600000)今日发布公告。", "600000.SH"),
    ("騰訊控股（股份代號：00700.HK）股價上漲。", "0700.HK"),
    ("浦發銀行（證券代碼：600000.SH）公告稱。", "600000.SH"),
])
def test_stock_code_after_a_name_is_an_identifier(nlp, text, code):
    doc = nlp(text)
    codes = {rec.identifiers.get(KG.stockCode) for rec in doc._.entities.values()}
    assert code in codes


def test_unknown_company_with_a_code_gets_the_code_iri(nlp):
    a = nlp("甲乙丙丁科技股份有限公司（688999.SH）今日上市。")
    b = nlp("另据报道，甲乙丙丁科技股份有限公司（688999）的股价上涨。")
    iri_a = {str(i) for i, r in a._.entities.items() if r.identifiers.get(KG.stockCode) == "688999.SH"}
    iri_b = {str(i) for i, r in b._.entities.items() if r.identifiers.get(KG.stockCode) == "688999.SH"}
    assert iri_a and iri_a == iri_b


def test_a_branch_keeps_its_name_and_points_to_its_bank(nlp):
    doc = nlp("工行福建省分行與螞蟻金服簽署合作協議。")
    names = {e.text for e in doc.ents}
    assert "工行福建省分行" in names
    branch = next(URIRef(e.kb_id_) for e in doc.ents if e.text == "工行福建省分行")
    rels = {(r.head, r.prop) for r in doc._.relations}
    assert (branch, KG.branchOf) in rels


@pytest.mark.parametrize(("short", "long_", "same"), [
    ("大族激光", "深圳市大族激光科技股份有限公司", True),
    ("万科", "万科企业股份有限公司", True),
    ("华润", "深圳市大族激光科技股份有限公司", False),
    ("万科", "万科企业集团", False),  # not a registered legal name
])
def test_short_name_of_a_registered_company(nlp, short, long_, same):
    linker = nlp.get_pipe("cnfinkg_linker")
    assert linker.short_of_registered(short, long_) is same


@pytest.mark.parametrize(("short", "long_", "same"), [
    ("甲乙集团", "云南甲乙集团", True),
    ("甲乙", "贵州甲乙", True),
    ("甲乙集团", "中国甲乙集团公司", True),  # legal endings do not change the entity
    ("甲乙股份", "云南甲乙集团", False),  # a group and its listed company are two entities
    ("乙集团", "云南甲乙集团", False),
    ("甲乙集团", "甲乙丙集团", False),  # no place at the start
    ("集团", "云南集团", False),
])
def test_short_name_without_the_place_it_starts_with(nlp, short, long_, same):
    linker = nlp.get_pipe("cnfinkg_linker")
    assert linker.short_without_place(short, long_) is same


def test_a_name_and_its_place_less_short_form_in_one_text_are_one_entity(nlp):
    doc = nlp("雲南甲乙集團公告增資，甲乙集團將擴大產能。")
    iris = {e.text: e.kb_id_ for e in doc.ents}
    assert iris.get("雲南甲乙集團") and iris.get("雲南甲乙集團") == iris.get("甲乙集團")


@pytest.mark.parametrize(("a", "b", "same"), [
    ("甲乙电子", "甲乙电子软件", True),  # a descriptor added
    ("甲乙丙丁", "甲乙丙丁商业银行", False),  # its bank: another organisation
    ("甲乙丙丁", "甲乙丙丁证券", False),
    ("甲乙丙", "甲乙丙软件", False),  # too short to extend
])
def test_a_name_extended_by_descriptors_but_not_by_another_organisation(nlp, a, b, same):
    assert nlp.get_pipe("cnfinkg_linker")._same_base(a, b) is same
