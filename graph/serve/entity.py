"""What the store knows about one IRI, gathered for its entity page (``/entity``, ``/entity.json``).

The questions are SPARQL files in ``ontology/queries/entity/`` (data, not code), each with ``?iri``
substituted; :func:`entity_data` runs them all in the worker process, like every read of the store,
so the page has the same time limit as ``/sparql``.  An IRI the store has never heard of is a
:class:`LookupError` (404); a malformed one is refused by :func:`parse_iri` before anything runs (400).
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from graph.serve.protocol import RequestRefused
from graph.store.sparql import PREFIX_MAP, QUERY_DIR, inject_values

#: The entity page's queries (not in the named-query library: they need ``?iri``).
ENTITY_QUERY_DIR = QUERY_DIR / "entity"
#: The scripts a label is shown in, in this order.
LABEL_LANGUAGES = ("en", "zh-Hant", "zh-Hans")
MAX_IRI_LENGTH = 2000

_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
_INTEGER_FIELDS = {"start", "end", "sentenceStart", "mentions"}


def _iri_problem(raw: str) -> str | None:
    """Why ``raw`` is no absolute IRI the store could hold, or None."""
    if len(raw) > MAX_IRI_LENGTH:
        return f"longer than {MAX_IRI_LENGTH} characters"
    if not _IRI.fullmatch(raw):
        return "expected an absolute IRI such as https://example.org/id/x (no spaces, no <>\"{}|\\^`)"
    try:
        ox.NamedNode(raw)
    except ValueError as exc:
        return str(exc)
    return None


def parse_iri(values: list[str]) -> str:
    """The one ``iri`` parameter as an absolute IRI (a known prefix such as ``kgid:`` is expanded).

    Raises :class:`RequestRefused` (400) with the reason: missing, repeated, too long or not an IRI.
    """
    if len(values) != 1 or not values[0].strip():
        raise RequestRefused(HTTPStatus.BAD_REQUEST, "give exactly one iri parameter, e.g. /entity?iri=https://example.org/id/x")
    raw = values[0].strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    prefix, _, local = raw.partition(":")
    if prefix in PREFIX_MAP and not local.startswith("//"):
        raw = PREFIX_MAP[prefix] + local
    problem = _iri_problem(raw)
    if problem:
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"malformed IRI {raw[:200]!r}: {problem}")
    return raw


def compact(iri: str) -> str:
    """``kg:supports`` for a full IRI in one of the project's namespaces (the longest match), else the IRI."""
    best = max((ns for ns in PREFIX_MAP.values() if iri.startswith(ns) and len(iri) > len(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIX_MAP.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _value(term: Any, name: str) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        if name in _INTEGER_FIELDS:
            try:
                return int(term.value)
            except ValueError:
                return None
        if name == "confidence":
            try:
                return float(term.value)
            except ValueError:
                return None
        return term.value
    return term.value


def _query(name: str, iri: str) -> str:
    """The entity query ``name`` with ``?iri`` bound (a VALUES block, so every part of it sees the value)."""
    text = Path(ENTITY_QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    return inject_values(text, {"iri": URIRef(iri)})


def _select(store: ox.Store, name: str, iri: str) -> list[dict[str, Any]]:
    result = store.query(_query(name, iri), prefixes=PREFIX_MAP, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {n: _value(solution[n], n) for n in names}
        for n in names:  # the language of a label goes with it
            if isinstance(solution[n], ox.Literal) and solution[n].language:
                row[n + "Lang"] = solution[n].language
        rows.append(row)
    return rows


def _language(tag: str) -> str:
    """The language tag as the project writes it (``zh-Hant``); the store hands it back lower-cased."""
    return next((lang for lang in LABEL_LANGUAGES if lang.lower() == tag.lower()), tag)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    labels: dict[str, list[str]] = {}
    alt: list[dict[str, str]] = []
    types: list[dict[str, str]] = []
    attributes: list[dict[str, str]] = []
    for r in rows:
        if r["kind"] == "label":
            labels.setdefault(_language(r.get("valueLang") or ""), []).append(r["value"])
        elif r["kind"] == "altLabel":
            alt.append({"value": r["value"], "lang": _language(r.get("valueLang") or "")})
        elif r["kind"] == "type":
            types.append({"iri": r["value"], "name": compact(r["value"])})
        else:
            attributes.append({"property": r["property"], "name": compact(r["property"]), "value": r["value"]})
    return {"labels": labels, "altLabels": alt, "types": types, "attributes": attributes}


def _relations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (direction, predicate, other), with every statement that is evidence for it."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["direction"], r["predicate"], r["other"])
        entry = grouped.setdefault(key, {
            "direction": r["direction"], "predicate": r["predicate"], "name": compact(r["predicate"]),
            "other": r["other"], "otherLabel": r["otherLabel"] or compact(r["other"]), "evidence": []})
        if r["statement"] and all(e["statement"] != r["statement"] for e in entry["evidence"]):
            entry["evidence"].append({k: r[k] for k in ("statement", "confidence", "sentence", "start", "end", "doc")})
    return list(grouped.values())


def highlight(text: str, start: int, sentence: str | None, sentence_start: int | None) -> tuple[int, int] | None:
    """Where the mention ``text`` (at ``start`` in its document) sits in ``sentence``, or None if it is not there."""
    if not sentence or not text:
        return None
    if sentence_start is not None:
        at = start - sentence_start
        if at >= 0 and sentence[at:at + len(text)] == text:
            return at, at + len(text)
    at = sentence.find(text)
    return (at, at + len(text)) if at >= 0 else None


def _mentions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per mention, with the shortest evidence sentence that contains it (rows come shortest first)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(r["mention"], {k: r[k] for k in ("mention", "text", "start", "end", "doc")}
                               | {"sentence": None, "highlight": None})
        if entry["highlight"] is None:
            span = highlight(r["text"], r["start"] or 0, r["sentence"], r["sentenceStart"])
            if span is not None:
                entry["sentence"], entry["highlight"] = r["sentence"], list(span)
    return list(out.values())


def entity_data(store_path: str, iri: str) -> bytes:
    """Run in the worker: everything the entity page shows about ``iri``, as JSON; LookupError if unknown."""
    store = ox.Store.read_only(store_path)
    exists = store.query(_query("exists", iri), prefixes=PREFIX_MAP)
    if not bool(exists):
        raise LookupError(f"no entity <{iri}> in this store")
    data: dict[str, Any] = {"iri": iri, "name": compact(iri)}
    data |= _summary(_select(store, "summary", iri))
    data["relations"] = _relations(_select(store, "relations", iri))
    data["mentions"] = _mentions(_select(store, "mentions", iri))
    data["documents"] = _select(store, "documents", iri)
    data["events"] = _select(store, "events", iri)
    labels = data["labels"]
    data["label"] = next((labels[lang][0] for lang in (*LABEL_LANGUAGES, "") if labels.get(lang)), compact(iri))
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


__all__ = ["ENTITY_QUERY_DIR", "LABEL_LANGUAGES", "compact", "entity_data", "highlight", "parse_iri"]
