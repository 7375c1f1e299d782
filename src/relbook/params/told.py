"""Literals of a command that the guide's prose names (`relbook.parse.told`): filled in
where they stand, as `{{ name }}`, before the rest of the placeholders are."""

from __future__ import annotations

from collections.abc import Iterable

from relbook.model import Placeholder
from relbook.params.example import map_literals

KIND = "told"  # the Placeholder kind of a literal the prose names
_SEP = " \t\"'`=:;|&(),<>"

Index = dict[int, tuple[Placeholder, ...]]


def told_index(placeholders: Iterable[Placeholder]) -> Index:
    """The told literals of a guide by line."""
    out: dict[int, list[Placeholder]] = {}
    for p in placeholders:
        if p.kind == KIND:
            out.setdefault(p.line, []).append(p)
    return {n: tuple(ps) for n, ps in out.items()}


def told_at(index: Index, line: int, text: str) -> list[Placeholder]:
    """The told literals of `text`, which starts at `line`."""
    if not index:
        return []
    last = line + text.count("\n")
    return [p for n in range(line, last + 1) for p in index.get(n, ())]


def told_form(text: str, line: int, index: Index, known: Iterable[str]) -> str:
    """`text` (from `line`) with its told literals as `{{ name }}`: a release value
    always, an operator input once it has a value."""
    found = told_at(index, line, text)
    if not found:
        return text
    names = set(known)
    lines = text.split("\n")
    for p in found:
        if p.means == "input" and p.name not in names:
            continue
        i = p.line - line
        if p.literal[:1].isdigit():  # a version, as the example's are: `v2.1.4`, `2.1.4-1`
            lines[i] = map_literals(lines[i], {p.literal: p.name})
        else:
            lines[i] = replace_word(lines[i], p.literal, "{{ %s }}" % p.name)
    return "\n".join(lines)


def word_spans(text: str, value: str) -> list[int]:
    """Where `value` stands in `text` as a word of its own (not inside a longer one)."""
    out = []
    start = text.find(value)
    while start >= 0:
        end = start + len(value)
        if (start == 0 or text[start - 1] in _SEP + "/") and (
            end == len(text) or text[end] in _SEP + "/"
        ):
            out.append(start)
        start = text.find(value, end)
    return out


def replace_word(text: str, value: str, by: str) -> str:
    """`text` with each word-of-its-own `value` replaced by `by`."""
    for start in reversed(word_spans(text, value)):
        text = text[:start] + by + text[start + len(value) :]
    return text


# the index of each guide's placeholders, by the tuple's identity: a run asks for every
# command it fills, and hashing the tuple each time would cost more than the fill
_INDEXES: dict[int, tuple[tuple[Placeholder, ...], Index]] = {}


def index_of(placeholders: tuple[Placeholder, ...]) -> Index:
    """`told_index` of a guide's placeholders, made once."""
    hit = _INDEXES.get(id(placeholders))
    if hit is not None and hit[0] is placeholders:
        return hit[1]
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    index = told_index(placeholders)
    _INDEXES[id(placeholders)] = (placeholders, index)
    return index


def told_text(
    placeholders: tuple[Placeholder, ...], text: str, line: int, known: Iterable[str]
) -> str:
    """`told_form` with a guide's placeholders."""
    index = index_of(placeholders)
    return told_form(text, line, index, known) if index else text
