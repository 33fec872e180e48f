"""Property tests (Hypothesis): text -> graph, and bytes -> text.

One pipeline instance (rules + knowledge base, no statistical model) and
``graph.rdf.mapping.document_graph`` directly, not the on-disk store, so ~1,000+
examples run in well under three minutes on two cores.  SHACL validation is
slow (pySHACL with RDFS inference, ~1 s), so it runs on every 20th generated
graph and on a fixed sample of hand-written texts; every example is checked
for no crash, a Turtle round trip with the same triple count, and loading into
an in-memory Oxigraph store the way ``GraphStore.replace_document`` does.
"""

from __future__ import annotations

import codecs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from graph.ingest.reader import InputError, decode, parse_text
from graph.nlp.pipeline import get_pipeline
from graph.rdf.mapping import document_graph
from graph.rdf.validate import validate
from graph.store.local import GraphStore

TEXT_EXAMPLES = 900
BYTES_EXAMPLES = 400
SHACL_EVERY = 20

COUNTS = {"text": 0, "bytes": 0, "shacl": 0}

KB_NAMES = [
    "中國工商銀行", "中国工商银行", "招商銀行", "招商银行", "滙豐", "汇丰", "花旗集團", "高盛", "南京銀行",
    "螞蟻金服", "蚂蚁金服", "阿里巴巴", "騰訊", "中國銀行", "建設銀行", "銀監會", "证监会", "港交所", "北京", "杭州",
    "HSBC", "Goldman Sachs", "Citigroup", "劉偉光", "馬雲",
]
SUFFIXES = ["銀行", "银行", "集團", "集团", "有限公司", "股份有限公司", "控股", "證券", "基金", "保險", "科技", "金服"]
TRIGGERS = ["與", "与", "達成合作", "战略合作", "收購", "控股", "投資", "董事長", "行長", "表示", "發布", "旗下", "子公司", "入股", "合作"]
PUNCT = ["。", "，", "、", "「", "」", "《", "》", "(", ")", "（", "）", "：", ":", ";", "；", "!", "？", "…", "—", "\n", " ", "\u3000", ",", ".", "\"", "'", "“", "”"]
LATIN = ["Bank", "Group", "Ltd", "Co.", "Inc", "Holdings", "AI", "IPO", "fintech", "mPaaS", "OceanBase", "the", "and", "of", "Capital", "Securities"]
UNITS = ["萬", "万", "億", "亿", "%", "％", "萬元", "億元", "亿美元", "倍", "個百分點", "家", "人"]

cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
number = st.builds(
    lambda n, frac, unit, sep: f"{n:,}" .replace(",", sep) + (f".{frac}" if frac is not None else "") + unit,
    st.integers(0, 10**9), st.none() | st.integers(0, 999), st.sampled_from(UNITS), st.sampled_from([",", "", "，"]),
)
piece = st.one_of(
    st.sampled_from(KB_NAMES),
    st.builds(lambda a, b: a + b, st.text(cjk, min_size=1, max_size=4), st.sampled_from(SUFFIXES)),
    st.sampled_from(TRIGGERS),
    st.sampled_from(PUNCT),
    st.sampled_from(LATIN),
    st.text(cjk, min_size=1, max_size=6),
    number,
    st.builds(lambda y, m, d: f"{y}年{m}月{d}日", st.integers(1990, 2030), st.integers(1, 13), st.integers(1, 32)),
    st.text(max_size=3),  # anything at all, now and then
)
news_text = st.lists(piece, min_size=1, max_size=40).map("".join)

_nlp = None


def nlp():
    global _nlp
    if _nlp is None:
        _nlp = get_pipeline(False)
    return _nlp


def to_graph(text: str, key: str = "fuzz"):
    meta = parse_text(text, key)
    doc = nlp()(meta.text)
    return doc, meta, document_graph(doc, meta)


def check_graph(g: Graph, meta) -> None:
    data = g.serialize(format="turtle")
    back = Graph().parse(data=data, format="turtle")
    assert len(back) == len(g), (len(back), len(g))
    nt = g.serialize(format="nt")
    assert len(Graph().parse(data=nt, format="nt")) == len(g)
    mem = GraphStore(None)
    mem.replace_document(meta.iri, g)
    assert len(mem.ox) == len(g)


def check_shacl(g: Graph, text: str) -> None:
    report = validate(g)
    assert report.conforms, (text, [(v.label, v.rule, v.path, v.value) for v in report.violations[:5]])
    COUNTS["shacl"] += 1


