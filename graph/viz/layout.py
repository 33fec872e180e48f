"""Where each node sits: a deterministic layout computed before the page opens.

Large graphs must open without a physics simulation, so positions are
computed here (NetworkX spring layout per connected component, or a
sampled force layout above ``FAST_LAYOUT_ABOVE`` nodes) and the page starts
with physics off.  Entities without relations sit in one grid per class
spaced by label width, and nothing overlaps a label.  Everything is sorted
and seeded, so the same graph always gets the same coordinates, in every
process (string hashing is salted per process, so no set order may leak in).
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx

from graph.viz.style import LABEL_ATTR, NODE_FONT_PX, event_caption, is_event_class, node_size

#: Above this many nodes the O(n²) spring layout is replaced by a sampled one.
FAST_LAYOUT_ABOVE = 1000
LAYOUT_SEED = 42


def layout(g: nx.MultiDiGraph, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """Pixel positions for every node, deterministic for a given graph.

    Up to ``FAST_LAYOUT_ABOVE`` nodes each connected component gets its own
    spring layout (one spring layout of everything pushes isolated entities
    to a ring and squeezes the connected core into a blot), entities without
    relations get one grid per class whose cells fit the class's widest label
    (``class_grids``), and the components and grids are shelf-packed into a
    rectangle about as wide as a screen.  Spring layout is O(n²) per step in
    NetworkX without SciPy, so larger graphs use a force layout with sampled
    repulsion that handles 5,000 nodes in one to three seconds.
    """
    nodes = sorted(g.nodes)
    if not nodes:
        return {}
    edges = sorted({(u, v) if u < v else (v, u) for u, v in g.edges() if u != v})
    if len(nodes) > FAST_LAYOUT_ABOVE:
        coords = _sampled_force_layout(nodes, edges, seed)
        unit = 120.0 * math.sqrt(len(nodes))
        return {k: (round(x * unit, 1), round(y * unit, 1)) for k, (x, y) in sorted(coords.items())}
    linked = sorted({n for e in edges for n in e})
    alone = sorted(set(nodes) - set(linked))
    boxes = _component_boxes(g, linked, edges, seed) + class_grids(g, alone)
    out = _shelf_pack(boxes)
    mx = (min(p[0] for p in out.values()) + max(p[0] for p in out.values())) / 2
    my = (min(p[1] for p in out.values()) + max(p[1] for p in out.values())) / 2
    return {k: (round(x - mx, 1), round(y - my, 1)) for k, (x, y) in sorted(out.items())}


#: A box to pack: node positions relative to its top-left corner, its width and its height.
Box = tuple[dict[str, tuple[float, float]], float, float]
#: Width over height of the packed layout: about a browser window's, so the initial fit wastes little.
LAYOUT_ASPECT = 1.6
#: Canvas pixels between two nodes joined by an edge, roughly.
NODE_SPACING = 100.0


def _shelf_pack(boxes: list[Box], gap: float = 40.0) -> dict[str, tuple[float, float]]:
    """Tallest boxes first, left to right in rows; of a few row widths, the one whose result fits a
    ``LAYOUT_ASPECT`` window at the largest scale."""
    boxes = sorted(boxes, key=lambda b: (-b[2], -b[1], min(b[0])))
    widest, total = max(w for _, w, _ in boxes), sum(w + gap for _, w, _ in boxes)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    for step in range(33):
        row_width = widest + (total - widest) * (step / 32) ** 2
        out: dict[str, tuple[float, float]] = {}
        x = y = shelf = right = 0.0
        for local, w, h in boxes:
            if x > 0 and x + w > row_width:
                x, y, shelf = 0.0, y + shelf + gap, 0.0
            out.update({k: (x + px, y + py) for k, (px, py) in local.items()})
            right = max(right, x + w)
            x += w + gap
            shelf = max(shelf, h)
        extent = max(right / LAYOUT_ASPECT, y + shelf)  # what the initial fit has to squeeze in
        if best is None or extent < best[0] - 1e-6:
            best = (extent, out)
    assert best is not None
    return best[1]


def label_width(text: str, font_px: float = NODE_FONT_PX) -> float:
    """A generous estimate of a label's drawn width: wide (CJK) characters 1 em, capitals 0.75, others 0.6."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            width += 1.0
        elif ch.isupper() or ch in "mwMW@%":
            width += 0.75
        else:
            width += 0.6
    return width * font_px


