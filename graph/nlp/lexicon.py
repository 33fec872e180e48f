"""The shared word tables: name endings (``suffixes.yaml``) and person titles (``titles.yaml``).

An ending such as 有限公司 means several things at once (a company, a legal form, "Co., Ltd.",
an ending the linker may drop); each rule used to keep its own list of them, and the lists
drifted apart.  Here every ending is one :class:`Suffix` with all its meanings, and each rule
asks the table for the view it needs.  The tables are loaded, script-normalised, through
:mod:`graph.nlp.patterns` (``load_suffixes``, ``load_titles``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Fields that take a value; every other field of an ending is a flag (``true``).
VALUE_FIELDS: dict[str, frozenset[str] | None] = {
    "kind": frozenset({"org", "event", "product", "plan"}),
    "class": None,
    "model_class": None,
    "document": None,
    "latin_class": None,
    "en": None,
    "place": frozenset({"admin", "area"}),
    "weak": frozenset({"true", "strict"}),
}


def longest_first(words: Iterable[str]) -> list[str]:
    """Longest first, ties in table order: rules that take the first match see them so."""
    return sorted(words, key=len, reverse=True)


@dataclass(frozen=True)
class Suffix:
    """One name ending and everything the rules know about it (see ``fields`` in suffixes.yaml)."""

    text: str
    values: Mapping[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(frozen=True)
class SuffixTable:
    """The endings in table order, with the views the recogniser and the linker read."""

    fields: Mapping[str, str]
    entries: tuple[Suffix, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SuffixTable:
        fields = dict(data.get("fields") or {})
        entries = tuple(_suffix(text, spec or {}, fields) for text, spec in (data.get("suffixes") or {}).items())
        return cls(fields, entries)

    def values(self, name: str, **where: str) -> dict[str, str]:
        """Ending -> its ``name`` value, for the endings that have one (and the ``where`` values)."""
        return {s.text: v for s in self.entries if (v := s.get(name)) is not None and all(s.get(k) == w for k, w in where.items())}

    def with_value(self, name: str, value: str) -> list[str]:
        return [s.text for s in self.entries if s.get(name) == value]

    def flagged(self, flag: str) -> list[str]:
        """Endings with the flag (``weak`` counts both ``true`` and ``strict``)."""
        if flag in VALUE_FIELDS:
            return [s.text for s in self.entries if s.get(flag) is not None]
        return [s.text for s in self.entries if flag in s.flags]

    def classes(self, kind: str) -> list[tuple[str, str]]:
        """(ending, class) of one rule, longest first: the first ending a name has types it."""
        table = self.values("class", kind=kind)
        return [(s, table[s]) for s in longest_first(table)]


def _suffix(text: str, spec: Mapping[str, Any], fields: Mapping[str, str]) -> Suffix:
    unknown = set(spec) - set(fields)
    if unknown:
        raise ValueError(f"suffix {text!r}: unknown field(s) {sorted(unknown)} (see 'fields' in suffixes.yaml)")
    values: dict[str, str] = {}
    flags: set[str] = set()
    for name, value in spec.items():
        if name in VALUE_FIELDS:
            value = "true" if value is True else str(value)
            allowed = VALUE_FIELDS[name]
            if allowed is not None and value not in allowed:
                raise ValueError(f"suffix {text!r}: {name} is {value!r}, not one of {sorted(allowed)}")
            values[name] = value
        elif value is True:
            flags.add(name)
        else:
            raise ValueError(f"suffix {text!r}: {name} is a flag (true), not {value!r}")
    if ("kind" in values) != ("class" in values):
        raise ValueError(f"suffix {text!r}: kind and class go together")
    return Suffix(text, values, frozenset(flags))


@dataclass(frozen=True)
class TitleTable:
    """Person titles in table order, and words that contain a title without being a position."""

    fields: Mapping[str, str]
    person: Mapping[str, Mapping[str, str]]
    position_blockers: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TitleTable:
        fields = dict(data.get("fields") or {})
        person = {t: dict(spec or {}) for t, spec in (data.get("person_titles") or {}).items()}
        for title, spec in person.items():
            unknown = set(spec) - set(fields)
            if unknown:
                raise ValueError(f"title {title!r}: unknown field(s) {sorted(unknown)} (see 'fields' in titles.yaml)")
        return cls(fields, person, tuple(data.get("position_blockers") or ()))

    @property
    def titles(self) -> list[str]:
        return list(self.person)
