"""The walker's rules for steps written as prose, decided section by section.

- A guide written as a checklist takes only its tasks as steps, and the steps of what
  it sets apart as what to do when things go wrong (below); a guide without one reads
  its steps from bullets, numbered items, sentences and headings.
- A heading is a step when it reads as an order (`### Update each CHANGELOG.`,
  `### 3. Tag the release`) and nothing under it, down to the next heading of its level
  or above, is a step of its own.
- A paragraph is a step when one of its first sentences reads as an order.
- Text about things going wrong is contingency however it is marked: a `<details>`
  block whose summary says so (`Failure Steps`), or a list introduced by
  `In case something went wrong:`.
- Bullets under a step are its details, each with its own line, down to any depth;
  a bullet that is itself a repair (`Fix any issue.`, `If the build fails, abort`) is a
  contingency step of its own instead.
"""

from __future__ import annotations

import re
from typing import Any

from relbook.model import Kind
from relbook.parse.infer import (
    _VERB,
    CONTINGENCY,
    heading_step,
    is_contingency,
    reads_as_action,
    undoes,
)
from relbook.parse.orders import heading_order, marked_text, order_in

_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.I | re.S)


def titled_step(title: str) -> str:
    """The step a heading names, or "": a numbered heading whose words are an order (or
    one verb: `### 2. Build`), or an unnumbered heading that is an order."""
    rest = heading_step(title)
    if rest:
        words = rest.split()
        one_verb = len(words) == 1 and bool(_VERB.fullmatch(words[0].strip(".:")))
        return rest if one_verb or reads_as_action(re.sub(r"\([^)]*\)\s*", "", rest)) else ""
    return heading_order(title, reads_as_action)


_COMMAND_SHAPED = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*[~./\w][\w./+@:-]*(?:\s|$)")


def unprompted_shell(lines: list[str]) -> bool:
    """A `console` fence written without prompts (`docker buildx build ...`): its lines
    are all commands when each starts with a command name (or continues the last)."""
    body = [ln.strip() for ln in lines if ln.strip()]
    if not body:
        return False
    continued = False
    for ln in body:
        if not (continued or ln.startswith("#") or _COMMAND_SHAPED.match(ln)):
            return False
        continued = ln.endswith("\\")
    return True


def contingency_lead(text: str) -> bool:
    """`In case something went wrong:`, `If the release fails:`: the list after it is
    what to do then."""
    text = text.strip()
    return text.endswith(":") and len(text) < 120 and bool(CONTINGENCY.search(text))


class ProseRules:
    """Mixed into the walker: the prose rules above, over the walker's own state."""

    blocks: Any
    steps: list[Any]
    stack: list[Any]

    def _init_prose(self, tokens: list[dict[str, Any]], has_task: Any) -> None:
        self.has_tasks = has_task(tokens)
        self.pending_headings: list[tuple[str, int, int, int]] = []  # text, line, n, level
        self.failure_html = False  # inside <details> whose summary is about failures
        self.contingent = 0  # inside a list introduced as what to do when things go wrong
        self.contingent_next = False

    def _enter_section(self, tok: dict[str, Any], text: str, level: int, line: int) -> None:
        """A heading: its section's own rules, and whether the heading is a step."""
        self._flush_headings(level)
        self.failure_html = False
        if not self.has_tasks and level > 1:
            step = titled_step(text)
            if step:
                self.pending_headings.append((step, line, len(self.steps), level))

    def _flush_headings(self, level: int = 0) -> None:
        """Headings whose whole subtree has no step of its own are steps themselves."""
        while self.pending_headings and self.pending_headings[-1][3] >= level:
            text, line, before, _ = self.pending_headings.pop()
            if before == len(self.steps):
                self._add(Kind.MANUAL, text, line, undo=undoes(text))

    def _reading(self, tok: dict[str, Any]) -> str:
        """A block's text with code spans marked, as the rules read it."""
        if "_marked" not in tok:
            tok["_marked"] = marked_text(self.blocks.inline(tok))
        return tok["_marked"]

    def _prose_order(self, tok: dict[str, Any]) -> str:
        """The order a paragraph gives (its text for people), or ""."""
        sentence = order_in(self._reading(tok), reads_as_action)
        return sentence.replace("`", "") if sentence else ""

    def _infers(self) -> bool:
        """Whether steps are read from prose here: a guide without a checklist, or, in
        one, the text its checklist sets apart as what to do when things go wrong."""
        return not self.has_tasks or self.failure_html or self.contingent > 0

    def _html_context(self, raw: str) -> None:
        """`<details><summary>Failure Steps</summary>` opens text about failures."""
        if "<summary" in raw:
            m = _SUMMARY.search(raw)
            self.failure_html = bool(m and is_contingency(m.group(1)))
        if "</details>" in raw:
            self.failure_html = False

    def _detail_items(self, blocks: list[dict[str, Any]], is_shell: Any) -> list[tuple[int, str]]:
        """Plain bullets under a step, any depth, with their lines; repairs left out."""
        out: list[tuple[int, str]] = []
        for tok in blocks:
            if tok.get("type") != "list" or tok.get("attrs", {}).get("ordered"):
                continue
            for item in tok.get("children", []):
                kids = item.get("children", [])
                if item.get("type") == "task_list_item" or any(is_shell(k) for k in kids):
                    continue
                head = next((k for k in kids if k.get("type") in ("block_text", "paragraph")), None)
                if not head:
                    continue
                text = self._reading(head).replace("`", "")
                if undoes(text):
                    continue  # a repair is a contingency step of its own
                if text:
                    out.append((head.get("_line", 0), text))
                out.extend(self._detail_items([k for k in kids if k is not head], is_shell))
        return out
