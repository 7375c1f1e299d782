"""Generated release guides whose steps and lines are known in advance.

Each block generator returns Markdown lines and the steps they must produce,
as (line offset within the block, kind, text). Used by the parser tests (the
long realistic guide, property tests) and by bench/parse_scale.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

WORDS = tuple(
    [
        "deploy",
        "verify",
        "staging",
        "production",
        "release",
        "branch",
        "tag",
        "notes",
        "changelog",
        "monitor",
        "alerts",
        "dashboards",
        "database",
        "migration",
        "rollout",
        "canary",
        "traffic",
        "cache",
        "config",
        "secrets",
        "review",
        "security",
        "scan",
        "smoke",
        "tests",
        "on-call",
        "stakeholders",
    ]
)


@dataclass
class Expected:
    line: int
    kind: str
    text: str
    contingency: bool = False
    optional: bool = False
    commands: list[int] = field(default_factory=list)  # lines of command parts


@dataclass
class Guide:
    text: str
    steps: list[Expected]

    @property
    def lines(self) -> int:
        return self.text.count("\n")


Block = tuple[list[str], list[Expected]]


def _sentence(r: random.Random, n: int = 5) -> str:
    words = [r.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize()


def _item_text(r: random.Random, i: int) -> str:
    text = f"{_sentence(r, r.randint(2, 6))} #{i}"
    return text + (" (if needed)" if r.random() < 0.1 else "")


def task_list(r: random.Random, n: int) -> Block:
    """Task items, some nested (spaces or a tab), some checked, some holding a bash block."""
    lines: list[str] = []
    steps: list[Expected] = []
    for i in range(n):
        indent = r.choice(["", "", "", "  ", "\t"]) if i else ""
        box = r.choice(["[ ]", "[ ]", "[x]"])
        text = _item_text(r, i)
        steps.append(Expected(len(lines), "manual", text))
        lines.append(f"{indent}- {box} {text}")
        if r.random() < 0.15:
            pad = indent + "  "
            steps[-1].kind = "shell"
            steps[-1].commands = [len(lines) + 1]
            lines += [f"{pad}```bash", f"{pad}./check.sh --item {i}", f"{pad}```"]
    return lines, steps


def shell_block(r: random.Random, n: int) -> Block:
    """A bash / sh block with comments, continuations and a heredoc."""
    fence = r.choice(["```", "~~~", "````"])
    lang = r.choice(["bash", "sh", "shell"])
    lines = [f"{fence}{lang}", f"# Publish {_sentence(r).lower()}"]
    commands = []
    for i in range(n):
        commands.append(len(lines))
        kind = r.random()
        if kind < 0.2:
            lines += [f"git tag -a v1.2.{i} \\", f'  -m "Release v1.2.{i}"']
        elif kind < 0.3:
            lines += ["cat > notes.txt <<'EOF'", "- [ ] not a step", "# not a comment", "EOF"]
        else:
            lines.append(f"echo {r.choice(WORDS)} {i}")
    lines.append(fence)
    return lines, [Expected(0, "shell", _sentence_of(lines[1]), commands=commands)]


def _sentence_of(comment: str) -> str:
    return comment.lstrip("# ")


def console_block(r: random.Random, n: int) -> Block:
    """A console session: `$ ` commands (one with a continuation) and output."""
    lines = ["```console"]
    commands = []
    for i in range(n):
        commands.append(len(lines))
        if i == 0:
            lines += ["$ make release \\", f"    VERSION=1.2.{i}", "building..."]
        else:
            lines += [f"$ ls -l dist/{i}", f"total {i}"]
    lines.append("```")
    return lines, [Expected(0, "shell", "make release", commands=commands)]


def context_fence(r: random.Random, n: int) -> Block:
    """A yaml / json / untagged block: context, even when it looks like steps."""
    lang = r.choice(["yaml", "json", "", "text", "diff"])
    body = [f"- [ ] looks like a task {i}" for i in range(n)] + ["```bash", "echo no"]
    return ["~~~~" + lang, *body, "~~~~"], []


def html_comment(r: random.Random, n: int) -> Block:
    """A multi-line comment hiding a fenced bash block and an item."""
    return ["<!--", "```bash", "rm -rf /", "```", "- [ ] hidden", "-->"], []


def table(r: random.Random, n: int) -> Block:
    rows = [f"| {_sentence(r, 2)} | - [ ] cell {i} |" for i in range(n)]
    return ["| step | note |", "|------|------|", *rows], []


def quote(r: random.Random, n: int) -> Block:
    text = _item_text(r, 0)
    return [f"> - [ ] {text}", ">", "> Quoted note."], [Expected(0, "manual", text)]


def indented_code(r: random.Random, n: int) -> Block:
    return ["Example output:", "", "    - [ ] not an item", "    ```bash", "    echo no"], []


def paragraph(r: random.Random, n: int) -> Block:
    return [_sentence(r, 8) for _ in range(max(1, n))], []


def numbered(r: random.Random, n: int) -> Block:
    """A numbered list: not steps in a guide that has task lists."""
    return [f"{i + 1}. {_sentence(r, 3)}" for i in range(n)], []


BLOCKS: dict[str, Callable[[random.Random, int], Block]] = {
    "tasks": task_list,
    "shell": shell_block,
    "console": console_block,
    "context": context_fence,
    "comment": html_comment,
    "table": table,
    "quote": quote,
    "indented": indented_code,
    "paragraph": paragraph,
    "numbered": numbered,
}


def heading(r: random.Random, n: int, contingency: bool) -> list[str]:
    title = ("Emergency Rollback " if contingency else "") + f"{_sentence(r, 3)} {n}"
    if r.random() < 0.2:
        return [title, "-" * len(title)]
    return [f"## {title}"]


def generate(
    r: random.Random, blocks: int, *, crlf: bool = False, kinds: tuple[str, ...] = tuple(BLOCKS)
) -> Guide:
    """A guide of `blocks` blocks (drawn from `kinds`) under headings, and its steps."""
    lines = ["# Release Guide", ""]
    steps: list[Expected] = []
    contingency = False
    for i in range(blocks):
        if i % 4 == 0:
            contingency = r.random() < 0.15
            lines += [*heading(r, i, contingency), ""]
        kind = "tasks" if i == 0 else r.choice(kinds)
        block, found = BLOCKS[kind](r, r.randint(1, 6))
        for e in found:
            e.line += len(lines) + 1
            e.commands = [c + len(lines) + 1 for c in e.commands]
            e.contingency = contingency
            e.optional = "(if needed)" in e.text
        steps += found
        lines += [*block, ""]
    text = "\n".join(lines) + "\n"
    return Guide(text.replace("\n", "\r\n") if crlf else text, steps)


def generate_lines(n_lines: int, seed: int = 1, kinds: tuple[str, ...] = tuple(BLOCKS)) -> Guide:
    """A guide of at least `n_lines` lines."""
    r = random.Random(seed)
    guide = generate(r, max(1, n_lines // 9), kinds=kinds)
    while guide.lines < n_lines:
        more = generate(r, max(1, (n_lines - guide.lines) // 9 + 1), kinds=kinds)
        guide = _concat(guide, more)
    return guide


def _concat(a: Guide, b: Guide) -> Guide:
    shift = a.lines
    moved = [
        Expected(
            e.line + shift,
            e.kind,
            e.text,
            e.contingency,
            e.optional,
            [c + shift for c in e.commands],
        )
        for e in b.steps
    ]
    return Guide(a.text + b.text, a.steps + moved)
