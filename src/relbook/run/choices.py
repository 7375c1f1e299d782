"""Steps a person decides on: an optional shell step ("if needed", "If `gh` is
available") runs only when someone says so; it is never silently run or dropped.

Where the answer comes from, in order: the run's hooks (a drill), the answers
file (`ID: run` or `"skip: reason"`), the operator at a terminal; with `--yes`
and no answer the step is skipped and the record says why (`--yes` confirms what
the guide does for every release, not what it leaves to judgement); with no
terminal and no answer the run pauses there (exit 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from relbook.model import Kind, Outcome, Status, Step
from relbook.run import signals
from relbook.run.answers import apply_answer, parse_answer

if TYPE_CHECKING:
    from relbook.run.context import RunContext


def optional_reason(step: Step) -> str:
    """Why a step is asked before it runs ("" for a step that is not optional)."""
    if not step.optional:
        return ""
    why = step.optional_why or "optional"
    return f"optional ({why}): asked before it runs"


def optional_allows(run: RunContext, step: Step, outcome: Outcome) -> bool:
    """True when an optional shell step may run; else the outcome says why it did not."""
    if not step.optional or step.kind is not Kind.SHELL:
        return True
    why = step.optional_why or "optional"
    raw = run.answers.hooks.answer_for(step, step.id)
    given = (
        parse_answer(raw, step.id, run.operator)
        if raw is not None
        else run.answers.given(step.id, outcome.text)
    )
    if given is not None:
        if given.status is Status.DONE:
            return True
        apply_answer(outcome, given)
        return False
    if run.opts.yes:
        outcome.status = Status.SKIPPED
        outcome.reason = (
            f"optional ({why}): --yes runs it only when answered "
            f"(--answers FILE with {step.id}: run)"
        )
        return False
    if run.ui.interactive:
        run.recorder.sync()
        with signals.interruptible():
            if run.ui.confirm(f"optional step {step.id} ({why}): run it?"):
                return True
        outcome.status, outcome.reason = Status.SKIPPED, f"optional ({why}): not wanted"
        outcome.operator = run.operator
        return False
    outcome.status = Status.PENDING
    outcome.extra["optional"] = why
    return False