def node_box(data: Mapping[str, Any], x: float, y: float, font_px: float = NODE_FONT_PX) -> tuple[float, ...]:
    """(left, top, right, bottom) a node and its label (drawn under the shape, in any of the three scripts) cover."""
    r = node_size(int(data.get("mentions") or 0))
    half = max(r, max(label_width(t, font_px) for t in _labels_of(data)) / 2)
    return (x - half, y - r, x + half, y + r + 4 + 1.3 * font_px)


def _labels_of(data: Mapping[str, Any]) -> list[str]:
    """The labels drawn for a node in the three scripts (an event shows its kind only, see ``event_caption``)."""
    event = is_event_class(str(data.get("type") or "Thing"))
    texts = [str(data.get(a) or "") for a in LABEL_ATTR.values()]
    return [event_caption(t) for t in texts] if event else texts


def class_grids(g: nx.MultiDiGraph, nodes: list[str], gap: float = 16.0) -> list[Box]:
    """Entities without relations as one about-square grid per class, to be packed with the components.

    A class's columns are as wide as its widest node box (label included, in
    the widest of the three scripts, since the page can switch) plus ``gap``,
    and its rows as tall as its tallest box, so no two labels overlap.
    """
    by_class: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        by_class[g.nodes[n].get("type") or "Thing"].append(n)
    out: list[Box] = []
    for cls in sorted(by_class):
        members = sorted(by_class[cls], key=lambda n: (_labels_of(g.nodes[n])[0], n))
        boxes = [node_box(g.nodes[n], 0.0, 0.0) for n in members]
        col_w = max(b[2] - b[0] for b in boxes) + gap
        row_h = max(b[3] - b[1] for b in boxes) + gap
        up = max(-b[1] for b in boxes)  # from the top of a cell to the centre of its shape
        cols = max(1, min(len(members), round(math.sqrt(len(members) * row_h / col_w))))
        rows = math.ceil(len(members) / cols)
        local = {}
        for i, n in enumerate(members):
            r, c = divmod(i, cols)
            local[n] = (c * col_w + col_w / 2, r * row_h + up + gap / 2)
        out.append((local, cols * col_w, rows * row_h))
    return out


def _component_boxes(
    g: nx.MultiDiGraph, nodes: list[str], edges: list[tuple[str, str]], seed: int
) -> list[Box]:
    """A spring layout per connected component, in a disc of area ~ its size in node spacings, then spread
    until no two node boxes (shape and label) overlap; the component's box encloses every node box."""
    und = nx.Graph()
    und.add_nodes_from(nodes)
    und.add_edges_from(edges)
    comps = sorted((sorted(c) for c in nx.connected_components(und)), key=lambda c: (-len(c), c[0]))
    out: list[Box] = []
    for comp in comps:
        radius = 0.75 * math.sqrt(len(comp)) * NODE_SPACING
        # A fresh graph in sorted order: a subgraph view iterates a set, whose order changes between
        # processes (string hashing is salted) and would change the seeded layout with it.
        sub = nx.Graph()
        sub.add_nodes_from(comp)
        sub.add_edges_from(sorted(e if e[0] < e[1] else (e[1], e[0]) for e in und.subgraph(comp).edges()))
        pos = nx.spring_layout(sub, seed=seed, iterations=150)
        spread = _spread({k: (float(x) * radius, float(y) * radius) for k, (x, y) in pos.items()}, g)
        boxes = [node_box(g.nodes[k], x, y) for k, (x, y) in spread.items()]
        left, top = min(b[0] for b in boxes) - 12, min(b[1] for b in boxes) - 12
        right, bottom = max(b[2] for b in boxes) + 12, max(b[3] for b in boxes) + 12
        local = {k: (x - left, y - top) for k, (x, y) in spread.items()}
        out.append((local, right - left, bottom - top))
    return out


