"""The SPARQL 1.1 Protocol, read from a request: parameters, bodies, content negotiation, refusals.

Nothing here touches a socket or a store: the handler (:mod:`.handler`) passes headers and bytes
in and gets parameters, a media type, or a :class:`RequestRefused` with the HTTP status back.
Media types come from the one table in :mod:`graph.store.formats`.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import parse_qs

import pyoxigraph as ox

from graph.store.classify import GRAPH_FORMS, Inspection
from graph.store.formats import RESULTS_AS_GRAPH, default_for, name_to_media_type, types_for

#: Parameters a request may repeat at most (query string and form body each).
MAX_FIELDS = 1000
_SPARQL_RESULTS_XML = "application/sparql-results+xml"


class RequestRefused(Exception):
    """A request the endpoint will not run, with the HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- content negotiation ------------------------------------------------------------------


def accepted(header: str) -> list[str]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    ranges: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        q = 1.0
        for p in parts[1:]:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, i, parts[0].lower()))
    return [r for _, _, r in sorted(ranges)]


def negotiate(form: str, accept: str | None, format_params: list[str]) -> str | None:
    """The media type to answer with, or None when nothing acceptable is supported (406)."""
    table = types_for(form)
    default = default_for(form).media_type
    graph_form = form in GRAPH_FORMS
    for value in format_params:  # SPARQLWrapper & co. send format=json / output=csv as well
        mt = name_to_media_type(value.strip().lower()) or value.strip().lower()
        if graph_form and mt == _SPARQL_RESULTS_XML:
            mt = RESULTS_AS_GRAPH[mt]
        if mt in table:
            return mt
    if not accept:
        return default
    for mt in accepted(accept):
        if mt in table:
            return mt
        if graph_form and mt in RESULTS_AS_GRAPH:  # rdflib's SPARQLStore asks for results types for any query
            return RESULTS_AS_GRAPH[mt]
        if mt == "*/*" or (mt.endswith("/*") and default.startswith(mt[:-1])):
            return default
        if mt.endswith("/*"):
            for candidate in table:
                if candidate.startswith(mt[:-1]):
                    return candidate
    return None


def description_type(accept: str | None) -> str | None:
    """The RDF media type a client asked for at the endpoint without a query, or None for the help text."""
    if not accept:
        return None
    graph_types = types_for("CONSTRUCT")
    for mt in accepted(accept):
        if mt in graph_types and mt not in ("text/plain", "application/xml"):
            return mt
        if mt in ("text/plain", "text/html", "text/*", "*/*"):
            return None
    return None


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") or media_type.endswith("json") else media_type


# -- request parameters ---------------------------------------------------------------------


def query_params(query_string: str) -> dict[str, list[str]]:
    return parse_qs(query_string, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def body_params(params: dict[str, list[str]], body: bytes, content_type_header: str) -> tuple[str | None, str | None]:
    """Read a POST body into ``params`` (a form) or return it as (direct query, direct update)."""
    ctype = content_type_header.split(";")[0].strip().lower()
    m = re.search(r"charset=([\w\-]+)", content_type_header, re.I)
    charset = m.group(1) if m else "utf-8"
    try:
        if ctype == "application/x-www-form-urlencoded":
            form = body.decode("ascii", "strict") if body.isascii() else body.decode(charset)
            for k, v in parse_qs(form, keep_blank_values=True, max_num_fields=MAX_FIELDS).items():
                params.setdefault(k, []).extend(v)
            return None, None
        if ctype == "application/sparql-query":
            return body.decode(charset), None
        if ctype == "application/sparql-update":
            return None, body.decode(charset)
    except (UnicodeDecodeError, LookupError) as exc:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"cannot decode the request body: {exc}") from None
    except ValueError as exc:  # too many fields
        raise RequestRefused(HTTPStatus.BAD_REQUEST, str(exc)) from None
    raise RequestRefused(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        f"unsupported Content-Type {ctype or '(none)'!r}: use application/x-www-form-urlencoded, "
        "application/sparql-query or application/sparql-update",
    )


def graph_params(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """The IRIs of a ``default-graph-uri``-like parameter; ``file:`` IRIs are refused."""
    values = tuple(v.strip() for v in params.get(name, []) if v.strip())
    for v in values:
        if v.lower().startswith("file:"):
            raise RequestRefused(HTTPStatus.FORBIDDEN, f"file: IRIs are not allowed on this endpoint ({v})")
        try:
            ox.NamedNode(v)
        except ValueError as exc:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{name}: {exc}") from None
    return values


# -- what the endpoint refuses to run ---------------------------------------------------------


def check_safe(info: Inspection) -> None:
    """Refuse (403) what would make the server reach outside the store: federation, LOAD, files."""
    if info.uses_service:
        raise RequestRefused(HTTPStatus.FORBIDDEN, "SERVICE (federated query) is not allowed on this endpoint")
    if info.uses_load:
        raise RequestRefused(HTTPStatus.FORBIDDEN, "LOAD is not allowed on this endpoint")
    if info.file_iris:
        raise RequestRefused(HTTPStatus.FORBIDDEN, f"file: IRIs are not allowed on this endpoint ({info.file_iris[0]})")


def update_refusal(allow_update: bool) -> str:
    """Why an update sent elsewhere than POST /update, or to a read-only server, is refused."""
    if allow_update:
        return "SPARQL Update must be POSTed to /update"
    return "SPARQL Update is not allowed: this endpoint is read-only (start `kg serve --update` to allow it, at /update)"


__all__ = ["RequestRefused", "accepted", "body_params", "check_safe", "content_type", "description_type",
           "graph_params", "negotiate", "query_params", "update_refusal"]
