"""The entity page's HTML, rendered on the server from :func:`graph.serve.entity.entity_data`'s JSON.

Everything that comes from the store goes through :func:`html.escape` (labels, sentences and IRIs
are text written by an extractor from news articles, not markup).  The page has no script: links to
other entities go to their own page, the mention in its sentence is a ``<mark>``.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from graph.serve.entity import LABEL_LANGUAGES

_HEAD = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
         '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
         '<title>{title}</title>\n<link rel="stylesheet" href="static/workbench.css">\n'
         '<link rel="stylesheet" href="static/entity.css">\n</head>\n<body>\n'
         '<header id="top"><a href="./">cnfinkg workbench</a></header>\n<main>\n')
_TAIL = "</main>\n</body>\n</html>\n"


def entity_href(iri: str) -> str:
    """The entity page of ``iri``, relative to the server's root."""
    return "entity?iri=" + quote(iri, safe="")


def _link(iri: str, text: str | None = None) -> str:
    return f'<a href="{escape(entity_href(iri))}" title="{escape(iri)}">{escape(text or iri)}</a>'


def _confidence(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "–"


def _doc(iri: str | None, documents: dict[str, dict[str, Any]]) -> str:
    if not iri:
        return ""
    meta = documents.get(iri, {})
    text = meta.get("headline") or iri
    date = f' <span class="date">{escape(str(meta["date"]))}</span>' if meta.get("date") else ""
    return f'<a class="doc" href="{escape(entity_href(iri))}" title="{escape(iri)}">{escape(text)}</a>{date}'


def _labels(data: dict[str, Any]) -> str:
    rows = []
    labels = data["labels"]
    for lang in (*LABEL_LANGUAGES, *sorted(set(labels) - set(LABEL_LANGUAGES))):
        for value in labels.get(lang, []):
            rows.append(f'<tr><th>{escape(lang or "(none)")}</th><td lang="{escape(lang)}" class="label">{escape(value)}</td></tr>')
    for alt in data["altLabels"]:
        rows.append(f'<tr><th>{escape(alt["lang"] or "alt")} (alt)</th><td lang="{escape(alt["lang"])}">{escape(alt["value"])}</td></tr>')
    for t in data["types"]:
        rows.append(f'<tr><th>type</th><td><code title="{escape(t["iri"])}">{escape(t["name"])}</code></td></tr>')
    for a in data["attributes"]:
        rows.append(f'<tr><th><code title="{escape(a["property"])}">{escape(a["name"])}</code></th>'
                    f'<td class="attribute">{escape(str(a["value"]))}</td></tr>')
    return '<section id="labels"><h2>Labels, type and identifiers</h2>\n<table>' + "\n".join(rows) + "</table></section>\n"


def _relations(data: dict[str, Any], documents: dict[str, dict[str, Any]]) -> str:
    rows = []
    for rel in data["relations"]:
        this = f'<span class="self">{escape(data["label"])}</span>'
        other = _link(rel["other"], rel["otherLabel"])
        left, right = (this, other) if rel["direction"] == "out" else (other, this)
        evidence = rel["evidence"] or [{}]
        for ev in evidence:
            sentence = escape(ev.get("sentence") or "")
            offsets = f' <span class="offsets">[{ev["start"]}–{ev["end"]}]</span>' if ev.get("start") is not None else ""
            rows.append(f'<tr class="relation {rel["direction"]}"><td>{left}</td>'
                        f'<td><code title="{escape(rel["predicate"])}">{escape(rel["name"])}</code></td><td>{right}</td>'
                        f'<td class="confidence">{_confidence(ev.get("confidence"))}</td>'
                        f'<td class="sentence">{sentence}{offsets}</td><td>{_doc(ev.get("doc"), documents)}</td></tr>')
    head = "<tr><th>subject</th><th>relation</th><th>object</th><th>confidence</th><th>evidence sentence</th><th>document</th></tr>"
    return _section("relations", f"Relations ({len(data['relations'])})", head, rows)


def _mentions(data: dict[str, Any], documents: dict[str, dict[str, Any]]) -> str:
    rows = []
    for m in data["mentions"]:
        if m["highlight"]:
            a, b = m["highlight"]
            s = m["sentence"]
            context = f"{escape(s[:a])}<mark>{escape(s[a:b])}</mark>{escape(s[b:])}"
        else:
            context = f'<mark>{escape(m["text"])}</mark> <span class="hint">(no stored sentence holds this mention)</span>'
        rows.append(f'<tr class="mention"><td class="sentence">{context}</td><td class="offsets">{m["start"]}–{m["end"]}</td>'
                    f'<td>{_doc(m["doc"], documents)}</td></tr>')
    head = "<tr><th>mention in its sentence</th><th>characters</th><th>document</th></tr>"
    return _section("mentions", f"Mentions ({len(data['mentions'])})", head, rows)


def _documents(data: dict[str, Any]) -> str:
    rows = [f'<tr><td>{escape(str(d.get("date") or ""))}</td><td>{_doc(d["doc"], {})}</td>'
            f'<td lang="zh">{escape(d.get("headline") or "")}</td><td>{d.get("mentions") or 0}</td></tr>'
            for d in data["documents"]]
    head = "<tr><th>published</th><th>document</th><th>headline</th><th>mentions</th></tr>"
    return _section("documents", f"Documents ({len(data['documents'])})", head, rows)


def _events(data: dict[str, Any], documents: dict[str, dict[str, Any]]) -> str:
    rows = [f'<tr><td>{_link(e["event"], e.get("type") or e["event"])}</td><td>{escape(e.get("role") or "")}</td>'
            f'<td>{escape(str(e.get("date") or ""))}</td><td>{escape(str(e.get("status") or ""))}</td>'
            f'<td class="confidence">{_confidence(e.get("confidence"))}</td>'
            f'<td class="sentence">{escape(e.get("sentence") or "")}</td><td>{_doc(e.get("doc"), documents)}</td></tr>'
            for e in data["events"]]
    head = "<tr><th>event</th><th>role</th><th>date</th><th>status</th><th>confidence</th><th>sentence</th><th>document</th></tr>"
    return _section("events", f"Events ({len(data['events'])})", head, rows)


def _section(ident: str, title: str, head: str, rows: list[str]) -> str:
    body = "\n".join(rows) if rows else '<tr><td colspan="7" class="hint">none</td></tr>'
    return f'<section id="{ident}"><h2>{escape(title)}</h2>\n<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody></table></section>\n'


def render_entity(data: dict[str, Any]) -> bytes:
    """The whole entity page of one entity."""
    documents = {d["doc"]: d for d in data["documents"]}
    title = f'{data["label"]} — cnfinkg'
    heading = (f'<h1>{escape(data["label"])}</h1>\n<p class="iri"><code>{escape(data["iri"])}</code> · '
               f'<a href="{escape("entity.json?iri=" + quote(data["iri"], safe=""))}">JSON</a></p>\n')
    parts = [_HEAD.format(title=escape(title)), heading, _labels(data), _relations(data, documents),
             _mentions(data, documents), _events(data, documents), _documents(data), _TAIL]
    return "".join(parts).encode("utf-8")


def render_problem(status: int, message: str) -> bytes:
    """The page for an entity that cannot be shown: 404 (not in the store) or 400 (not an IRI)."""
    title = "No such entity" if status == 404 else "Bad entity request" if status == 400 else "Entity page unavailable"
    body = f'<h1>{escape(title)}</h1>\n<p class="problem">{escape(message)}</p>\n'
    return (_HEAD.format(title=escape(f"{status} {title} — cnfinkg")) + body + _TAIL).encode("utf-8")


__all__ = ["entity_href", "render_entity", "render_problem"]
