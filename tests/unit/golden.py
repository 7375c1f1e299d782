"""Golden cases (`title . input . expected .`) and the exact-line checks used by parser tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from relbook.model import Kind, Runbook, Step

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = DATA / "seeds"  # the two real guides, byte for byte as their teams wrote them
_ITEM_PREFIX = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)[ \t>]*)*(?:\[[ xX]\])?")
_FENCE_LINE = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*(`{3,}|~{3,})[ \t]*(\S*)")


@dataclass(frozen=True)
class Case:
    file: str
    line: int  # line of the title in the data file
    title: str
    text: str
    expected: str


def read_cases(path: Path) -> list[Case]:
    """Cases separated by lines holding only `.`: title, input, expected."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        title, start = lines[i], i + 1
        assert lines[i + 1] == ".", f"{path.name}:{i + 2}: expected '.' after the title"
        body, i = _until_dot(lines, i + 2)
        expected, i = _until_dot(lines, i)
        cases.append(Case(path.name, start, title, "\n".join(body) + "\n", "\n".join(expected)))
    return cases


def _until_dot(lines: list[str], i: int) -> tuple[list[str], int]:
    out = []
    while lines[i] != ".":
        out.append(lines[i])
        i += 1
    return out, i + 1


def all_cases() -> list[Case]:
    """Every golden case in tests/data/*.md."""
    return [c for p in sorted(DATA.glob("*.md")) for c in read_cases(p)]


def describe(rb: Runbook) -> str:
    """Steps as `LINE kind[,flags]: text`, parts indented below: what golden files hold."""
    out = []
    for s in rb.steps:
        flags = [s.kind.value]
        flags += [f for f in ("optional", "contingency", "skip", "checked") if getattr(s, f)]
        out.append(f"{s.line} {','.join(flags)}: {s.text}")
        for p in s.parts:
            mark = "$" if p.kind == "command" else "?"
            out.append(f"  {p.line} {mark} {p.source.replace(chr(10), ' ⏎ ')}")
    out += [f"{f.line} finding {f.code}: {f.message}" for f in rb.findings]
    return "\n".join(out)


def assert_lines_exact(rb: Runbook, text: str) -> None:
    """Each step's line holds its opening fence or its item text; each part's line, its code."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for step in rb.steps:
        assert 1 <= step.line <= len(lines), f"{step.id}: line {step.line} out of range"
        src = lines[step.line - 1]
        if _from_fence(step):
            m = _FENCE_LINE.match(src)
            assert m, f"{step.id}: line {step.line} is not an opening fence: {src!r}"
            assert m.group(2).lower().startswith(step.lang), (step.id, src)
        else:
            rest = _ITEM_PREFIX.sub("", src)
            first = _words(step.text)[:1]
            if not _words(rest):  # `- [ ]` with its text on a later line
                rest = next((t for t in lines[step.line :] if _words(t)), "")
            assert set(first) <= set(_words(rest)), f"{step.id}: {step.text!r} not at {src!r}"
        for part in step.parts:
            first = part.source.split("\n")[0].strip()
            assert first in lines[part.line - 1], (step.id, part, lines[part.line - 1])


def _from_fence(step: Step) -> bool:
    """A shell step made from a fenced block (not from a task item holding one)."""
    return step.kind is Kind.SHELL and not step.task


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())
