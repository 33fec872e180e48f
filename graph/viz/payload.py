"""The JSON the page draws: vis-network nodes and edges, their styles, and the details shown on click.

The page does no layout, styling or lookup of its own (it may hold
thousands of nodes and must open fast), so everything it needs is decided
here: positions, one style group per class, the label in the chosen
script, the tooltip, the evidence panel and the names the search box
matches.  Keys and lists are sorted, so the same graph gives the same JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.viz.layout import FAST_LAYOUT_ABOVE, layout
from graph.viz.network import local_name
from graph.viz.style import (
    EDGE_LABEL_PX,
    EVENT_ROLE_COLOUR,
    FAMILY_BORDER,
    FONT_STACK,
    LABEL_ATTR,
    LANGS,
    NODE_FONT_PX,
    SHAPE_GLYPH,
    class_family,
    class_styles,
    event_caption,
    node_size,
)
from graph.viz.subgraph import node_names

#: A failed SHACL rule is drawn in this red, dashed, whatever the class's own colour.
_VIOLATION_RED = "#d62728"
_Styles = Mapping[str, tuple[str, str]]


def _node_entry(
    n: str, d: Mapping[str, Any], lang: str, xy: tuple[float, float], styles: _Styles, family: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A vis node, and the details the panel and search box use for it."""
    cls = d.get("type") or "Thing"
    labels = {lg: d.get(LABEL_ATTR[lg]) or local_name(n) for lg in LANGS}
    vio = d.get("violations") or []
    kind = "event" if family[cls] == "Event" else "entity"
    shown = {lg: event_caption(t) for lg, t in labels.items()} if kind == "event" else labels
    node: dict[str, Any] = {
        "id": n,
        "label": shown[lang],
        "group": cls,
        "x": xy[0],
        "y": xy[1],
        "size": node_size(int(d.get("mentions") or 0)),
        "title": " / ".join(dict.fromkeys(labels[lg] for lg in LANGS)) + f"\n{cls} · {d.get('mentions', 0)}×",
    }
    if kind == "event":
        node["kind"] = "event"
    if vio:
        node["shapeProperties"] = {"borderDashes": [6, 4]}
        node["borderWidth"] = 4
        node["color"] = {"border": _VIOLATION_RED, "background": styles[cls][0]}
    info = {
        "labels": labels,
        "shown": shown,
        "alt": list(d.get("alt_labels") or []),
        "type": cls,
        "family": family[cls],
        "kind": kind,
        "mentions": d.get("mentions", 0),
        "identifiers": d.get("identifiers") or {},
        "names": [x.lower().replace(" ", "") for x in node_names(d)] + [n.lower()],
        "violations": vio,
    }
    return node, info


def _edge_entry(eid: str, u: str, v: str, k: Any, d: Mapping[str, Any], from_event: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A vis edge, and the evidence the panel shows for it."""
    rel = d.get("relation") or str(k)
    trig = d.get("triggers") or ([d["trigger"]] if d.get("trigger") else [])
    conf = d.get("confidence")
    edge: dict[str, Any] = {
        "id": eid,
        "from": u,
        "to": v,
        "label": rel,
        "relation": rel,
        "title": ("、".join(trig) if trig else "(no trigger)") + (f" · {conf:g}" if isinstance(conf, int | float) else ""),
        # what the confidence, document and date filters test
        "confidence": conf if isinstance(conf, int | float) else None,
        "docs": sorted({ev["doc"] for ev in d.get("evidence") or [] if ev.get("doc")}),
    }
    if from_event:  # a role of an event (acquirer, target, ...)
        edge["role"] = True
        edge["color"] = {"color": EVENT_ROLE_COLOUR, "highlight": "#4a148c", "hover": "#4a148c"}
    if isinstance(conf, int | float):
        edge["width"] = round(1 + 2 * float(conf), 2)
    vio = d.get("violations") or []
    if vio:
        edge["dashes"] = [6, 4]
        edge["color"] = {"color": _VIOLATION_RED, "highlight": _VIOLATION_RED, "hover": _VIOLATION_RED}
    evidence = {"relation": rel, "triggers": trig, "confidence": conf, "evidence": d.get("evidence") or [], "violations": vio}
    return edge, evidence


def _group(colour_shape: tuple[str, str], family: str) -> dict[str, Any]:
    """vis-network's style group for one class: its fill and shape, its family's border."""
    fill, shape = colour_shape
    return {
        "color": {
            "background": fill,
            "border": FAMILY_BORDER.get(family, "#333333"),
            "highlight": {"background": fill, "border": "#000000"},
            "hover": {"background": fill, "border": "#000000"},
        },
        "shape": shape,
        **({"borderWidth": 2} if family == "Event" else {}),
    }


def _documents(evidence: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each document that is evidence for an edge, with its date and headline (the document and date filters)."""
    docs: dict[str, dict[str, Any]] = {}
    for entry in evidence:
        for ev in entry["evidence"]:
            if ev.get("doc"):
                docs.setdefault(ev["doc"], {"date": (ev.get("date") or "")[:10] or None, "headline": ev.get("headline")})
    return dict(sorted(docs.items()))


def class_groups(classes: Iterable[str], among: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """vis-network's style group of each class, sorted.

    Styles are picked for ``classes`` plus ``among``: the workbench passes every class of the
    vocabulary, so a class keeps its look however its views grow; a page passes its own classes only.
    """
    wanted = set(classes)
    styles = class_styles(wanted | set(among))
    return {c: _group(styles[c], class_family(c)) for c in sorted(wanted)}


def graph_payload(
    g: nx.MultiDiGraph, lang: str = "en", positions: Mapping[str, tuple[float, float]] | None = None
) -> dict[str, Any]:
    """The data the page draws: vis nodes and edges plus the details shown on click."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    pos = positions if positions is not None else layout(g)
    classes: dict[str, int] = defaultdict(int)
    for n in g.nodes:
        classes[g.nodes[n].get("type") or "Thing"] += 1
    styles = class_styles(classes)
    family = {c: class_family(c) for c in classes}
    nodes, info = [], {}
    for n in sorted(g.nodes):
        node, info[n] = _node_entry(n, g.nodes[n], lang, pos.get(n, (0.0, 0.0)), styles, family)
        nodes.append(node)
    edges, evidence = [], {}
    relations: dict[str, int] = defaultdict(int)
    for i, (u, v, k, d) in enumerate(sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))):
        edge, evidence[f"e{i}"] = _edge_entry(f"e{i}", u, v, k, d, info[u]["kind"] == "event")
        relations[edge["relation"]] += 1
        edges.append(edge)
    return {
        "documents": _documents(evidence.values()),
        "lang": lang,
        "nodes": nodes,
        "edges": edges,
        "info": info,
        "evidence": evidence,
        "groups": class_groups(classes),
        "classes": [
            [c, classes[c], styles[c][0], SHAPE_GLYPH.get(styles[c][1], "●"), family[c]] for c in sorted(classes)
        ],
        "relations": [[r, relations[r]] for r in sorted(relations)],
        "large": len(nodes) > FAST_LAYOUT_ABOVE,
        "font": FONT_STACK,
        "nodeFontPx": NODE_FONT_PX,
        "edgeLabelPx": EDGE_LABEL_PX,
    }


__all__ = ["class_groups", "graph_payload"]
