"""A line scanner over Markdown source that finds where things are.

mistune's AST carries no positions. The scanner walks the text once, with the
same CommonMark rules for fences and HTML comments, and lists the candidate
lines of headings, list items, fences and relbook directives. parse.py then
pairs each AST node with its candidate, in document order, checking content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PREFIX = r"[ \t]*(?:>[ \t]?)*[ \t]*"
_FENCE = re.compile(_PREFIX + r"(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?[ \t]*(`{3,}|~{3,})(.*)$")
_ITEM = re.compile(_PREFIX + r"([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$")
_TASK = re.compile(r"\[([ xX])\](?:[ \t]+|$)")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_DIRECTIVE = re.compile(r"<!--\s*relbook:(.*?)-->", re.S)


@dataclass
class Fence:
    line: int
    marker: str
    info: str
    body: list[tuple[int, str]] = field(default_factory=list)
    closed: bool = False
    indent: int = 0


@dataclass
class Item:
    line: int
    ordered: bool
    task: bool
    checked: bool
    text: str


@dataclass
class Heading:
    line: int
    level: int
    text: str


@dataclass
class Directive:
    line: int
    text: str


@dataclass
class Scan:
    fences: list[Fence] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    comment_lines: set[int] = field(default_factory=set)


def scan(text: str) -> Scan:
    """Find fences, list items, headings and directives, with 1-based lines."""
    out = Scan()
    lines = text.split("\n")
    fence: Fence | None = None
    comment_start = 0
    prev = ""
    for no, line in enumerate(lines, 1):
        if fence is not None:
            if _closes(line, fence):
                fence.closed = True
                fence = None
            else:
                fence.body.append((no, line))
            prev = ""
            continue
        if comment_start:
            out.comment_lines.add(no)
            if "-->" in line:
                _directives(out, comment_start, lines[comment_start - 1 : no])
                comment_start = 0
            prev = ""
            continue
        m = _FENCE.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            fence = Fence(no, m.group(1), m.group(2).strip(), indent=m.start(1))
            out.fences.append(fence)
            _item(out, no, line)
            prev = ""
            continue
        stripped = line.lstrip(" \t>")
        if stripped.startswith("<!--"):
            if "-->" in stripped:
                _directives(out, no, [line])
            else:
                comment_start = no
                out.comment_lines.add(no)
            prev = ""
            continue
        if "<!--" in line and "relbook:" in line:
            _directives(out, no, [line])
        h = _ATX.match(line)
        if h:
            out.headings.append(Heading(no, len(h.group(1)), (h.group(2) or "").strip()))
            prev = ""
            continue
        s = _SETEXT.match(line)
        if s and prev.strip() and not _ITEM.match(prev):
            level = 1 if s.group(1)[0] == "=" else 2
            out.headings.append(Heading(no - 1, level, prev.strip()))
            prev = ""
            continue
        _item(out, no, line)
        prev = line
    return out


def _closes(line: str, fence: Fence) -> bool:
    body = line.lstrip(" \t>")
    char = fence.marker[0]
    run = len(body) - len(body.lstrip(char))
    return run >= len(fence.marker) and not body[run:].strip()


def _item(out: Scan, no: int, line: str) -> None:
    m = _ITEM.match(line)
    if not m:
        return
    rest = m.group(2) or ""
    t = _TASK.match(rest)
    ordered = m.group(1)[0].isdigit()
    if t:
        out.items.append(Item(no, ordered, True, t.group(1) != " ", rest[t.end() :]))
    else:
        out.items.append(Item(no, ordered, False, False, rest))


def _directives(out: Scan, first: int, chunk: list[str]) -> None:
    text = "\n".join(chunk)
    for m in _DIRECTIVE.finditer(text):
        line = first + text.count("\n", 0, m.start())
        out.directives.append(Directive(line, m.group(1).strip()))


def normalize(text: str) -> str:
    """Letters and digits only, case-folded: for matching AST text to source."""
    return re.sub(r"[\W_]+", "", text).casefold()
