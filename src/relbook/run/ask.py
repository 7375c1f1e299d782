"""Run parameters that nothing gives (`<commit-sha>`, `__RELEASE_ISSUE__`, an unset
`$DEPLOY_TOKEN`): a resumed run takes them from its record; on a terminal the
operator is asked for each once, before the first step (a name that looks like a
secret is read without echo); otherwise the commands that need them stay blocked.
An answer is a parameter of the release like `-p NAME=VALUE`: in the record (a
secret masked there, and so asked again when the run resumes) and in the steps'
environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from relbook.model import Kind, Step
from relbook.params import Params, version_parts
from relbook.params.variables import guide_variables
from relbook.record.mask import MASK, SECRET_NAME
from relbook.run.flow import not_applicable
from relbook.run.plan import blocked_by

if TYPE_CHECKING:
    from relbook.record import State
    from relbook.run.context import RunContext


def recorded_inputs(run: RunContext, params: Params, state: State | None) -> dict[str, str]:
    """A resumed run takes the run parameters its release began with (not a masked one)."""
    if state is None:
        return {}
    names = {p.name for p in run.rb.placeholders}
    found = {
        name: str(value)
        for name, value in state.meta.get("params", {}).items()
        if name in names and name not in params.values and MASK not in str(value)
    }
    if found:
        give(run, params, found, "-p (recorded)")
    return found


def missing_inputs(run: RunContext, steps: list[Step], state: State | None) -> dict[str, str]:
    """Run parameters the planned steps still need: name -> `file:line: token`."""
    done = state.outcomes if state else {}
    out: dict[str, str] = {}
    for step in steps:
        if step.kind is not Kind.SHELL or (step.id in done and done[step.id].status.finished):
            continue
        if not_applicable(step, run.params):
            continue
        for part in step.commands:
            for line, token, how in blocked_by(run, part):
                name = how.removeprefix("-p ").removesuffix("=VALUE")
                out.setdefault(name, f"{run.rb.path}:{line}: {token}")
    return out


def ask_inputs(run: RunContext, missing: dict[str, str]) -> dict[str, str]:
    """Ask the operator on the terminal for each missing parameter, once."""
    ui = run.ui
    if not missing or not ui.interactive or run.opts.dry_run or not hasattr(ui, "text"):
        return {}
    out: dict[str, str] = {}
    for name, where in missing.items():
        prompt = f"{where} is a run parameter; value of {name} (empty: leave it blocked):"
        secret = bool(SECRET_NAME.search(name)) or name in run.opts.mask
        value = ui.secret(prompt) if secret and hasattr(ui, "secret") else ui.text(prompt)
        if value:
            out[name] = value
    return out


def give(run: RunContext, params: Params, values: dict[str, str], source: str) -> None:
    """Values for run parameters, as if given with -p (the guide's own variables too)."""
    for name, value in values.items():
        params.values[name] = value
        params.sources[name] = source
    shell = guide_variables(run.rb, {**version_parts(params.values.get("version")),
                                     **params.values})  # fmt: skip
    params.shell.update(shell)


def inputs(run: RunContext, params: Params, steps: list[Step], state: State | None) -> bool:
    """Fill what a run needs from its record and the operator (see the module); True
    when a value was added."""
    recorded = recorded_inputs(run, params, state)
    asked = ask_inputs(run, missing_inputs(run, steps, state))
    if asked:
        give(run, params, asked, "-p (asked)")
    return bool(recorded or asked)
