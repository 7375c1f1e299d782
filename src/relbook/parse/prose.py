"""The walker's rules for steps written as prose, decided section by section.

- A guide written as a checklist takes only its tasks as steps, and the steps of what
  it sets apart as what to do when things go wrong (below); a guide without one reads
  its steps from bullets, numbered items, sentences and headings.
- A heading is a step when it reads as an order (`### Update each CHANGELOG.`,
  `### 3. Tag the release`) and nothing under it, down to the next heading of its level
  or above, is a step of its own.
- A paragraph is a step when one of its first sentences reads as an order; one that
  ends by ordering something done to the list after it (`Update the version in the
  following places:`) is the step when that list's items are no steps themselves.
- Text about things going wrong is contingency however it is marked: a `<details>`
  block whose summary says so (`Failure Steps`), a list introduced by
  `In case something went wrong:`, or a code block after a sentence that says what to
  do if something fails (`If the upload fails, retry with:`).
- Bullets under a step are its details, each with its own line, down to any depth;
  a bullet or a paragraph that is itself a repair (`Fix any issue.`, `If the build
  fails, abort`) is a contingency step of its own instead, and the numbered steps under
  a repair are part of it: contingency too.
- Numbered items under a heading that names criteria are conditions, not steps.
- A numbered item whose fence is not bash (a Makefile target, Go code) is a step to do
  by hand; the fence is shown as text, never run.
- A section that recaps the steps written out before it (`## Summary Checklist`) has
  no steps of its own, and its task list does not make the guide a checklist.
"""

from __future__ import annotations

import re
from typing import Any

from relbook.bash.syntax import call_syntax, not_bash
from relbook.model import Finding, Kind
from relbook.parse.alternatives import another_way
from relbook.parse.infer import (
    _VERB,
    about_failure,
    heading_step,
    introduces_description,
    is_contingency,
    reads_as_action,
    undoes,
)
from relbook.parse.orders import (
    heading_order,
    marked_text,
    order_in,
    plain_text,
    sentences,
    unmarked_text,
)
from relbook.parse.parts import recap_headings
from relbook.parse.repairs import RepairRules

# what introduces a block of output, not of commands: "You should see something like:",
# "The output looks like this:", "It prints:", "which should return:"
_OUTPUT_INTRO = re.compile(
    r"(?:\byou(?: should| will|'ll)? see\b|\boutput\b|\b(?:prints?|displays?|shows?|returns?)\b"
    r"|\blooks? (?:something )?like\b)[^:]{0,40}:$",
    re.I,
)
# the list an order is for, at its end: "Update the version in the following places:"
_FOLLOWING = re.compile(r"\s*\b(?:in |to |on |into )?the following(?:\s+\w+){0,2}\s*:$", re.I)


def plain_start(text: str) -> str:
    """A text's start without its marks (code spans, emphasis)."""
    return text.lstrip("`*_\"'([ ")


_EXAMPLE = re.compile(r"^(?:for )?(?:an )?examples?\b|^e\.g\.", re.I)
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


def contingency_lead(text: str) -> bool:
    """`In case something went wrong:`, `If the release fails:`: the list after it is
    what to do then."""
    text = text.strip()
    return text.endswith(":") and len(text) < 120 and about_failure(text)


