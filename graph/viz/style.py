"""How a node looks: a (colour, shape) per class, label sizes and fonts, the three label scripts.

Every class present gets its own (colour, shape), the shape saying the top
class (events are diamonds, their role edges purple), so a reader tells a
bank from a regulator at a glance and the same class looks the same in
every graph.  The tables (class order, palette, shapes, fonts) are data, in
``templates/style.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from graph.viz.assets import style_table
from graph.vocab import KG

_STYLE = style_table()

LANGS = ("en", "zh-Hant", "zh-Hans")
#: The node attribute holding the label in each script (see :func:`graph.viz.network.to_networkx`).
LABEL_ATTR = {"en": "label_en", "zh-Hant": "label_zh_hant", "zh-Hans": "label_zh_hans"}

#: Ontology classes in docs/VOCAB.md order; a class's colour is its index in ``PALETTE``.
CLASS_ORDER: tuple[str, ...] = tuple(_STYLE["class_order"])
PALETTE: tuple[str, ...] = tuple(_STYLE["palette"])
#: The shape of each top class; the order is also the order families pick their first colour in.
FAMILY_SHAPE: dict[str, str] = dict(_STYLE["family_shape"])
FAMILY_BORDER: dict[str, str] = dict(_STYLE["family_border"])
SPARE_SHAPES: tuple[str, ...] = tuple(_STYLE["spare_shapes"])
SHAPE_GLYPH: dict[str, str] = dict(_STYLE["shape_glyph"])
FONT_STACK: str = _STYLE["font_stack"]
EVENT_ROLE_COLOUR: str = _STYLE["event_role_colour"]
#: The page's own words per label language.
UI_TEXT: dict[str, dict[str, str]] = dict(_STYLE["ui_text"])

#: Node label size in canvas units; the layout spaces isolated entities from labels of this size.
NODE_FONT_PX = 22
#: Edge labels are drawn at least this many screen pixels high at the initial zoom (see app.js).
EDGE_LABEL_PX = 12


def class_family(cls: str) -> str:
    """Top schema.org class of a kg: class (Organization, Person, ...), read from the ontology."""
    try:
        from graph.rdf.ontology import load_ontology

        top = load_ontology().top_class(KG[cls])
    except Exception:  # noqa: BLE001 - styling must not fail because the ontology file is missing
        top = None
    return str(top).rsplit("/", 1)[-1] if top is not None else "Thing"


def is_event_class(cls: str) -> bool:
    return class_family(cls) == "Event"


def class_styles(classes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """A (fill colour, shape) per class, different for every two classes given.

    The shape is the top class's (events are diamonds); classes of one family
    take the palette's colours in vocabulary order, and a family with more
    classes than colours borrows another shape, never the events' diamond.
    The result depends only on the set of classes, so a store always looks the same.
    """
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    ordered = sorted(set(classes), key=lambda c: (rank.get(c, len(rank)), c))
    fam_rank = {f: i for i, f in enumerate(FAMILY_SHAPE)}
    families = sorted({class_family(c) for c in ordered}, key=lambda f: (fam_rank.get(f, 99), f))
    offset = {f: 3 * i for i, f in enumerate(families)}  # families start on different colours
    used: set[tuple[str, str]] = set()
    out: dict[str, tuple[str, str]] = {}
    for c in ordered:
        fam = class_family(c)
        own = FAMILY_SHAPE.get(fam, "hexagon")
        shapes = [own, *(s for s in SPARE_SHAPES if s != own)]
        pairs = [
            (PALETTE[(offset[fam] + i) % len(PALETTE)], shape)
            for shape in shapes
            for i in range(len(PALETTE))
        ]
        style = next((p for p in pairs if p not in used), pairs[0])  # more classes than pairs: reuse
        used.add(style)
        out[c] = style
    return out


def node_size(mentions: int) -> float:
    """A node's radius: logarithmic in mentions, so a hub stands out without swallowing its neighbours."""
    return round(10 + 6 * math.log2(1 + max(0, mentions)), 1)


def event_caption(label: str) -> str:
    """What an event node shows: its kind (``上市`` of ``上市：<exchange> / <company>``); the role edges
    already point at the participants, and the full label is in the tooltip and the panel."""
    for sep in ("：", ": "):
        head, found, _ = label.partition(sep)
        if found and head.strip():
            return head.strip()
    return label


__all__ = [
    "CLASS_ORDER",
    "EDGE_LABEL_PX",
    "EVENT_ROLE_COLOUR",
    "FAMILY_BORDER",
    "FAMILY_SHAPE",
    "FONT_STACK",
    "LABEL_ATTR",
    "LANGS",
    "NODE_FONT_PX",
    "PALETTE",
    "SHAPE_GLYPH",
    "SPARE_SHAPES",
    "UI_TEXT",
    "class_family",
    "class_styles",
    "event_caption",
    "is_event_class",
    "node_size",
]
