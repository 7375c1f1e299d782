"""Which steps a run executes, a step's fingerprint, who is running it, what applies."""

from __future__ import annotations

import hashlib
import os

from relbook.errors import RelbookError
from relbook.model import Runbook, Step
from relbook.params import Params


def plan_steps(rb: Runbook, section: str = "", from_step: str = "") -> list[Step]:
    """The steps a run executes: the normal flow, or one named section."""
    if section:
        steps = list(rb.section_steps(section))
        if not steps:
            titles = sorted({s.section for s in rb.steps if s.section})
            raise RelbookError(
                f"no section {section!r} with steps in {rb.path}; sections with "
                f"steps: {', '.join(titles)}"
            )
    else:
        from relbook.run.safety import require_flow

        require_flow(rb)
        steps = list(rb.flow())
    if from_step:
        idx = _find_step(steps, from_step)
        steps = steps[idx:]
    return steps


def _find_step(steps: list[Step], key: str) -> int:
    for i, s in enumerate(steps):
        if key in (s.id, str(i + 1)) or key.casefold() == s.text.casefold():
            return i
    raise RelbookError(f"--from {key!r}: no such step (use a step id from `relbook parse`)")


def step_hash(step: Step) -> str:
    """Fingerprint of what a step says and runs (detects edits between runs)."""
    body = "\0".join([step.kind.value, step.text, step.body])
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def operator_name(given: str, repo: str | None) -> str:
    """--operator, else git user.name, else the login name."""
    if given:
        return given
    from relbook.params.gitfacts import user_name

    name = user_name(repo)
    if name:
        return name
    try:
        return os.getlogin()
    except OSError:
        import getpass

        return getpass.getuser()


def not_applicable(step: Step, params: Params) -> str:
    """Why a step for one kind of release does not apply to this one ("" when it does)."""
    kind = step.applies_to
    if not kind:
        return ""
    p = params.values
    actual = {
        "major": p["bump"],
        "minor": p["bump"],
        "patch": p["bump"],
        "hotfix": p["release_type"],
        "prerelease": p["release_type"],
    }[kind]
    if actual == kind:
        return ""
    label = p["bump"] if kind in ("major", "minor", "patch") else p["release_type"]
    return f"applies to {kind} releases; {p['version']} is a {label} release"
