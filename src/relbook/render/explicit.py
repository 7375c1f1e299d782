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
- A step about things going wrong outside such a section (`If the build fails,
  abort the release`): `flow=contingency` among its directive's words.
- Alternatives: each step of a way says so, `choice=choice@12 way="Patch release"`;
  the first step of a way also says which releases it is for (`way-applies-to=patch`),
  and the first of a choice what it asks when that is more than its ways (`question=`).
  The choice keeps its id, so an answers file written for the guide still answers it.

The result parses to the same plan as the guide (only lines move, by the lines
added), and parameterizing it again changes nothing.
"""

from __future__ import annotations

import re
import shlex

from relbook.model import Kind, Runbook, Section, Step
from relbook.params import BUILTIN, PARTS, explicit_form
from relbook.parse.alternatives import title_of

_FENCE = re.compile(r"^((?:[ \t]*>)*[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)(?:`{3,}|~{3,})")
# release values a token is written as; not the previous version: without an earlier tag
# it is unknown, and a token then blocks its command where `{{ previous_version }}`
# would stop the whole run
ALWAYS = frozenset(BUILTIN + PARTS) - {"previous_version", "previous_tag"}
# a line of plain prose: no heading, list item, fence, quote, table, HTML or indented code
_PROSE = re.compile(r"^ {0,3}(?![#>|<*+\-=`~ \t]|\d{1,9}[.)]\s)\S")
_BLOCK = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:[#|<`~]|[*+-][ \t]|\d{1,9}[.)][ \t]|(?:=+|-+)[ \t]*$)")
_SETEXT = re.compile(r"^(?:[ \t]*>)*[ \t]{0,3}(?:=+|-+)[ \t]*$")
_MARKER = re.compile(r"(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)")
_DIRECTIVE = re.compile(r"<!--\s*relbook:(.*?)-->")


def parameterize(rb: Runbook) -> str:
    """The guide's text in its explicit form (see the module)."""
    lines = rb.source.split("\n")
    for n in sorted({p.line for p in rb.placeholders}):
        lines[n - 1] = explicit_form(lines[n - 1], rb.example_version, ALWAYS)
    if rb.example_version:  # a step's words may go on over the next lines of its paragraph
        for step in rb.steps:
            if step.kind is not Kind.SHELL:
                for j in _continued(lines, step.line - 1):
                    lines[j] = explicit_form(lines[j], rb.example_version, ALWAYS)
    before: dict[int, list[str]] = {}  # 0-based index -> lines to insert before it
    for section in rb.sections:
        end = _heading_end(lines, section.line)  # 0-based index of the line after it
        if _own_contingency(rb, section) and not _marked(lines, end):
            before.setdefault(end, []).append(_indent(lines[section.line - 1]) +
                                              "<!-- relbook: contingency -->")  # fmt: skip
    starts = {s.line - 1 for s in rb.steps}
    ways = _way_words(rb)
    for sid in _contingent_steps(rb):
        ways.setdefault(sid, []).insert(0, "flow=contingency")
    heads: dict[int, list[Step]] = {}
    for step in rb.steps:
        i = step.line - 1
        fence = _FENCE.match(lines[i])
        head = _item_head(lines, i) if fence else None
        heads.setdefault(head if head is not None else i, []).append(step)
    for i, steps in heads.items():
        if _FENCE.match(lines[i]):  # a fence of its own
            words = step_directive(steps[0], ways) if len(steps) == 1 else []
            intro = _introduction(lines, i, starts) if words else None
            if intro is not None:  # at the end of the paragraph that introduces it
                lines[intro] = lines[intro].rstrip() + " " + _comment(words)
            elif words:  # else on a line of its own before it
                prefix = re.sub(r"[*+\-]|\d{1,9}[.)]", lambda m: " " * len(m.group(0)),
                                _FENCE.match(lines[i]).group(1))  # fmt: skip
                before.setdefault(i, []).append(prefix + _comment(words))
            continue
        for step in steps:  # a list item's (or a fence's item's) text: up to the fence
            if step.kind is Kind.SHELL and step.line - 1 != i and rb.example_version:
                for j in range(i, step.line - 1):
                    lines[j] = explicit_form(lines[j], rb.example_version, ALWAYS)
        words = step_directive(steps[0], ways) if len(steps) == 1 else []  # one step per line
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


def _continued(lines: list[str], i: int) -> range:
    """The lines after index `i` that go on with its paragraph (or list item text)."""
    j = i + 1
    while j < len(lines) and j - i < 40 and lines[j].strip() and not _BLOCK.match(lines[j]):
        j += 1
    return range(i + 1, j)


def _introduction(lines: list[str], i: int, starts: set[int]) -> int | None:
    """The last line of the paragraph right before the fence at index `i`, when it is
    no step itself: a directive there keeps the paragraph introducing the fence (a
    line of its own between them would not) and reaches the fence's step."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0 or not _PROSE.match(lines[j]):
        return None
    k = j
    while k > 0 and lines[k - 1].strip() and _PROSE.match(lines[k - 1]):
        k -= 1
    if k > 0 and lines[k - 1].strip() or any(n in starts for n in range(k, j + 1)):
        return None  # not a paragraph of its own, or it is a step
    return j


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


def _contingent_steps(rb: Runbook) -> list[str]:
    """The ids of steps that are contingency by their own words (or place), not by their
    section's (whose directive says so for all of them)."""
    sections = {s.path: s for s in rb.sections}
    out = []
    for step in rb.steps:
        section = sections.get(step.section_path)
        said = section.contingency if section else bool(rb.front_matter.get("contingency"))
        if step.contingency and not said and "flow" not in step.directives:
            out.append(step.id)
    return out


def _way_words(rb: Runbook) -> dict[str, list[str]]:
    """Step id -> the words that say which way of which choice it is (for the steps of
    choices relbook inferred; a choice the guide says is already written)."""
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for c in rb.choices:
        steps = [s for s in rb.steps if s.choice == c.id and "choice" not in s.directives]
        for k, step in enumerate(steps):
            words = [f"choice={c.id}", f"way={_quote(step.option)}"]
            if (c.id, step.option) not in seen:
                seen.add((c.id, step.option))
                kinds = next((o.applies_to for o in c.options if o.label == step.option), "")
                words += [f"way-applies-to={_quote(kinds)}"] if kinds else []
            if k == 0 and c.title != title_of(c.options):
                words.append(f"question={_quote(c.title)}")
            out[step.id] = words
    return out


def step_directive(step: Step, ways: dict[str, list[str]] | None = None) -> list[str]:
    """The directive words that say what relbook inferred about `step` ([] if nothing);
    `ways` holds the words for the steps of alternatives (see `_way_words`)."""
    d = step.directives
    words: list[str] = []
    if step.applies_to and "applies-to" not in d:
        words.append(f"applies-to={_quote(step.applies_to)}")
        if step.applies_from:
            words.append(f"from={_quote(step.applies_from)}")
    if step.optional and "optional" not in d:
        words.append(f"optional={_quote(step.optional_why)}" if step.optional_why
                     else "optional")  # fmt: skip
    words += (ways or {}).get(step.id, ())
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
