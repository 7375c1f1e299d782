"""Fault kinds and how a drill injects each into its sandbox: a registry (kind ->
injector) that a new kind joins with one entry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from relbook.drill.sandbox import Sandbox
from relbook.drill.scenario import Fault


class Target(Protocol):
    """What an injector changes: the sandbox, the shims' rules, the pass's answers."""

    box: Sandbox
    rules: list[dict[str, Any]]
    answers: dict[str, Any]


def _command_fault(drill: Target, fault: Fault) -> None:
    """A command of the step fails (or is slow): the sandbox's shims follow a rule."""
    if fault.command:
        drill.rules.append(_rule(fault))
    elif fault.kind == "slow":  # no command named: the step itself starts late
        time.sleep(fault.seconds)


def _push_rejected(drill: Target, fault: Fault) -> None:
    drill.box.reject_pushes(_ref_patterns(fault.ref), fault.message or "push rejected")


def _manual_fail(drill: Target, fault: Fault) -> None:
    drill.answers[fault.at] = {"status": "fail", "reason": fault.reason or "answered fail"}


# fault kind -> how the drill injects it into the sandbox (tabletop drills only tell)
FAULTS: dict[str, Callable[[Target, Fault], None]] = {
    "command-fails": _command_fault,
    "slow": _command_fault,
    "push-rejected": _push_rejected,
    "tag-exists": lambda drill, fault: make_tag(drill.box, fault),
    "manual-fail": _manual_fail,
}


def make_tag(box: Sandbox, fault: Fault) -> None:
    """The tag exists already, put there by someone else (on origin, locally or both)."""
    ident = ["-c", "user.name=relbook drill", "-c", "user.email=drill@relbook.invalid"]
    for where in ("origin", "local") if fault.where == "both" else (fault.where,):
        if f"refs/tags/{fault.tag}" in box.refs(where):
            continue
        box.git(*ident, "tag", "-a", fault.tag, "-m", "Tagged by someone else", "HEAD", where=where)


def _rule(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "command": list(fault.command),
        "status": fault.status if fault.kind == "command-fails" else 0,
        "stderr": fault.stderr,
        "stdout": fault.stdout,
        "times": fault.times,
        "sleep": fault.seconds,
    }


def _ref_patterns(ref: str) -> list[str]:
    if ref in ("", "*") or ref.startswith("refs/"):
        return [ref or "*"]
    return [f"refs/heads/{ref}", f"refs/tags/{ref}"]
