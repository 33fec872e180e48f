"""Role filling of event frames (graph/nlp/events/roles.py): the parts that need no pipeline."""

from __future__ import annotations

from types import SimpleNamespace

from graph.nlp.events.roles import FrameEntity, RoleFiller
from graph.rdf.ontology import load_ontology


def _span(start: int, end: int) -> SimpleNamespace:
    return SimpleNamespace(start_char=start, end_char=end, kb_id_="x", label_="Organization")


def test_a_name_that_swallowed_the_trigger_is_cut_at_it():
    # trigger at 0..2, name read as 0..6 (增持甲科技): the name starts after the trigger
    assert (FrameEntity.of(_span(0, 6), 0, 2).start_char, FrameEntity.of(_span(0, 6), 0, 2).end_char) == (2, 6)
    # name 0..4 ending inside the trigger 3..5 (甲某辭去): the name ends where the trigger starts
    cut = FrameEntity.of(_span(0, 4), 3, 5)
    assert (cut.start_char, cut.end_char) == (0, 3)
    # a name apart from the trigger stays as it is
    apart = FrameEntity.of(_span(6, 9), 0, 2)
    assert (apart.start_char, apart.end_char) == (6, 9)


def test_groups_and_plain_gaps_use_the_marks_as_written():
    marks = {"joiners": ["、", "和", "，"], "clause_marks": ["，", ","]}
    roles = RoleFiller(load_ontology(), {"gap": 40}, marks)
    norm = "甲乙、丙丁和戊己，庚辛"
    ents = [FrameEntity(0, 2, "a", "Organization"), FrameEntity(3, 5, "b", "Organization"),
            FrameEntity(6, 8, "c", "Organization"), FrameEntity(9, 11, "d", "Organization")]
    assert [e.kb_id_ for e in roles._group(norm, ents, ents[1])] == ["a", "b", "c", "d"]
    assert not roles._plain("甲，乙") and roles._plain("甲乙")
