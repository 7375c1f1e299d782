"""What a run would do with each step, decided once for the dry run, its JSON plan and
the run itself: planned, not applicable, blocked (a placeholder nothing fills) or skipped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relbook.bash.effects import is_destructive, touches_remote
from relbook.model import Kind, Part, Step
from relbook.params.told import index_of, told_at, told_form
from relbook.run.choices import optional_reason, plan_reason
from relbook.run.flow import not_applicable

if TYPE_CHECKING:
    from relbook.run.context import RunContext as Runner

SCHEMA = "relbook.plan/1"


def blocked_by(runner: Runner, part: Part) -> list[tuple[int, str, str]]:
    """Placeholders left unfilled in a command: (line, token, how to give it)."""
    from relbook.params import unfilled

    rb, params = runner.rb, runner.params
    known = params.known()
    index = index_of(rb.placeholders)
    told = told_at(index, part.line, part.source)
    source = told_form(part.source, part.line, index, known) if told else part.source
    named = {(p.line, p.literal) for p in told}  # the prose says what these are
    out = []
    for t in unfilled(source, rb.example_version, known):
        line = part.line + source.count("\n", 0, t.start)
        if (line, t.text) not in named:
            out.append((line, t.shown, t.how))
    out += [(p.line, p.literal, f"-p {p.name}=VALUE") for p in told
            if p.means == "input" and p.name not in known]  # fmt: skip
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


def version_bumps(run: Runner, part: Part) -> tuple[list[Any], str]:
    """The version files an instruction about versions can bump, and how to say so."""
    from relbook.params.bump import about_versions, describe, plan_bump

    if not about_versions(part.source) or not run.git_repo():
        return [], ""

    values = run.params.values
    bumps = plan_bump(
        run.repo, values["version"], run.rb.front_matter, values.get("previous_version")
    )
    return bumps, f"bump {describe(bumps, run.repo)}" if bumps else ""


def risk(source: str) -> str:
    """remote, destructive, both or "" for one command."""
    marks = [m for m, hit in (("remote", touches_remote(source)), ("destructive",
             is_destructive(source))) if hit]  # fmt: skip
    return ",".join(marks)


def command_plan(runner: Runner, step: Step, part: Part, status: str, reason: str) -> dict:
    """One command of the plan, filled in as it would run (or as written when blocked)."""
    found = blocked_by(runner, part)
    extra: dict[str, str] = {}
    if found:
        line, token, how = found[0]
        status, reason = "blocked", blocked_message(runner.rb.path, line, token, how)
        try:  # the values known filled in, the placeholders left as written
            text = runner.fill(part.source, part.line)
        except Exception:
            text = part.source
        extra = {"placeholder": token, "give_with": how, "written": runner.masker.mask(part.source)}
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
        **extra,
    }


def instruction_plan(runner: Runner, key: str, part: Part, planned: bool) -> dict[str, Any]:
    """An instruction inside a block: asked like a manual step, or automated (a version
    bump, shown as its diff) when its step is in the run."""
    bumps, automation = version_bumps(runner, part) if planned else ([], "")
    return {
        "id": key,
        "line": part.line,
        "text": runner.masker.mask(part.source),
        "automation": automation,
        "diff": "".join(b.diff(runner.repo) for b in bumps),
    }


def step_plan(runner: Runner, step: Step, planned: bool) -> dict[str, Any]:
    """One step of the plan with its status, reason and commands."""
    status, reason, way = "planned", "", ""
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
        why = not_applicable(step, runner.params)
        if why:
            status, reason = "not-applicable", why
        else:
            chose, reason = plan_reason(runner, step)
            status = chose or status
            way = "" if chose else reason
    commands = [
        command_plan(runner, step, p, status, reason) for p in step.parts if p.kind == "command"
    ]
    if status == "planned":
        block = next((c for c in commands if c["status"] == "blocked"), None)
        if block:
            status, reason = "blocked", block["reason"]
        elif not reason:
            reason = optional_reason(step)
    return {
        "id": step.id,
        "kind": step.kind.value,
        "text": runner.text(step),
        "line": step.line,
        "section": step.section,
        "contingency": step.contingency,
        "optional": step.optional,
        "optional_why": step.optional_why,
        "details": [runner.masker.mask(runner.fill(d, step.line)) for d in step.details]
        if planned
        else [],
        "applies_to": step.applies_to,
        "applies_from": step.applies_from,
        "choice": step.choice,
        "option": step.option,
        "way": way,
        "status": status,
        "reason": reason,
        "commands": commands,
        "instructions": [
            instruction_plan(runner, key, p, planned) for key, p in step.instructions()
        ],
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
