"""`relbook parameterize`: a guide with everything relbook reads into it written out,
for a team to review once and commit.

- Placeholders: the example version, its neighbours, `[Brief description]` and the
  tokens that name a release value (`X.Y.Z`, `<version>`, `release-X.Y`) become
  `{{ version }}`, `{{ series }}`, ... in place (a line stays a line). Operator
  inputs (`<commit-sha>`) and tokens for the previous version stay as written: that
  already is their explicit form (`relbook params` lists them).
- Sections about things going wrong: `<!-- relbook: contingency -->` right after
  the heading.
- Steps that apply to some releases only, or that are optional: `<!-- relbook:
  applies-to=minor from="..." optional -->`, on the step's own line (a list item,
  a paragraph, a heading) or on a line of its own before its fence.

The result parses to the same plan as the guide (only lines move, by the lines
added), and parameterizing it again changes nothing.
"""

from __future__ import annotations

import re
import shlex

from relbook.model import Kind, Runbook, Section, Step
from relbook.params import BUILTIN, PARTS, explicit_form

_FENCE = re.compile(r"^((?:[ \t]*>)*[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)(?:`{3,}|~{3,})")
# release values a token is written as; not the previous version: without an earlier tag
# it is unknown, and a token then blocks its command where `{{ previous_version }}`
# would stop the whole run
ALWAYS = frozenset(BUILTIN + PARTS) - {"previous_version", "previous_tag"}
_SETEXT = re.compile(r"^(?:[ \t]*>)*[ \t]{0,3}(?:=+|-+)[ \t]*$")
_MARKER = re.compile(r"(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)")
_DIRECTIVE = re.compile(r"<!--\s*relbook:(.*?)-->")


def parameterize(rb: Runbook) -> str:
    """The guide's text in its explicit form (see the module)."""
    lines = rb.source.split("\n")
    for n in sorted({p.line for p in rb.placeholders}):
        lines[n - 1] = explicit_form(lines[n - 1], rb.example_version, ALWAYS)
    before: dict[int, list[str]] = {}  # 0-based index -> lines to insert before it
    for section in rb.sections:
        end = _heading_end(lines, section.line)  # 0-based index of the line after it
        if _own_contingency(rb, section) and not _marked(lines, end):
            before.setdefault(end, []).append(_indent(lines[section.line - 1]) +
                                              "<!-- relbook: contingency -->")  # fmt: skip
    heads: dict[int, list[Step]] = {}
    for step in rb.steps:
        i = step.line - 1
        fence = _FENCE.match(lines[i])
        head = _item_head(lines, i) if fence else None
        heads.setdefault(head if head is not None else i, []).append(step)
    for i, steps in heads.items():
        if _FENCE.match(lines[i]):  # a fence of its own: the directive on a line before it
            for step in steps:
                if words := step_directive(step):
                    prefix = re.sub(r"[*+\-]|\d{1,9}[.)]", lambda m: " " * len(m.group(0)),
                                    _FENCE.match(lines[i]).group(1))  # fmt: skip
                    before.setdefault(i, []).append(prefix + _comment(words))
            continue
        for step in steps:  # a list item's (or a fence's item's) text: up to the fence
            if step.kind is Kind.SHELL and step.line - 1 != i and rb.example_version:
                for j in range(i, step.line - 1):
                    lines[j] = explicit_form(lines[j], rb.example_version, ALWAYS)
        words = step_directive(steps[0]) if len(steps) == 1 else []  # one step per line
        if words:
            lines[i] = lines[i].rstrip() + " " + _comment(words)
    out: list[str] = []
    for i, line in enumerate(lines):
        out.extend(before.get(i, []))
        out.append(line)
    return "\n".join(out)


def _comment(words: list[str]) -> str:
    return f"<!-- relbook: {' '.join(words)} -->"


def _quote(value: str) -> str:
    """A directive value as one shell word, readable (`from="the heading 'X'"`)."""
    value = value.replace("-->", "-- >")
    if re.fullmatch(r"[\w.,|!:+-]+", value):
        return value
    if '"' not in value and "\\" not in value and "$" not in value and "`" not in value:
        return f'"{value}"'
    return shlex.quote(value)


def _item_head(lines: list[str], i: int) -> int | None:
    """The line of the list item a fence at line index `i` is nested in, if any: the
    directive goes there, where the parser reads it before the item's fences."""
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    if indent == 0:
        return None
    for j in range(i - 1, max(-1, i - 200), -1):
        text = lines[j]
        if text.strip() and len(text) - len(text.lstrip(" ")) < indent:
            return j if _MARKER.match(text.lstrip(" ")) else None
    return None


def step_directive(step: Step) -> list[str]:
    """The directive words that say what relbook inferred about `step` ([] if nothing)."""
    d = step.directives
    words: list[str] = []
    if step.applies_to and "applies-to" not in d:
        words.append(f"applies-to={_quote(step.applies_to)}")
        if step.applies_from:
            words.append(f"from={_quote(step.applies_from)}")
    if step.optional and "optional" not in d:
        words.append(f"optional={_quote(step.optional_why)}" if step.optional_why
                     else "optional")  # fmt: skip
    return words


def _own_contingency(rb: Runbook, section: Section) -> bool:
    """A contingency section that its parent does not make one."""
    if not section.contingency:
        return False
    parent = next((s for s in rb.sections if s.path == section.path[:-1]), None)
    return not (parent and parent.contingency)


def _heading_end(lines: list[str], line: int) -> int:
    """The index of the line after the heading at `line` (1-based; a setext heading's
    underline is part of it)."""
    if line < len(lines) and _SETEXT.match(lines[line]):
        return line + 1
    return line


def _marked(lines: list[str], end: int) -> bool:
    """Whether a relbook directive follows a heading that ends before index `end`."""
    for text in lines[end:]:
        if text.strip():
            m = _DIRECTIVE.search(text)
            return bool(m and re.search(r"\b(?:contingency|normal)\b", m.group(1)))
    return False


def _indent(heading: str) -> str:
    """Quote markers in front of a heading (`> ## Undo`): the directive goes inside."""
    m = re.match(r"^((?:[ \t]*>)*[ \t]*)", heading)
    return m.group(1) if m else ""
