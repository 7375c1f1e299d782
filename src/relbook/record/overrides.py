"""Every override a run was given, in one list for the record's summary and the report's
header: what the run began with (a blackout override, a dirty tree, a date not today, a
version check let through), what a resume was told (--allow-changed), and the say-so that
ran remote or destructive commands (--yes, an answers file, a terminal `y`, an answer for
a command that undoes what the run made). Never a quiet bypass."""

from __future__ import annotations

from typing import Any

from relbook.model import Outcome

_SAY_SO = {
    "--yes": "--yes",
    "answers": "an answers-file answer",
    "terminal": "a `y` at the terminal",
}


def override_event(what: str, why: str, time: str) -> dict[str, Any]:
    """The journal event of an override given after the release began."""
    return {"event": "override", "what": what, "why": why, "time": time}


def say_so_override(o: Outcome, path: str) -> dict[str, str] | None:
    """The say-so that let a step run remote or destructive commands, as an override."""
    say = o.extra.get("say_so")
    if not isinstance(say, dict):
        return None
    lines = ", ".join(f"{path}:{n}" for n in say.get("lines", []))
    by = _SAY_SO.get(str(say.get("by", "")), str(say.get("by", "")))
    who = f" by {say['who']}" if say.get("who") else ""
    return {
        "what": f"{by}: {o.step_id}",
        "why": f"ran remote or destructive commands ({lines}){who}",
        "kind": "say-so",
    }


def undo_overrides(o: Outcome, path: str) -> list[dict[str, str]]:
    """Commands that undo what the run made, run because someone answered for them."""
    return [
        {
            "what": f"undo answered: `{u.get('command', '')}`",
            "why": f"deletes or overwrites a ref this run made ({path}:{u.get('line', 0)})",
            "kind": "undo",
        }
        for u in o.extra.get("undo_allowed", [])
        if isinstance(u, dict)
    ]


def all_overrides(
    meta: dict[str, Any], plan: list[str], outcomes: dict[str, Outcome]
) -> list[dict[str, str]]:
    """The begin-time overrides, then the later ones, then each step's say-so in order."""
    path = meta.get("runbook", {}).get("path", "")
    out = [dict(o) for o in meta.get("overrides", []) if isinstance(o, dict)]
    out += [dict(o) for o in meta.get("later_overrides", []) if isinstance(o, dict)]
    for step_id in plan:
        o = outcomes.get(step_id)
        if o is None:
            continue
        said = say_so_override(o, path)
        out += ([said] if said else []) + undo_overrides(o, path)
    return out
