"""What a run would do with each step, decided once for the dry run, its JSON plan and
the run itself: planned, not applicable, blocked (a placeholder nothing fills) or skipped."""

from __future__ import annotations

from typing import Any

from relbook.bash.effects import is_destructive, touches_remote
from relbook.model import Kind, Part, Step

Runner = Any  # relbook.run.Runner (not imported: the runner imports this module)

SCHEMA = "relbook.plan/1"


def blocked_by(runner: Runner, part: Part) -> list[tuple[int, str, str]]:
    """Placeholders left unfilled in a command: (line, token, how to give it)."""
    from relbook.params import unfilled

    rb, params = runner.rb, runner.params
    out = [
        (part.line + part.source.count("\n", 0, t.start), t.shown, t.how)
        for t in unfilled(part.source, rb.example_version, params.known())
    ]
    last = part.line + part.source.count("\n")
    env = runner.env
    for p in rb.placeholders:
        if p.kind == "variable" and part.line <= p.line <= last and p.name not in env:
            out.append((p.line, p.literal, f"-p {p.name}=VALUE"))
    return sorted(set(out))


def blocked_message(path: str, line: int, token: str, how: str) -> str:
    """The one line that says why a command does not run and how to let it."""
    return f"{path}:{line}: unfilled placeholder {token}: give it with {how}"


def step_block(runner: Runner, step: Step) -> str:
    """Why a shell step must not run (its first unfilled placeholder), or ""."""
    if step.kind is not Kind.SHELL:
        return ""
    for part in step.commands:
        found = blocked_by(runner, part)
        if found:
            line, token, how = found[0]
            return blocked_message(runner.rb.path, line, token, how)
    return ""


def risk(source: str) -> str:
    """remote, destructive, both or "" for one command."""
    marks = [m for m, hit in (("remote", touches_remote(source)), ("destructive",
             is_destructive(source))) if hit]  # fmt: skip
    return ",".join(marks)


def command_plan(runner: Runner, step: Step, part: Part, status: str, reason: str) -> dict:
    """One command of the plan, filled in as it would run (or as written when blocked)."""
    found = blocked_by(runner, part)
    if found:
        line, token, how = found[0]
        status, reason = "blocked", blocked_message(runner.rb.path, line, token, how)
        text = part.source
    else:
        try:
            text = runner.fill(part.source, part.line)
        except Exception as e:  # a value that is unknown: say so, never guess
            status, reason, text = "blocked", str(e), part.source
    return {
        "line": part.line,
        "text": runner.masker.mask(text),
        "risk": risk(part.source),
        "status": status,
        "reason": reason,
    }


def step_plan(runner: Runner, step: Step, planned: bool) -> dict[str, Any]:
    """One step of the plan with its status, reason and commands."""
    status, reason = "planned", ""
    if not planned:
        status = "skipped"
        reason = (
            "contingency: runs only with --section"
            if step.contingency
            else "skipped by directive"
            if step.skip
            else "not in this run (--section / --from)"
        )
    else:
        why = runner._not_applicable(step)
        if why:
            status, reason = "not-applicable", why
    commands = [
        command_plan(runner, step, p, status, reason) for p in step.parts if p.kind == "command"
    ]
    if status == "planned":
        block = next((c for c in commands if c["status"] == "blocked"), None)
        if block:
            status, reason = "blocked", block["reason"]
    return {
        "id": step.id,
        "kind": step.kind.value,
        "text": runner._text(step, runner.params),
        "line": step.line,
        "section": step.section,
        "contingency": step.contingency,
        "optional": step.optional,
        "applies_to": step.applies_to,
        "status": status,
        "reason": reason,
        "commands": commands,
    }


def plan_document(runner: Runner, steps: list[Step]) -> dict[str, Any]:
    """The dry run as a stable document (schema relbook.plan/1)."""
    from relbook.record.mask import SECRET_NAME

    wanted = {s.id for s in steps}
    params = runner.params
    env = {
        k: ("***" if SECRET_NAME.search(k) or k in runner.opts.mask else v)
        for k, v in sorted(params.env().items())
    }
    return {
        "schema": SCHEMA,
        "runbook": runner.rb.path,
        "version": params.values.get("version"),
        "env": env,
        "steps": [step_plan(runner, s, s.id in wanted) for s in runner.rb.steps],
    }


def dry_run(runner: Runner, steps: list[Step]) -> dict[str, Any] | None:
    """Show every step filled in (or return the plan document with --json)."""
    if runner.opts.json:
        return plan_document(runner, steps)
    total = len(steps)
    for n, step in enumerate(steps, 1):
        flags = []
        why = runner._not_applicable(step)
        if why:
            flags.append(f"not applicable: {why}")
        block = step_block(runner, step)
        if block and not why:
            flags.append(f"blocked: {block}")
        if step.optional:
            flags.append("optional")
        runner.ui.info(
            f"[{n}/{total}] {step.section} > {runner._text(step, runner.params)}"
            f"  ({runner.rb.path}:{step.line})" + (f"  [{'; '.join(flags)}]" if flags else "")
        )
        for detail in step.details:
            runner.ui.info(f"    - {runner.fill(detail, step.line)}")
        for part in step.parts:
            runner.ui.info(dry_part(runner, part))
    runner.ui.info("dry run: nothing was executed and no record was written")
    return None


def dry_part(runner: Runner, part: Part) -> str:
    """One part of a step as the dry run shows it."""
    if part.kind == "instruction":
        bumps, automation = runner._bumps(part)
        how = f"relbook can {automation}" if automation else "asked like a manual step"
        diff = "".join(b.diff(runner.repo) for b in bumps)
        rows = [f"    ? {part.source}  ({runner.rb.path}:{part.line}; {how})"]
        return "\n".join(rows + [f"      {row}" for row in diff.splitlines()])
    found = blocked_by(runner, part)
    if found:
        _, token, how = found[0]
        return (
            f"    $ {runner.masker.mask(part.source)}  [blocked: unfilled placeholder {token}, "
            f"give it with {how}]  ({runner.rb.path}:{part.line})"
        )
    text = runner.fill(part.source, part.line)
    marks = [
        m
        for m, hit in (
            ("remote", touches_remote(part.source)),
            ("destructive", is_destructive(part.source)),
        )
        if hit
    ]
    tag = f"  [{', '.join(marks)}]" if marks else ""
    return f"    $ {runner.masker.mask(text)}{tag}  ({runner.rb.path}:{part.line})"
