"""Up-front validation: everything about a runbook that would stop a run part-way,
found before its first step (templates, undefined names, quoting refusals, fences
and comments left open), each problem with its `file:line`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from relbook.errors import RelbookError
from relbook.model import Kind

if TYPE_CHECKING:
    from relbook.model import Runbook
    from relbook.params import Computed, Params

# parser findings that mean the runbook is not what its author thinks it is
FATAL_FINDINGS = {"RB005", "RB007"}
_STATEMENT = re.compile(r"\{%-?\s*(?:if|elif|else|endif|for|endfor)\b[^%]*%\}")


class ValidationError(RelbookError):
    """A runbook with problems found before any step ran; lists every one."""

    def __init__(self, path: str, problems: list[RelbookError]) -> None:
        n = len(problems)
        super().__init__(
            f"{n} problem{'s' * (n != 1)} found before the first step; nothing ran", path=path
        )
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(str(p) for p in self.problems)])


def runbook_problems(
    rb: Runbook,
    params: Params,
    computed: Computed | None = None,
    *,
    every_branch: bool = False,
    findings: bool = True,
) -> list[RelbookError]:
    """Every problem that would stop a run of `rb` with `params` part-way.

    With `every_branch`, `{% if %}` conditions are dropped so both branches are checked
    (for checks without real values, as lint does); without `findings`, the parser's
    findings (unterminated fences, unclosed comments) are left to the caller."""
    from relbook.params import render_text, shell_problems

    problems: list[RelbookError] = [
        RelbookError(f.message, path=rb.path, line=f.line)
        for f in rb.findings
        if f.code in FATAL_FINDINGS and findings
    ]
    where = {"path": rb.path, "example": rb.example_version}
    for step in rb.steps:
        for line, text in [(step.line, step.text), *((step.line, d) for d in step.details)]:
            try:
                render_text(_branches(text, every_branch), params, line=line, **where)
            except RelbookError as e:
                problems.append(e)
        if step.kind is not Kind.SHELL or step.skip:
            continue
        for part in step.parts:
            if part.kind == "command":
                source = _branches(part.source, every_branch)
                problems += shell_problems(
                    source, params, line=part.line, computed=computed, **where
                )
    return _unique(problems)


def check_runbook(rb: Runbook, params: Params, computed: Computed | None = None) -> None:
    """Raise ValidationError listing every problem `runbook_problems` finds."""
    problems = runbook_problems(rb, params, computed)
    if problems:
        raise ValidationError(rb.path, problems)


def checked_variables(rb: Runbook, params: Params) -> Computed:
    """Check the whole runbook (raises ValidationError); returns the variables that its
    template expressions need, for the run's environment."""
    from relbook.params import Computed, env_name

    computed = Computed({env_name(n) for n in params.values})
    check_runbook(rb, params, computed)
    return computed


def _branches(text: str, every: bool) -> str:
    return _STATEMENT.sub("", text) if every and "{%" in text else text


def _unique(problems: list[RelbookError]) -> list[RelbookError]:
    seen: set[str] = set()
    out = []
    for p in sorted(problems, key=lambda p: p.line):
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out
