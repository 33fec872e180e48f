"""Files the viewer is made of: its own templates and style table, and vis-network's code from pyvis.

Everything is read through :mod:`importlib.resources`, so the viewer works
the same from a source checkout, an editable install and a wheel (the
templates ship as package data, see ``pyproject.toml``).  vis-network comes
from the copy the ``pyvis`` package ships: no CDN, nothing downloaded.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

#: The page, its stylesheet and its script, kept as real files in the package (``graph/viz/templates``).
TEMPLATE_FILES = ("page.html", "app.css", "explore.js", "app.js")
#: The styling table (class order, palette, shapes, page words), also under ``graph/viz/templates``.
STYLE_FILE = "style.yaml"


def _read(name: str) -> str:
    return (resources.files("graph.viz") / "templates" / name).read_text(encoding="utf-8")


def template_text(name: str) -> str:
    """One file of ``graph/viz/templates``, read from the installed package."""
    if name not in TEMPLATE_FILES:
        raise ValueError(f"unknown viewer template '{name}'")
    return _read(name)


@cache
def style_table() -> dict[str, Any]:
    """``style.yaml``, read once per process: styling is data, and every page must use the same."""
    return yaml.safe_load(_read(STYLE_FILE))


def vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from the pyvis package (no CDN), without the source-map comment."""
    base = resources.files("pyvis") / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    # Drop source-map comments (DevTools would try to fetch them); str.splitlines() must not be used
    # here, it also splits on U+2028 and other separators inside the minified code's string literals.
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.M)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


__all__ = ["STYLE_FILE", "TEMPLATE_FILES", "style_table", "template_text", "vis_assets"]
