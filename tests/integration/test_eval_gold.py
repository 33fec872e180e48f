from graph.eval.gold import Counts, score_document
from graph.ingest.reader import parse_text


def test_counts():
    c = Counts(8, 2, 2)
    assert c.precision == 0.8 and c.recall == 0.8 and abs(c.f1 - 0.8) < 1e-9


def test_scoring_rewards_matches_and_penalises_misses(nlp):
    text = "去年騰訊與招商銀行達成合作。"
    gold = {
        "document": "x",
        "entities": [
            {"id": "t", "type": "TechnologyCompany", "names": ["騰訊"]},
            {"id": "c", "type": "Bank", "names": ["招商銀行"]},
            {"id": "missing", "type": "Person", "names": ["不存在"]},
        ],
        "relations": [{"head": "c", "relation": "partnerOf", "tail": "t"}],
    }
    s = score_document(gold, "x", parse_text(text, "x"), nlp)
    assert s.entities.tp == 2 and s.entities.fn == 1
    assert s.relations.tp == 1  # symmetric reading accepted
    assert s.types_correct == 2
