"""A table of contents: a list most of whose items name the guide's own headings.

An item names a heading when its words are a run of the heading's words
(`Prepare` for `Prepare the release`) or the heading's words are a run of its
own with at most three words beside them (`1. Prepare the release (30 min)` for
`Prepare the release`; not `Publish the release page on GitHub` for `Release`). Words, not
characters: `Tag` does not name `Tagging`, and a heading `1.` names nothing.

The check is linear in the size of the guide: the runs of n words of every heading go
into one set, once for each item length n asked for (headings are short; runs
are capped), and an item costs one look-up, plus one per run of its own words
as long as a heading, instead of a comparison with every heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
_LONGEST = 16  # words of a heading that count (a longer one is prose, not a title)
_AROUND = 3  # words an item may hold beside a heading's (`1.`, `(30 min)`, `- step 2`)


def words(text: str) -> tuple[str, ...]:
    """The casefolded words of `text`."""
    return tuple(_WORD.findall(text.casefold()))[:_LONGEST]


class Contents:
    """The headings of one guide, indexed to tell a table of contents."""

    def __init__(self, headings: Iterable[str]) -> None:
        self._headings = list(headings)
        self._titles: list[tuple[str, ...]] | None = None
        self._whole: set[tuple[str, ...]] = set()
        self._lengths: list[int] = []
        self._runs: dict[int, set[tuple[str, ...]]] = {}

    def _index(self) -> list[tuple[str, ...]]:
        if self._titles is None:  # on the first list that needs it
            self._titles = [w for w in map(words, self._headings) if w]
            self._whole = set(self._titles)
            self._lengths = sorted({len(t) for t in self._titles})
        return self._titles

    def _runs_of(self, n: int) -> set[tuple[str, ...]]:
        """Every run of `n` words of a heading (made once per length asked for)."""
        runs = self._runs.get(n)
        if runs is None:
            titles = self._index()
            runs = self._runs[n] = {t[i : i + n] for t in titles for i in range(len(t) - n + 1)}
        return runs

    def names_heading(self, text: str) -> bool:
        """Whether an item's text names one of the headings."""
        item = tuple(_WORD.findall(text.casefold()))
        if not item or not self._index():
            return False
        if len(item) <= _LONGEST and item in self._runs_of(len(item)):
            return True
        whole = self._whole
        for n in self._lengths:
            if n > len(item):
                break
            if len(item) - n > _AROUND:
                continue  # `Raise an issue for the release plan` names no heading `Release`
            if any(item[i : i + n] in whole for i in range(len(item) - n + 1)):
                return True
        return False

    def is_contents(self, items: list[str]) -> bool:
        """More than half of the items (at least two) name headings."""
        if len(items) < 2 or not self._headings:
            return False
        need = len(items) // 2 + 1
        named = 0
        for left, text in enumerate(items, 1):
            named += self.names_heading(text)
            if named >= need:
                return True
            if named + len(items) - left < need:
                return False
        return False
