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
