"""The dry run: the plan of every step with its values filled in, nothing executed or
recorded (relbook.render.dryrun turns it into text; --json prints it as it is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from relbook.model import Step
from relbook.run.options import RunResult
from relbook.run.plan import plan_document

if TYPE_CHECKING:
    from relbook.run.context import RunContext


def dry_run(run: RunContext, steps: list[Step]) -> RunResult:
    """The plan of `steps`; execute and record nothing."""
    return RunResult(0, None, plan=plan_document(run, steps))
