"""Repairs written inside a procedure ("If the upload fails, run:", "If release.py
fails, edit by hand: 1. ... 2. ..."): contingency steps, with what they hold; and
numbered lists under a heading that names criteria, which are conditions, not steps.
A mixin of the walker (relbook.parse): it reads the walker's state."""

from __future__ import annotations

import re
from typing import Any

from relbook.model import Kind
from relbook.parse.infer import undoes
from relbook.parse.orders import sentences

_CRITERIA = re.compile(r"\bcriteri(?:a|on)\b", re.I)


class RepairRules:
    """Repairs and criteria (see the module)."""

    stack: list[Any]
    quiet: bool
    details_depth: int
    contingent: int

    def _repairs(self, before: dict[str, Any], code: dict[str, Any]) -> bool:
        """Whether a code block is a repair: the text before it (a paragraph, or a list by
        its last item) ends with a sentence saying what to do if something fails, and that
        sentence introduces the block (`If the upload fails, run:`) or names, in code, a
        command the block runs (`If you get an error, sign them with `mvn gpg:sign`.`)."""
        while before.get("type") == "list" and before.get("children"):
            before = (before["children"][-1].get("children") or [{}])[-1]
        if before.get("type") not in ("paragraph", "block_text"):
            return False
        said = sentences(self._reading(before))
        last = said[-1] if said else ""
        if not undoes(last.replace("`", "")):
            return False
        if last.rstrip().endswith(":"):
            return True
        named = {m.split()[0] for m in re.findall(r"`([^`]+)`", last) if m.split()}
        lines = (ln.strip().removeprefix("$ ") for ln in code.get("raw", "").split("\n"))
        runs = {ln.split()[0] for ln in lines if ln}
        return bool(named & runs)

    def _criteria(self) -> bool:
        """Under a heading naming criteria (`### Bugfix release criteria`), numbered items
        are conditions a release must meet, not steps."""
        return bool(self.stack and _CRITERIA.search(self.stack[-1].title))

    def _under_step(self, blocks: list[dict[str, Any]], repair: bool) -> None:
        """What an item holds under the step it made: details; under a repair, its
        numbered sub-steps are contingency too."""
        self.details_depth += 1
        self.contingent += repair
        try:
            self._blocks(blocks)
        finally:
            self.details_depth -= 1
            self.contingent -= repair

    def _repair_paragraph(self, tok: dict[str, Any]) -> None:
        """A paragraph under a step that is itself a repair (`If the workflow fails, run
        ...`): a contingency step of its own, not a detail."""
        text = self._reading(tok).replace("`", "")
        if self._infers() and not self.quiet and undoes(text):
            self._add(Kind.MANUAL, text, tok.get("_line", 0), undo=True)

    def _fenced_item(
        self,
        kids: list[dict[str, Any]],
        codes: list[Any],
        head: Any,
        text: str,
        line: int,
        ordered: bool,
    ) -> None:
        """An item holding fences: each shell block is a step, of the repair when a
        paragraph of the item says it is one (`If the push fails, delete the tag:`); when
        no block is bash (a Makefile target fenced as bash), the item's own words are a
        step to do by hand."""
        before, foreigns, repair = len(self.steps), self.foreigns, ""
        for kid in kids:
            if kid is not head and kid.get("type") in ("paragraph", "block_text"):
                said = self._reading(kid).replace("`", "")
                repair = said if undoes(said) else ""
            elif any(kid is code for code in codes):
                self.contingent += bool(repair)
                try:
                    self._code(kid, text=repair or text, task=False)
                finally:
                    self.contingent -= bool(repair)
        shown = self.foreigns > foreigns and len(self.steps) == before
        readable = shown and head and text and self._infers() and not self.quiet
        if readable and self._actionable(head, text, ordered):
            self._add(Kind.MANUAL, text, line, numbered=ordered, undo=undoes(text))
