"""A seeded generator of short Chinese financial-news documents for benchmarks.

Each document is a few sentences built from templates that mix names from the
knowledge base (``ontology/kb/*.ttl``: ``rdfs:label``/``skos:altLabel`` in
zh-Hant or zh-Hans), generic newsroom filler and numbers (amounts, percentages,
dates), so the extraction pipeline sees names to link, relation triggers and
measurements in realistic proportions.  The same seed gives the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

KB_DIR = Path(__file__).resolve().parent.parent / "ontology" / "kb"
KG = "https://w3id.org/cnfinkg/ontology#"
_PERSON = {KG + "Person"}
_PRODUCT = {KG + c for c in ("Product", "FinancialProduct", "PaymentService", "CreditProduct", "FundProduct", "InsuranceProduct",
                             "SoftwarePlatform", "Database", "Middleware", "MobileApp", "Hardware")}
_PLACE = {KG + c for c in ("Place", "Country", "City", "Region")}
_SKIP = {KG + c for c in ("Event", "Conference", "ProductLaunch", "FinancingEvent", "Report", "PolicyDocument",
                          "Publication", "Plan", "NewsArticle", "Measurement")}


@dataclass(frozen=True)
class Names:
    organizations: tuple[str, ...]
    people: tuple[str, ...]
    products: tuple[str, ...]
    places: tuple[str, ...]


@lru_cache(maxsize=1)
def kb_names(directory: Path = KB_DIR) -> Names:
    """Chinese names by kind from the knowledge base files."""
    store = ox.Store()
    for path in sorted(directory.glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    q = """
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT DISTINCT ?t ?name WHERE {
      ?e a ?t . { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name }
      FILTER(langMatches(lang(?name), "zh"))
    }"""
    orgs: set[str] = set()
    people: set[str] = set()
    products: set[str] = set()
    places: set[str] = set()
    for row in store.query(q):
        t, name = row["t"].value, row["name"].value
        if t in _SKIP or not (2 <= len(name) <= 20):
            continue
        (people if t in _PERSON else products if t in _PRODUCT else places if t in _PLACE else orgs).add(name)
    return Names(tuple(sorted(orgs)), tuple(sorted(people)), tuple(sorted(products)), tuple(sorted(places)))


TEMPLATES = (
    "{org}與{org2}今日在{place}簽署戰略合作協議，雙方將在{field}領域展開深度合作。",
    "{org}宣布完成{amount}億元{round}融資，由{org2}領投，{org3}跟投。",
    "{person}出任{org}董事長，此前他曾擔任{org2}副總裁。",
    "據{org}披露，{year}年{org2}營業收入達到{amount}億元，同比增長{pct}%。",
    "{org}旗下的{product}用戶數已突破{users}萬，日均交易{amount}萬筆。",
    "{org}以{amount}億元收購{org2}{pct}%股權，交易預計於{year}年完成。",
    "{org}推出{product}，採用{org2}提供的雲計算技術，支撐每秒{users}筆交易。",
    "{org}增持{org2}股份至{pct}%，成為其第一大股東。",
    "{org}總部位於{place}，在{place2}設有研發中心。",
    "{org}與{org2}合資成立新公司，註冊資本{amount}億元。",
)
FILLER = (
    "業內人士認為，金融科技正在重塑傳統銀行的業務模式。",
    "分析師指出，市場對此反應積極，相關板塊當日上漲。",
    "記者從多個渠道獲悉，該項目目前仍處於試點階段。",
    "隨著監管政策逐步明確，行業進入規範發展的新階段。",
    "此舉被視為數字化轉型戰略的重要一步。",
    "截至發稿時，相關公司尚未對此作出回應。",
    "专家表示，数据安全与隐私保护仍是行业面临的主要挑战。",
    "该负责人表示，公司将继续加大研发投入。",
)
FIELDS = ("普惠金融", "雲計算", "區塊鏈", "人工智能", "移動支付", "供應鏈金融", "智能風控", "財富管理")
ROUNDS = ("天使輪", "A輪", "B輪", "C輪", "戰略")


def _sentence(rng: random.Random, names: Names) -> str:
    if rng.random() < 0.3:
        return rng.choice(FILLER)
    orgs = rng.sample(names.organizations, 3)
    places = rng.sample(names.places, 2) if len(names.places) >= 2 else ["北京", "上海"]
    return rng.choice(TEMPLATES).format(
        org=orgs[0], org2=orgs[1], org3=orgs[2],
        person=rng.choice(names.people) if names.people else "張三",
        product=rng.choice(names.products) if names.products else "支付寶",
        place=places[0], place2=places[1],
        field=rng.choice(FIELDS), round=rng.choice(ROUNDS),
        amount=rng.choice((rng.randint(1, 999), round(rng.uniform(0.5, 300), 1))),
        pct=rng.randint(1, 95), users=rng.randint(10, 50000), year=rng.randint(2015, 2024),
    )


def generate(n_docs: int = 2000, seed: int = 20240501, sentences: tuple[int, int] = (2, 6)) -> list[str]:
    """``n_docs`` short documents (a headline and a few sentences each), reproducible from ``seed``."""
    rng = random.Random(seed)
    names = kb_names()
    docs = []
    for _ in range(n_docs):
        body = "".join(_sentence(rng, names) for _ in range(rng.randint(*sentences)))
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        docs.append(f"{rng.randint(2015, 2024)}年{month}月{day}日電 {body}")
    return docs


__all__ = ["Names", "generate", "kb_names"]
