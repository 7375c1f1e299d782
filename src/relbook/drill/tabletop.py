"""Tabletop drills: the scenario's events told to the participants at their steps,
and their responses taken (the section they would run)."""

from __future__ import annotations

from typing import Any

from relbook.drill.data import Injection
from relbook.errors import Paused
from relbook.model import Runbook, Step, section_key


def tabletop_events(drill: Any, step: Step) -> dict[str, str] | None:
    """Tell the participants what happens at this step and take their response;
    the step's answer when an event stops the release there."""
    stop = None
    for injection in drill.injected:
        if injection.step == step.id and not injection.response:
            drill.ui.event(injection.fault.describe(), now=True)
            stop = _tabletop_event(drill, injection, step) or stop
    return stop


def _tabletop_event(drill: Any, injection: Injection, step: Step) -> dict[str, str] | None:
    fault = injection.fault
    raw = drill.answers.get(f"event:{fault.id}")
    if raw is None and drill.ui.interactive:
        raw = drill.ui.respond("What do you do?")
    if raw is None:
        raise Paused(
            f"{drill.rb.path}:{step.line}: drill event {fault.id!r} at {step.id} needs an "
            f"answer: on a terminal, or in the answers file as `event:{fault.id}: <what "
            "you do, naming the section you run>`"
        )
    text, section = _event_answer(raw)
    injection.response = text
    injection.section = section or section_named(drill.rb, text)
    if not injection.section and drill.ui.interactive and fault.stops:
        options = sorted({s.title for s in drill.rb.sections if s.contingency})
        injection.section = drill.ui.choose("Which section of the runbook do you run?", options)
    if fault.stops:
        note = f"response: {text}" + (f" (runs {injection.section})" if injection.section else "")
        return {"status": "fail", "reason": f"drill event: {fault.describe()}", "note": note}
    return None


def section_named(rb: Runbook, text: str) -> str:
    """The contingency section a participant's answer names, or \"\"."""
    folded = text.casefold()
    for s in rb.sections:
        if s.contingency and section_key(s.title) in folded:
            return s.title
    return ""


def _event_answer(raw: Any) -> tuple[str, str]:
    if isinstance(raw, dict):
        return str(raw.get("response", raw.get("note", ""))), str(raw.get("section", "") or "")
    return str(raw), ""
