"""The shell blocks lint reads: each fenced block of a shell step as bash lines with
their Markdown lines, its simple commands, and a finding at one of those lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from relbook.bash.commands import simple_commands as split_commands
from relbook.model import Kind, Runbook, Step


@dataclass(frozen=True)
class LintFinding:
    """One problem, at the Markdown line it is about."""

    path: str
    line: int
    code: str
    message: str
    severity: str = "warning"
    tool: str = "relbook"
    column: int = 0
    step: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


@dataclass(frozen=True)
class Block:
    """A shell step's fenced block as bash lines, each with its Markdown line."""

    step: Step
    lang: str
    lines: tuple[tuple[int, str], ...]
    indents: tuple[int, ...] = ()  # Markdown columns dropped from each line (list indent)

    @property
    def first_line(self) -> int:
        return self.lines[0][0] if self.lines else self.step.line


def shell_blocks(rb: Runbook) -> list[Block]:
    """Fenced blocks of the shell steps that run, as bash with exact source lines."""
    from relbook.parse import CONSOLE_LANGS, SHELL_LANGS, split_front_matter
    from relbook.parse.source import scan

    _, body = split_front_matter(rb.source, rb.path)
    fences = [f for f in scan(body).fences if _info_lang(f.info) in SHELL_LANGS]
    steps = [s for s in rb.steps if s.kind is Kind.SHELL and not s.skip]
    out: list[Block] = []
    for fence in fences:
        first, last = fence.line + 1, fence.line + len(fence.body)
        step = next((s for s in steps if any(first <= p.line <= last for p in s.parts)), None)
        if step is None:
            continue
        lang = _info_lang(fence.info)
        if lang in CONSOLE_LANGS:
            lines = _console_lines(step, first, last)
            raw = dict(fence.body)
            cut = [max(raw.get(no, "").find(text), 0) if text else 0 for no, text in lines]
            out.append(Block(step, lang, lines, tuple(cut)))
        else:
            cut = [_container_width(text, fence.indent) for _, text in fence.body]
            lines = tuple((no, text[n:]) for (no, text), n in zip(fence.body, cut, strict=True))
            out.append(Block(step, lang, lines, tuple(cut)))
    return out


def _info_lang(info: str) -> str:
    word = info.split()[0] if info.split() else ""
    return word.strip("{}.").lower()


def _container_width(text: str, indent: int) -> int:
    """How much of a line is list indentation or quote markers, not bash."""
    n = 0
    while n < len(text) and n < indent and text[n] in " \t>":
        n += 1
    return n


def _console_lines(step: Step, first: int, last: int) -> tuple[tuple[int, str], ...]:
    lines: list[tuple[int, str]] = []
    for part in step.commands:
        if first <= part.line <= last:
            for i, text in enumerate(part.source.split("\n")):
                lines.append((part.line + i, text))
    return tuple(lines)


def simple_commands(block: Block) -> Iterator[tuple[int, list[str]]]:
    """(Markdown line, words) of each simple command (the one splitter, bash.commands)."""
    lines = [no for no, _ in block.lines]
    for cmd in split_commands("\n".join(text for _, text in block.lines)):
        if cmd.words:
            yield lines[cmd.line], cmd.words