def _spread(
    pos: dict[str, tuple[float, float]], g: nx.MultiDiGraph, gap: float = 6.0, iterations: int = 80
) -> dict[str, tuple[float, float]]:
    """Push apart nodes whose boxes (``node_box``, label included) overlap, along the axis of least overlap."""
    import numpy as np

    keys = sorted(pos)
    if len(keys) < 2:
        return pos
    box = np.array([node_box(g.nodes[k], 0.0, 0.0) for k in keys])
    half_w = (box[:, 2] - box[:, 0]) / 2 + gap / 2
    half_h = (box[:, 3] - box[:, 1]) / 2 + gap / 2
    below = (box[:, 1] + box[:, 3]) / 2  # the box's centre is under the node's (the label hangs below)
    xy = np.array([pos[k] for k in keys], dtype=float)
    order = np.arange(len(keys))
    tie = np.where(order[:, None] > order[None, :], 1.0, -1.0)  # coincident nodes part by index
    for _ in range(iterations):
        dx = xy[:, 0][:, None] - xy[:, 0][None, :]
        cy = xy[:, 1] + below
        dy = cy[:, None] - cy[None, :]
        ox = half_w[:, None] + half_w[None, :] - np.abs(dx)
        oy = half_h[:, None] + half_h[None, :] - np.abs(dy)
        hit = (ox > 0) & (oy > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        sx = np.where(dx > 0, 1.0, np.where(dx < 0, -1.0, tie))
        sy = np.where(dy > 0, 1.0, np.where(dy < 0, -1.0, tie))
        along_x = hit & (ox <= oy)
        along_y = hit & (ox > oy)
        xy[:, 0] += 0.5 * np.where(along_x, ox * sx, 0.0).sum(1) / np.maximum(along_x.sum(1), 1) ** 0.5
        xy[:, 1] += 0.5 * np.where(along_y, oy * sy, 0.0).sum(1) / np.maximum(along_y.sum(1), 1) ** 0.5
    return {k: (float(x), float(y)) for k, (x, y) in zip(keys, xy, strict=True)}


def _sampled_force_layout(
    nodes: list[str], edges: list[tuple[str, str]], seed: int, iterations: int = 80, sample: int = 256
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold with repulsion estimated from a random sample of nodes: O(n·sample) per step."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(nodes)
    index = {k: i for i, k in enumerate(nodes)}
    pos = rng.random((n, 2)) * 2 - 1
    ei = np.array([(index[u], index[v]) for u, v in edges], dtype=np.int64).reshape(-1, 2)
    k = 1.0 / math.sqrt(n)
    temp = 0.1
    m = min(sample, n)
    for _ in range(iterations):
        idx = rng.choice(n, m, replace=False)
        q = pos[idx]
        # |p - q|² and the weighted sum of (p - q) as matrix products: no n×m×2 temporary.
        dist2 = (pos**2).sum(1)[:, None] + (q**2).sum(1)[None, :] - 2.0 * (pos @ q.T)
        w = (k * k) / np.maximum(dist2, 1e-4 * k * k)
        disp = (pos * w.sum(1)[:, None] - w @ q) * (n / m)
        if len(ei):
            d = pos[ei[:, 0]] - pos[ei[:, 1]]
            dist = np.sqrt((d**2).sum(-1))[:, None]
            f = d * dist / k
            np.add.at(disp, ei[:, 0], -f)
            np.add.at(disp, ei[:, 1], f)
        disp -= pos * 0.05 * n * k  # gravity keeps components together
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, temp)
        temp *= 0.96
    pos -= pos.mean(0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {key: (float(pos[i, 0]), float(pos[i, 1])) for key, i in index.items()}


__all__ = ["FAST_LAYOUT_ABOVE", "LAYOUT_SEED", "class_grids", "label_width", "layout", "node_box"]
