"""Markdown tables of the shared word tables: ``python -m graph.nlp.lexicon_docs > docs/lexicon.md``.

The tables in the documentation are printed from the data the rules read, so they cannot
disagree with it; a test compares the checked-in ``docs/lexicon.md`` with this output.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from graph.nlp.lexicon import Suffix, SuffixTable, TitleTable
from graph.nlp.patterns import load_suffixes, load_titles

#: Value fields with a column of their own (header, field); the rest are listed under "also".
COLUMNS = (("rule", "kind"), ("class", "class"), ("model class", "model_class"), ("《》 class", "document"),
           ("Latin class", "latin_class"), ("English", "en"))


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _also(s: Suffix, fields: Iterable[str]) -> str:
    """The entry's other values and its flags, in the order of the legend."""
    columned = {f for _, f in COLUMNS}
    out = []
    for name in fields:
        value = s.get(name)
        if name in s.flags or value == "true":
            out.append(name)
        elif value is not None and name not in columned:
            out.append(f"{name}: {value}")
    return ", ".join(out)


def suffix_lines(table: SuffixTable) -> list[str]:
    lines = ["## Name endings", "", "`ontology/patterns/suffixes.yaml`: every name ending the rules know, once, with what it means.", ""]
    lines += _table(["field", "meaning"], ([f"`{k}`", v] for k, v in table.fields.items()))
    lines += [""]
    header = ["ending", *(h for h, _ in COLUMNS), "also"]
    lines += _table(header, ([s.text, *(s.get(f) or "" for _, f in COLUMNS), _also(s, table.fields)] for s in table.entries))
    return lines


def title_lines(titles: TitleTable) -> list[str]:
    lines = ["## Person titles", "", "`ontology/patterns/titles.yaml`: a title marks a person next to it, in either order.", ""]
    lines += _table(["title", *titles.fields], ([t, *(spec.get(f, "") for f in titles.fields)] for t, spec in titles.person.items()))
    lines += ["", "Not positions (a title word inside these names a body): " + ", ".join(titles.position_blockers) + "."]
    return lines


def render(suffixes: SuffixTable | None = None, titles: TitleTable | None = None) -> str:
    lines = [
        "# Lexicon",
        "",
        "Generated from the data by `python -m graph.nlp.lexicon_docs > docs/lexicon.md`: edit the YAML files, not this one.",
        "Words are shown in Simplified script; the rules match either script.",
        "",
        *suffix_lines(suffixes or load_suffixes()),
        "",
        *title_lines(titles or load_titles()),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
