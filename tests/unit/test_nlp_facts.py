import datetime as dt
from decimal import Decimal


def facts(doc):
    return {f.text: f for f in doc._.facts}


def test_numbers_with_units_are_normalised(run):
    f = facts(run("高峰期每秒處理25.6萬筆/秒,全年交易969.29億筆,同比增長103.42%,與會超過500人。"))
    assert f["25.6萬筆/秒"].value == Decimal(256000) and f["25.6萬筆/秒"].unit == "per second"
    assert f["969.29億筆"].value == Decimal(96929000000)
    assert f["103.42%"].value == Decimal("103.42") and f["103.42%"].unit == "percent"
    assert f["超過500人"].value == 500 and f["超過500人"].qualifier == "greaterThan"


def test_dates_resolved_against_publication(run):
    doc = run("去年雙十一交易額大增。5月11日峰會召開。2016年7月發布規劃。", published=dt.date(2018, 5, 14))
    values = [d.value for d in doc._.dates]
    assert values == ["2017-11-11", "2018-05-11", "2016-07"]


def test_figure_attached_to_entity_in_clause(run):
    doc = run("招商銀行去年營收達到2000億元。")
    f = doc._.facts[0]
    assert f.about is not None and "china-merchants-bank" in str(f.about)
    assert f.unit == "CNY" and f.value == Decimal(200000000000)
