"""The dry run: every planned step with its values filled in, nothing executed or recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from relbook.bash.effects import is_destructive, touches_remote
from relbook.model import Part, Step
from relbook.run.choices import plan_reason
from relbook.run.flow import not_applicable
from relbook.run.options import RunResult
from relbook.run.plan import blocked_by, plan_document, step_block
from relbook.run.steps import version_bumps

if TYPE_CHECKING:
    from relbook.run.context import RunContext


def dry_run(run: RunContext, steps: list[Step]) -> RunResult:
    """Show every planned step with its values filled in; execute and record nothing."""
    if run.opts.json:
        return RunResult(0, None, plan=plan_document(run, steps))
    total = len(steps)
    for n, step in enumerate(steps, 1):
        flags = []
        why = not_applicable(step, run.params)
        chose, way = ("", "") if why else plan_reason(run, step)
        why = why or (way if chose else "")
        if why:
            flags.append(f"not applicable: {why}")
        elif way:
            flags.append(way)
        block = step_block(run, step)
        if block and not why:
            flags.append(f"blocked: {block}")
        if step.optional and not why:
            flags.append(f"optional: {step.optional_why}" if step.optional_why else "optional")
        run.ui.info(
            f"[{n}/{total}] {step.section} > {run.text(step)}"
            f"  ({run.rb.path}:{step.line})" + (f"  [{'; '.join(flags)}]" if flags else "")
        )
        for detail in step.details:
            run.ui.info(f"    - {run.fill(detail, step.line)}")
        for part in step.parts:
            run.ui.info(_dry_part(run, step, part))
    run.ui.info("dry run: nothing was executed and no record was written")
    return RunResult(0, None)


def _dry_part(run: RunContext, step: Step, part: Part) -> str:
    if part.kind == "instruction":
        key = step.instruction_id(part)
        bumps, automation = version_bumps(run, part)
        how = f"relbook can {automation}" if automation else "asked like a manual step"
        diff = "".join(b.diff(run.repo) for b in bumps)
        rows = [f"    ? {part.source}  ({run.rb.path}:{part.line}; {key}; {how})"]
        return "\n".join(rows + [f"      {row}" for row in diff.splitlines()])
    found = blocked_by(run, part)
    if found:
        _, token, how = found[0]
        return (
            f"    $ {run.masker.mask(part.source)}  [blocked: unfilled placeholder {token}, "
            f"give it with {how}]  ({run.rb.path}:{part.line})"
        )
    text = run.fill(part.source, part.line)
    marks = [
        m
        for m, hit in (
            ("remote", touches_remote(part.source)),
            ("destructive", is_destructive(part.source)),
        )
        if hit
    ]
    tag = f"  [{', '.join(marks)}]" if marks else ""
    return f"    $ {run.masker.mask(text)}{tag}  ({run.rb.path}:{part.line})"