@settings(max_examples=TEXT_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    text=news_text,
    wrap=st.sampled_from(["plain", "crlf", "front", "html", "bom", "meta"]),
    meta=st.fixed_dictionaries({}, optional={
        "id": st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(["a b", "<x>", "招商/1", "{}"])),
        "title": st.one_of(st.text(max_size=20), st.integers()),
        "published": st.one_of(st.text(max_size=12), st.dates().map(str), st.datetimes().map(str), st.integers(0, 99999)),
        "source": st.text(max_size=10),
        "language": st.sampled_from(["zh-Hant", "zh-Hans", "en"]),
    }),
)
def test_text_to_graph(text, wrap, meta):
    if wrap == "meta":
        import yaml

        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + text
    elif wrap == "crlf":
        text = text.replace("\n", "\r\n")
    elif wrap == "front":
        text = f"---\ntitle: 測試\npublished: 2018-05\n---\n{text}"
    elif wrap == "html":
        text = f"<html><body><p>{text}</p><script>var x='招商銀行';</script></body></html>"
    elif wrap == "bom":
        try:
            text = decode(b"\xef\xbb\xbf" + text.encode("utf-8"))
        except InputError:  # mostly control characters: refused as binary, which is fine
            return
    doc, meta, g = to_graph(text)
    COUNTS["text"] += 1
    # Offsets refer to the body: every mention's text is what the offsets cut out.
    for rec in (doc._.entities or {}).values():
        for s, e in rec.mentions:
            assert 0 <= s < e <= len(meta.text)
    check_graph(g, meta)
    if COUNTS["text"] % SHACL_EVERY == 0:
        check_shacl(g, text)


SHACL_SAMPLE = [
    "中國工商銀行與招商銀行達成合作。",
    "中国工商银行与招商银行达成战略合作，交易金额达1,000万元，占比12.5%。",
    "螞蟻金服副總裁劉偉光表示，「雲」不僅只是一朵雲。",
    "去年阿里巴巴、螞蟻金服與南京銀行達成合作，他們只用了不到5個月的時間。",
    "HSBC and Citigroup signed a cooperation agreement in London.",
    "《2017年中國銀行業服務報告》指出，2017年，我國手機銀行交易達到了969.29億筆，同比增長103.42%。",
    "滙豐控股(HSBC Holdings)旗下香港上海滙豐銀行收購某某科技有限公司51%股權。",
    "5月11日,杭州西子湖畔,移動智惠金融峰會召開。與會人員超過500人,來自200多家金融機構。",
]


@pytest.mark.parametrize("text", SHACL_SAMPLE)
def test_fixed_sample_conforms(text):
    _, meta, g = to_graph(text)
    check_graph(g, meta)
    check_shacl(g, text)


ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "shift_jis", "latin-1", "cp1252", "euc-kr"]


@settings(max_examples=BYTES_EXAMPLES, deadline=None)
@given(
    source=st.one_of(
        st.binary(max_size=300),
        st.tuples(st.text(max_size=80), st.sampled_from(ENCODINGS)).map(lambda t: t[0].encode(t[1], errors="replace")),
        st.tuples(news_text, st.sampled_from(ENCODINGS)).map(lambda t: t[0].encode(t[1], errors="replace")),
        st.tuples(news_text, st.sampled_from(["gbk", "gb18030", "big5"]), st.binary(max_size=4)).map(lambda t: t[0].encode(t[1], errors="ignore") + t[2]),
        st.tuples(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]), st.binary(max_size=100)).map(lambda t: t[0] + t[1]),
    )
)
def test_decode_is_total(source):
    COUNTS["bytes"] += 1
    try:
        text = decode(source, "fuzz.txt")
    except InputError as exc:
        msg = str(exc)
        assert msg.startswith("fuzz.txt: ") and "\n" not in msg
        return
    assert isinstance(text, str)
    # Whatever decodes must also go through parse_text and make a graph.
    if len(text) < 400:
        _, meta, g = to_graph(text)
        check_graph(g, meta)


@pytest.mark.parametrize("enc", ["gbk", "gb18030", "big5", "utf-8", "utf-8-sig", "utf-16"])
@settings(max_examples=30, deadline=None)
@given(text=news_text)
def test_decode_round_trips_chinese(enc, text):
    """Text that is representable in the encoding comes back unchanged (or is refused, never garbled silently)."""
    COUNTS["bytes"] += 1
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        return
    try:
        got = decode(data)
    except InputError:
        return
    if enc in ("utf-8", "utf-8-sig", "utf-16"):
        assert got == text
    elif sum(1 for c in text if "\u4e00" <= c <= "\u9fff") >= 8 and text.isprintable():
        # GB18030 and Big5 overlap; with enough Han characters the scorer must pick the right one.
        assert got == text


def test_zz_example_count(capsys):
    total = COUNTS["text"] + COUNTS["bytes"]
    if COUNTS["text"] == 0 or COUNTS["bytes"] == 0:
        pytest.skip("run the whole file to count examples")
    with capsys.disabled():
        print(f"\nfuzz examples: text->graph {COUNTS['text']}, bytes->text {COUNTS['bytes']}, total {total}; SHACL-validated {COUNTS['shacl']}")
    assert total >= 1000
