"""The offline viewer: one self-contained HTML file with the page, its code, vis-network and the data inlined.

The file is meant to be mailed around, opened from a USB stick or archived
next to a report, so it must never reach the network: vis-network's
JavaScript and CSS are inlined from the copy that the ``pyvis`` package
ships (pyvis's own template links Bootstrap and tom-select from CDNs even
in ``in_line`` mode, so the page is written around vis-network here), and a
Content-Security-Policy forbids any fetch.  The page, its stylesheet and
its script are real files in ``graph/viz/templates/`` (``page.html``,
``app.css``, ``explore.js``, ``app.js``) with ``@@NAME@@`` placeholders filled here.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.viz.assets import template_text, vis_assets
from graph.viz.network import to_networkx
from graph.viz.payload import graph_payload
from graph.viz.style import FONT_STACK, LANGS, UI_TEXT
from graph.viz.subgraph import ego, query_subgraph
from graph.viz.violations import mark_violations

if TYPE_CHECKING:
    from graph.store.base import ReadableStore

#: SHACL validation runs automatically only on graphs up to this many triples (it takes ~2 s per 1,000).
SHACL_AUTO_MAX_TRIPLES = 3000


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no '<' can end the element early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(
    g: nx.MultiDiGraph,
    lang: str = "en",
    title: str = "Knowledge graph",
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """The whole page as text; separate from ``write_html`` so benchmarks can render synthetic graphs."""
    js, css = vis_assets()
    payload = graph_payload(g, lang, positions)
    ui = UI_TEXT.get(lang, UI_TEXT["en"])
    values = {
        "LANG": html.escape(lang),
        "TITLE": html.escape(title),
        "SEARCH": html.escape(ui["search"]),
        "VIS_CSS": css,
        "APP_CSS": template_text("app.css").replace("@@FONT@@", FONT_STACK).replace("</style", "<\\/style"),
        "DATA": _json_for_script(payload),
        "VIS_JS": js,
        "EXPLORE_JS": template_text("explore.js").replace("</script", "<\\/script"),
        "APP_JS": template_text("app.js").replace("</script", "<\\/script"),
    }
    # One pass, so text inserted for one placeholder is never scanned for another.
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], template_text("page.html"))


def write_html(
    store: ReadableStore,
    path: Path,
    lang: str = "en",
    focus: str | None = None,
    hops: int = 1,
    query: str | None = None,
    *,
    shacl: bool | None = None,
    title: str | None = None,
) -> Path:
    """Write the offline viewer for the store (or the part ``focus``/``query`` selects) to ``path``.

    ``shacl=None`` validates only small graphs (pySHACL takes seconds per
    thousand triples); True forces it, False skips it.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not '{lang}'")
    g = to_networkx(store)
    if shacl is None:
        shacl = len(store) <= SHACL_AUTO_MAX_TRIPLES
    if shacl:
        # Marking violations is a bonus: the view must still be written if SHACL fails.
        with contextlib.suppress(Exception):
            mark_violations(store, g)
    if query:
        g = query_subgraph(store, g, query)
    if focus:
        g = ego(g, focus, hops)
    if title is None:
        title = f"Knowledge graph · {focus}" if focus else "Knowledge graph"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(g, lang, title), encoding="utf-8")
    return path


__all__ = ["SHACL_AUTO_MAX_TRIPLES", "render_html", "write_html"]
