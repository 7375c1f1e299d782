"""A record's state rebuilt from its journal events, and outcomes as plain JSON data."""

from __future__ import annotations

import json
from typing import Any

from relbook.datatype import datatype, field, fields
from relbook.model import Outcome, Status

_OUTCOME_FIELDS = fields(Outcome)


@datatype
class State:
    """A record's state rebuilt from its journal."""

    meta: dict[str, Any]
    plan: list[str]
    outcomes: dict[str, Outcome]
    # steps started (or queued: engines.window) and never ended: interrupted by a crash
    running: list[str]
    result: str
    events: list[dict[str, Any]]
    signatures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Running:
    """Which steps a journal shows running: started (or queued and released) and not yet
    ended. A queued step (engines.window) is released -- it may run -- only once the step
    handed over before it is journaled done; one that was not has never run."""

    def __init__(self) -> None:
        self.steps: dict[str, str] = {}  # step id -> when it started (or was queued)
        self.queued: dict[str, str] = {}  # queued, not released yet: it has not run
        self.after: dict[str, str] = {}  # step id -> the queued step handed over after it
        self.handed: set[str] = set()  # the steps queued since the run began or resumed
        self.last = ""  # the step handed over last

    def take(self, e: dict[str, Any]) -> None:
        """Follow one journal event."""
        kind = e.get("event")
        if kind == "start":
            step = e["step"]
            self.steps[step] = e.get("time", "")
            self.queued.pop(step, None)
            if step not in self.handed:
                self.last = step  # handed over now (not queued)
        elif kind == "queue":
            for step in e.get("steps", ()):
                self.queued[step] = e.get("time", "")
                self.handed.add(step)
                self.after[self.last] = step
                self.last = step
        elif kind == "unqueue":
            for step in e.get("steps", ()):
                self.queued.pop(step, None)
                self.steps.pop(step, None)
        elif kind == "outcome":
            o = e["outcome"]
            step = o.get("step_id", "")
            self.steps.pop(step, None)
            self.queued.pop(step, None)
            nxt = self.after.pop(step, "")
            if o.get("status") == "done" and nxt in self.queued:  # released: it may run
                self.steps[nxt] = self.queued.pop(nxt)
        elif kind in ("begin", "resume"):  # what was queued and never released: never run
            self.queued.clear()
            self.after.clear()
            self.handed.clear()
            self.last = ""


def replay(events: list[dict[str, Any]]) -> State:
    """Rebuild the state of a record from its journal events."""
    meta: dict[str, Any] = {}
    plan: list[str] = []
    outcomes: dict[str, Outcome] = {}
    running = Running()
    signatures: dict[str, list[dict[str, Any]]] = {}  # step id -> its `signature` events
    result = "running"
    for e in events:
        kind = e.get("event")
        running.take(e)
        if kind == "begin":
            meta = dict(e.get("meta", {}))
            plan = list(e.get("plan", []))
            result = "running"
        elif kind == "plan-add":
            plan += [s for s in e.get("steps", []) if s not in plan]
        elif kind == "outcome":
            outcome = outcome_from_dict(e["outcome"])
            outcomes[outcome.step_id] = outcome
        elif kind == "finish":
            result = finished(meta, e)
        elif kind == "resume":
            result = "running"
            meta.setdefault("resumes", []).append(e.get("time", ""))
        elif kind == "override":  # given after the release began (see record.overrides)
            later = {k: e.get(k, "") for k in ("what", "why", "time")}
            meta["later_overrides"] = [*meta.get("later_overrides", []), later]
        elif kind == "signature":  # a sign-off signed (run.signoff, relbook sign)
            signatures.setdefault(str(e.get("step", "")), []).append(e)
    return State(
        meta,
        plan,
        outcomes,
        [s for s in running.steps if s not in outcomes or not outcomes[s].status.finished],
        result,
        events,
        signatures,
    )


def still_running(events: list[dict[str, Any]], outcomes: dict[str, Outcome]) -> list[str]:
    """Steps started (or queued) and never given a finished outcome (as replay counts
    them)."""
    started = Running()
    for e in events:
        started.take(e)
    return [s for s in started.steps if s not in outcomes or not outcomes[s].status.finished]


def finished(meta: dict[str, Any], event: dict[str, Any]) -> str:
    """Apply a `finish` event to a record's metadata; returns the run's result."""
    meta["ended"] = event.get("time", "")
    meta.update(event.get("meta", {}))
    return event.get("result", "")


_NAMES = tuple(f.name for f in _OUTCOME_FIELDS)


def outcome_to_dict(o: Outcome) -> dict[str, Any]:
    """An Outcome as plain JSON data."""
    fields = o.__dict__
    d = {name: fields[name] for name in _NAMES}
    d["status"] = o.status.value
    d["simulated"] = list(o.simulated)
    d["extra"] = json_copy(o.extra) if o.extra else {}  # a copy, as JSON keeps it
    return d


_SCALARS = frozenset((str, int, float, bool, type(None)))


def json_copy(value: Any) -> Any:
    """What `json.loads(json.dumps(value))` gives (a deep copy: tuples as lists, keys
    as text), without the text in between; what plain JSON types do not hold goes
    the long way (and fails the same way)."""
    kind = type(value)
    if kind is dict:
        if all(type(k) is str for k in value):
            return {k: json_copy(v) for k, v in value.items()}
    elif kind is list or kind is tuple:
        return [json_copy(v) for v in value]
    elif kind in _SCALARS and (kind is not float or value - value == 0):  # NaN, inf: text
        return value
    return json.loads(json.dumps(value))


def outcome_from_dict(d: dict[str, Any]) -> Outcome:
    """Inverse of outcome_to_dict (unknown keys are ignored)."""
    names = {f.name for f in _OUTCOME_FIELDS}
    kw = {k: v for k, v in d.items() if k in names}
    kw["status"] = Status(kw.get("status", "pending"))
    return Outcome(**kw)
