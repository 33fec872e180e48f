"""The workbench's files: ``index.html`` at ``/`` and the rest under ``/static/``, never a file outside.

The page loads nothing from elsewhere (its Content-Security-Policy allows its own origin only), so
the workbench works offline and a page cannot be made to send the store's data to another host.
"""

from __future__ import annotations

from functools import lru_cache
from http import HTTPStatus
from pathlib import Path

from graph.serve.protocol import RequestRefused

#: The workbench's files: ``index.html`` (served at ``/``) and the rest under ``/static/``.
STATIC_DIR = Path(__file__).resolve().parent / "static"

_STATIC_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
    ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".ico": "image/x-icon", ".woff2": "font/woff2", ".txt": "text/plain", ".md": "text/markdown", "": "text/plain",
}
#: The workbench page may only talk to its own origin: no CDN, no third-party request.
WORKBENCH_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                 "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def static_file(relative: str, root: Path = STATIC_DIR) -> Path:
    """The file under ``root`` at the already-percent-decoded ``relative`` path.

    Raises :class:`RequestRefused`: 403 for anything that could leave ``root`` (``..``, absolute
    paths, backslashes, NUL, hidden files, symlinks out), 404 for a file that is not there.
    """
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base):
        raise RequestRefused(HTTPStatus.FORBIDDEN, "path not allowed")
    if not candidate.is_file():
        raise RequestRefused(HTTPStatus.NOT_FOUND, f"no such file /static/{relative}")
    return candidate


#: Files served from an installed package rather than ``static/``: vis-network, as pyvis ships it.
PACKAGE_FILES = {"vis/vis-network.min.js": ("text/javascript", 0), "vis/vis-network.css": ("text/css", 1)}


@lru_cache(maxsize=1)
def _vis() -> tuple[bytes, bytes]:
    from graph.viz.assets import vis_assets

    js, css = vis_assets()
    return js.encode("utf-8"), css.encode("utf-8")


def package_file(relative: str) -> tuple[bytes, str] | None:
    """(body, media type) of a file under ``/static/`` that comes from a package (vis-network), or None."""
    if relative not in PACKAGE_FILES:
        return None
    media_type, index = PACKAGE_FILES[relative]
    return _vis()[index], media_type


def static_type(path: Path) -> str:
    return _STATIC_TYPES.get(path.suffix.lower(), "application/octet-stream")


def workbench_page(root: Path = STATIC_DIR) -> bytes:
    page = root / "index.html"
    if not page.is_file():  # pragma: no cover - a broken install
        raise RequestRefused(HTTPStatus.NOT_FOUND, "the workbench page is not installed; the endpoint is at /sparql")
    return page.read_bytes()


__all__ = ["PACKAGE_FILES", "STATIC_DIR", "WORKBENCH_CSP", "package_file", "static_file", "static_type", "workbench_page"]
