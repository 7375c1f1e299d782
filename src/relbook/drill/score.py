"""Scoring a drill: when the fault was detected, each expectation checked, what a person
still has to do by hand; the report the scorecard is written from."""

from __future__ import annotations

import time
from typing import Any

from relbook.drill.data import Check, Detection, DrillReport, Flow
from relbook.drill.outputs import scorecard_path
from relbook.drill.scenario import Expectation, Scenario
from relbook.model import Kind, Outcome, Status, Step


def drill_report(drill: Any, main: Flow, response: Flow) -> DrillReport:
    """What the drill found: detection, every expectation checked, the manual work left."""
    from relbook.drill.shims import simulated_commands

    detection = _detection(drill, main)
    checks = [_check(drill, e, main, response, detection) for e in drill.scenario.expect]
    checks += [
        _check(drill, e, main, response, detection, implicit=True)
        for e in _implicit(drill.scenario, drill.tabletop)
    ]
    planned = list(drill.rb.flow()) + (
        list(drill.rb.section_steps(response.section)) if response.outcomes else []
    )
    return DrillReport(
        rb=drill.rb,
        version=drill.version,
        scenario=drill.scenario,
        mode="tabletop" if drill.tabletop else "execute",
        network=drill.network,
        signoffs=drill.signer.note if any(s.kind is Kind.SIGNOFF for s in drill.rb.steps) else "",
        record=drill.paths.notebook,
        scorecard=scorecard_path(drill.paths),
        source=drill.box.source,
        sandbox=drill.box.root if drill.opts.keep else None,
        main=main,
        response=response,
        injected=drill.injected,
        detection=detection,
        checks=checks,
        total=time.monotonic() - drill.started,
        simulated_steps=simulated_commands(drill.rb),
        manual=_manual_without_automation(planned, main.outcomes + response.outcomes),
        paused=main.stopped
        if main.result == "paused"
        else response.stopped
        if response.result == "paused"
        else "",
    )


def _detection(drill: Any, main: Flow) -> Detection | None:
    failed = next((o for o in main.outcomes if o.status in (Status.FAILED, Status.TIMEOUT)), None)
    if failed is None:
        return None
    first = drill.injected[0] if drill.injected else None
    ended = (main.failed_at or time.monotonic()) - drill.started
    return Detection(
        step=failed.step_id,
        line=failed.failed_line or failed.line,
        status=failed.status.value,
        elapsed=ended,
        after_fault=(ended - first.elapsed) if first else None,
        fault=first.fault.id if first else "",
    )


def _check(
    drill: Any,
    e: Expectation,
    main: Flow,
    response: Flow,
    d: Detection | None,
    implicit: bool = False,
) -> Check:
    from relbook.drill.checks import check_expectation

    held, why = check_expectation(e, drill, main, response, d)
    return Check(e, held, why, implicit)


def _implicit(s: Scenario, tabletop: bool) -> list[Expectation]:
    kinds = {e.kind for e in s.expect}
    out = []
    if not s.faults:  # a happy path: the outcomes must be right, not just the exit status
        out += [Expectation(k, "", 0) for k in ("not_blocked", "no_contingency", "kept")]
    if not kinds & {"result", "detected_at"}:
        stopping = any(f.stops for f in s.faults)
        out.append(
            Expectation("detected_at", "*", 0) if stopping else Expectation("result", "done", 0)
        )
    if s.response and "response" not in kinds:
        out.append(Expectation("response", "succeeded", 0))
    return out


def _manual_without_automation(
    steps: list[Step], outcomes: list[Outcome]
) -> list[tuple[str, str, int]]:
    """Manual steps and in-block instructions that a person still has to do."""
    automated = {
        (o.step_id, i.get("line"))
        for o in outcomes
        for i in o.extra.get("instructions", [])
        if "automated" in str(i.get("note", ""))
    }
    out = []
    for s in steps:
        if s.kind in (Kind.MANUAL, Kind.SIGNOFF):
            out.append((s.id, s.text, s.line))
        for key, p in s.instructions():
            if (s.id, p.line) not in automated:
                out.append((key, p.source, p.line))
    return out