class ProseRules(RepairRules):
    """Mixed into the walker: the prose rules above, over the walker's own state."""

    blocks: Any
    steps: list[Any]
    stack: list[Any]
    findings: list[Finding]

    def _init_prose(self, tokens: list[dict[str, Any]], has_task: Any, text: Any) -> None:
        self.recaps = recap_headings(tokens, text)
        self.recap = 0  # the level of the recap heading being read, 0 outside one
        self.foreigns = 0  # fences read that are not bash
        self.has_tasks = has_task(tokens, self.recaps)
        # each: its text, line, the number of steps before it, level and the sections it is in
        self.pending_headings: list[tuple[str, int, int, int, list[Any]]] = []
        self.failure_html = False  # inside <details> whose summary is about failures
        self.contingent = 0  # inside a list introduced as what to do when things go wrong
        self.contingent_next = False
        self.example_next = False  # the paragraph just read is "Example:"
        self.intro: tuple[str, int] | None = None  # "Commit the changes with:" before a block
        self.paragraphs: list[tuple[int, str]] = []  # what the prose says of the commands
        self.lead: tuple[str, int] | None = None  # "Update the following files:" just read

    def _enter_section(self, tok: dict[str, Any], text: str, level: int, line: int) -> None:
        """A heading: its section's own rules, and whether the heading is a step."""
        self._flush_headings(level)
        self.failure_html = False
        self.recap = level if line in self.recaps else self.recap if level > self.recap else 0
        if not self.has_tasks and not self.recap and level > 1:
            step = titled_step(text)
            if step:
                self.pending_headings.append((step, line, len(self.steps), level, self.stack[:]))

    def _flush_headings(self, level: int = 0) -> None:
        """Headings whose whole subtree has no step of its own are steps themselves, of the
        section they head (not of the next heading, which is read when they are known)."""
        while self.pending_headings and self.pending_headings[-1][3] >= level:
            text, line, before, _, stack = self.pending_headings.pop()
            if before == len(self.steps):
                self.stack, reading = stack, self.stack
                try:
                    self._add(Kind.MANUAL, text, line, undo=undoes(text))
                finally:
                    self.stack = reading

    def _order(self, text: str, line: int) -> None:
        """A sentence that orders: a step, unless it introduces the shell block right after
        it (`Commit these changes with:`), which is then the step."""
        self._flush_intro()
        if text.rstrip().endswith(":"):
            self.intro = (text, line)
        else:
            self._add(Kind.MANUAL, text, line, undo=undoes(text))

    def _flush_intro(self) -> None:
        if self.intro:
            text, line = self.intro
            self.intro = None
            self._add(Kind.MANUAL, text, line, undo=undoes(text))

    def _note_block(self, tok: dict[str, Any]) -> None:
        kind = tok.get("type")
        if kind in ("paragraph", "block_text"):
            self.paragraphs.append((tok.get("_line", 0), tok.get("text", "")))
        if kind not in ("block_code", "blank_line", "paragraph"):
            self.example_next = False
        if kind not in ("list", "blank_line"):
            self.lead = None  # only the list right after it is the one it introduces

    def _example_intro(self, text: str) -> bool:
        """`Example:` (a short paragraph): the fence after it may be an example."""
        self.example_next = (
            len(text) < 60 and bool(_EXAMPLE.match(text)) and "output" not in text.lower()
        )
        return self.example_next

    def _example_of_last(self, parts: list[Any], text: str) -> bool:
        """A fence shown as an example of the template just before it (`Example:` and the
        same command with values in): text to read, not a second step to run."""
        intro = self.example_next or bool(_EXAMPLE.match(text))
        self.example_next = False
        last = self.steps[-1] if self.steps else None
        if not intro or last is None or last.kind is not Kind.SHELL or not last.commands:
            return False
        first = next((p.source.split() for p in parts if p.kind == "command"), [])
        before = last.commands[0].source.split()
        if not (first and before and first[0] == before[0]):
            return False
        from relbook.params.tokens import find_tokens
        from relbook.params.variables import variable_uses

        template = last.commands[0].source  # a template: it holds what the example fills
        return bool(find_tokens(template) or variable_uses(template))

    def _foreign(self, tok: dict[str, Any], parts: list[Any]) -> bool:
        """A shell fence that is not bash (another language, or text bash cannot parse):
        shown as text, never run; lint says why (RB010)."""
        commands = [p.source for p in parts if p.kind == "command"]
        why = not_bash("\n".join(commands).split("\n"), tok.get("_open")) or call_syntax(
            [c.split("\n", 1)[0] for c in commands]
        )
        if why:
            self.foreigns += 1
            line = tok.get("_line", 0)
            self.findings.append(Finding(line, "RB010", f"{why}: shown as text, never run"))
        return bool(why)

    def _paragraph(self, tok: dict[str, Any]) -> None:
        """A paragraph that says what to do, in a section without a checklist, is a step."""
        if self.details_depth:
            return self._repair_paragraph(tok)
        if self.quiet or not self.stack:
            return
        whole = self._text(tok)
        if contingency_lead(whole):
            self.contingent_next = True
            return
        if self._example_intro(whole):
            return
        if not self._infers():
            return
        lead = self._lead(tok)
        if introduces_description(whole) and not lead:
            self.told = True
            return
        text, line = self._order_at(tok)
        if text:
            self._order(text, line)
        else:
            self.lead = lead

    def _mark_output(self, tokens: list[dict[str, Any]]) -> None:
        """Marks each code block that the text right before it shows as output (`You
        should see:`, `The output looks like this:`): text to read, never run. A sentence
        that orders (`Check the output with:`) introduces commands, as before."""
        last: dict[str, Any] = {}
        for tok in tokens:
            kind = tok.get("type")
            if kind == "blank_line":
                continue
            if kind == "block_code" and last:
                said = sentences(self._text(last))
                intro = said[-1] if said else ""
                if _OUTPUT_INTRO.search(intro) and not reads_as_action(intro):
                    tok["_output"] = True
            last = tok if kind in ("paragraph", "block_text") else {}

    def _other_way(self, before: dict[str, Any]) -> str:
        """`Alternatively, the repository can be cleaned with:` right before a block: that
        sentence is the block's text, so the block is another way of the step before it
        (`parse.alternatives`), not a step done after it ("" when no such sentence)."""
        if before.get("type") not in ("paragraph", "block_text"):
            return ""
        said = sentences(self._text(before))
        last = said[-1] if len(said) == 1 else ""
        return last if last.rstrip().endswith(":") and another_way(last) else ""

    def _tells(self, text: str) -> bool:
        """`A GitHub action will see the new tag and do the following:` (an item): what
        happens on its own, told by the list after it, and no order."""
        return introduces_description(text) and not reads_as_action(text)

    def _lead(self, tok: dict[str, Any]) -> tuple[str, int] | None:
        """`Update the version in the following places:` (an order for the list after it,
        so not a step by itself): the sentence and its line, for `_lead_step`."""
        said = sentences(self._reading(tok))
        last = said[-1].replace("`", "") if said else ""
        order = _FOLLOWING.sub("", last)
        if order == last or not reads_as_action(order):
            return None
        return last, tok.get("_line", 0)

    def _lead_step(self, tok: dict[str, Any]) -> bool:
        """A list after such a sentence whose items are no steps (`- CHANGELOG.md`,
        `- package.json`): the sentence is the step and the items its details."""
        lead, self.lead = self.lead, None
        if not lead or self.quiet or self.details_depth or tok.get("attrs", {}).get("ordered"):
            return False  # numbered items are steps themselves
        for item in tok.get("children", []):
            kids = item.get("children", [])
            head = next((k for k in kids if k.get("type") in ("block_text", "paragraph")), None)
            if any(k.get("type") == "block_code" for k in kids):
                return False  # an item with a block is a step of its own
            if head and reads_as_action(self._reading(head)):
                return False
        details = self._detail_items([tok], lambda k: k.get("type") == "block_code")
        self._add(Kind.MANUAL, lead[0], lead[1], details=details, undo=undoes(lead[0]))
        return True

    def _text(self, tok: dict[str, Any]) -> str:
        """A block's plain text (asked for more than once: contents, then the step)."""
        if "_text" not in tok:
            unmarked = None if "children" in tok else unmarked_text(tok.get("text", ""))
            tok["_text"] = unmarked if unmarked is not None else plain_text(self.blocks.inline(tok))
        return tok["_text"]

    def _reading(self, tok: dict[str, Any]) -> str:
        """A block's text with code spans marked, as the rules read it."""
        if "_marked" not in tok:
            text = tok.get("text", "")
            unmarked = None if "children" in tok else unmarked_text(text, code_marks=True)
            tok["_marked"] = (
                unmarked if unmarked is not None else marked_text(self.blocks.inline(tok))
            )
        return tok["_marked"]

    def _prose_order(self, tok: dict[str, Any]) -> str:
        """The order a paragraph gives (its text for people), or ""."""
        sentence = order_in(self._reading(tok), reads_as_action)
        return sentence.replace("`", "") if sentence else ""

    def _order_at(self, tok: dict[str, Any]) -> tuple[str, int]:
        """The order a paragraph gives and the line it starts on: a later sentence of the
        paragraph ("Note that we use Dependabot. Check the label ...") keeps its own."""
        text = self._prose_order(tok)
        line = tok.get("_line", 0)
        first = text.split()[0].strip("*_") if text else ""
        if first and not plain_start(self._reading(tok)).startswith(first):
            raw = tok.get("text", "")
            m = re.search(rf"[.!?][\"')\]*_`]*\s+[`*_\"'(\[]*{re.escape(first)}", raw)
            line += raw.count("\n", 0, m.end()) if m else 0
        return text, line

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
