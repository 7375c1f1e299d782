"""Every override in one list (record.overrides): begin-time, later, and each say-so."""

from __future__ import annotations

from relbook.model import Outcome, Status
from relbook.record import replay
from relbook.record.overrides import all_overrides, override_event


def _outcome(step_id: str, **extra: object) -> Outcome:
    return Outcome(step_id=step_id, kind="shell", status=Status.DONE, extra=dict(extra))


def test_overrides_in_order_begin_later_then_steps_in_plan_order():
    meta = {
        "runbook": {"path": "g.md"},
        "overrides": [{"what": "--allow-dirty", "why": "uncommitted changes"}],
    }
    events = [
        {"event": "begin", "meta": meta, "plan": ["a", "b"]},
        override_event("--allow-changed", "steps edited: g.md:5 a", "t"),
    ]
    state = replay(events)
    outcomes = {
        "b": _outcome("b", say_so={"by": "--yes", "lines": [9], "who": "ann"}),
        "a": _outcome(
            "a",
            say_so={"by": "answers", "lines": [3, 4]},
            undo_allowed=[{"line": 4, "command": "git tag -d v1"}],
        ),
    }
    got = [(o["what"], o["why"]) for o in all_overrides(state.meta, state.plan, outcomes)]
    assert got == [
        ("--allow-dirty", "uncommitted changes"),
        ("--allow-changed", "steps edited: g.md:5 a"),
        ("an answers-file answer: a", "ran remote or destructive commands (g.md:3, g.md:4)"),
        ("undo answered: `git tag -d v1`", "deletes or overwrites a ref this run made (g.md:4)"),
        ("--yes: b", "ran remote or destructive commands (g.md:9) by ann"),
    ]
    assert events[0]["meta"]["overrides"] == meta["overrides"]  # the begin event untouched
