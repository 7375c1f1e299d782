"""The drill scorecard: Markdown that reads as plain text on a terminal too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relbook.model import Outcome, Status

if TYPE_CHECKING:
    from relbook.drill.data import Check, DrillReport, Flow

_PASSED = (Status.DONE, Status.ALREADY_DONE)
_MARK = {True: "[ok]  ", False: "[FAIL]", None: "[n/a] "}
_EXPLAINED = ("detected_at", "response", "called", "file")


def verdict(report: DrillReport) -> str:
    """One line: did the drill go as the scenario expects."""
    if report.paused:
        return "WAITING: the drill stopped for an answer nobody gave"
    failed = [c for c in report.checks if c.held is False]
    if failed:
        return f"FAILED: {len(failed)} of {len(report.checks)} expectations did not hold"
    return "PASSED: the drill went as the scenario expects"


def render_scorecard(report: DrillReport) -> str:
    """The scorecard as Markdown."""
    s = report.scenario
    lines = [
        f"# DRILL scorecard: {report.rb.title} {report.version} ({s.name})",
        "",
        f"**{verdict(report)}**",
        "",
        f"- Scenario: {s.name}" + (f" — {s.title}" if s.title else "") + f" (`{s.path}`)",
        f"- Mode: {_mode(report)}",
        f"- Network: {report.network or 'not recorded'}",
        *([f"- Sign-offs: {report.signoffs}"] if report.signoffs else []),
        f"- Runbook: `{report.rb.path}`",
        f"- Total time: {report.total:.1f} s",
        f"- Record: `{report.record}`",
    ]
    if report.sandbox:
        lines.append(f"- Sandbox kept at `{report.sandbox}`")
    lines += ["", "## Steps", ""]
    lines += _flow_lines("Release flow", report.main)
    if report.response.outcomes:
        lines += _flow_lines(f"Response: {report.response.section}", report.response)
    lines += ["", "## Fault and detection", ""] + _fault_lines(report)
    lines += ["", "## Response", "", _response_line(report)]
    held = sum(1 for c in report.checks if c.held)
    lines += ["", f"## Expectations ({held} of {len(report.checks)} held)", ""]
    lines += [_check_line(c) for c in report.checks] or ["- none"]
    lines += ["", "## Simulated commands", ""] + _simulated_lines(report)
    lines += ["", f"## Manual steps with no automation yet ({len(report.manual)})", ""]
    lines += [f"- {sid}: {text} (`{report.rb.path}:{line}`)" for sid, text, line in report.manual]
    if report.paused:
        lines += ["", "## Waiting", "", report.paused]
    return "\n".join(lines) + "\n"


def _mode(report: DrillReport) -> str:
    where = f"a clone of `{report.source}`" if report.source else "a generated demo repository"
    if report.mode == "tabletop":
        return f"tabletop: nothing executed; parameters from {where}"
    return f"sandbox run in {where}, origin re-pointed to a bare repository in the sandbox"


def _counts(outcomes: list[Outcome]) -> str:
    passed = sum(1 for o in outcomes if o.status in _PASSED)
    failed = sum(1 for o in outcomes if o.status in (Status.FAILED, Status.TIMEOUT))
    other = len(outcomes) - passed - failed
    return f"{passed} passed, {failed} failed" + (f", {other} other" if other else "")


def _flow_lines(title: str, flow: Flow) -> list[str]:
    lines = [f"{title}: {_counts(flow.outcomes)} (ended {flow.result})", ""]
    for o in flow.outcomes:
        mark = "ok" if o.status in _PASSED else o.status.value.upper()
        sim = f" [simulated: {', '.join(o.simulated)}]" if o.simulated else ""
        why = f" — {o.reason}" if o.reason and o.status not in _PASSED else ""
        lines.append(f"- {mark} {o.duration:.1f}s {o.step_id}: {o.text}{why}{sim}")
    return lines + [""]


def _fault_lines(report: DrillReport) -> list[str]:
    lines = []
    for i in report.injected:
        lines.append(
            f"- Injected `{i.fault.id}` ({i.fault.kind}) at {i.step}, {i.elapsed:.1f} s in: "
            f"{i.fault.describe()}"
        )
        if i.response:
            lines.append(f"  - Participants: {i.response}")
    if not report.injected:
        lines.append(
            "- No fault injected"
            + (" (none in this scenario)" if not report.scenario.faults else "")
        )
    d = report.detection
    if d:
        after = (
            f", {d.after_fault:.1f} s after the fault"
            if d.after_fault is not None
            else (" (before any fault: a real problem in the runbook or repository)")
        )
        lines.append(
            f"- Detected at {d.step} (`{report.rb.path}:{d.line}`, {d.status}) "
            f"{d.elapsed:.1f} s into the drill{after}"
        )
    elif report.injected:
        lines.append("- Not detected: no step failed after the fault")
    return lines


def _response_line(report: DrillReport) -> str:
    r, expected = report.response, report.scenario.response
    chosen = next((i.section for i in report.injected if i.section), "")
    head = f"- Expected: {expected or 'none'}"
    if report.mode == "tabletop":
        head += f"; participants chose: {chosen or 'none'}"
    if r.outcomes:
        state = "succeeded" if r.result == "done" else f"did not succeed ({r.result})"
        return f"{head}\n- Ran {r.section}: {state}, {_counts(r.outcomes)}"
    return f"{head}\n- No response section ran"


def _check_line(c: Check) -> str:
    e = c.expectation
    where = " (implied)" if c.implicit else f" (scenario line {e.line})"
    text = f"- {_MARK[c.held]} {e.describe()}"
    if c.held is not True or e.kind in _EXPLAINED:
        text += f": {c.why}"
    if e.opts.get("why"):
        text += f"; why it matters: {e.opts['why']}"
    return text + where


def _simulated_lines(report: DrillReport) -> list[str]:
    if report.mode == "tabletop":
        return ["- everything: a tabletop drill executes nothing"]
    ran = [o for o in report.main.outcomes + report.response.outcomes if o.simulated]
    if ran:
        return [f"- {o.step_id}: {', '.join(o.simulated)}" for o in ran]
    if report.simulated_steps:
        return [
            f"- {sid} would simulate: {', '.join(names)} (not reached)"
            for sid, names in report.simulated_steps.items()
        ]
    return ["- none: every command in this runbook runs for real in the sandbox"]


def scorecard_data(report: DrillReport) -> dict[str, Any]:
    """The scorecard's facts as JSON-ready data (kept in the record's metadata)."""
    d = report.detection
    return {
        "scenario": report.scenario.name,
        "mode": report.mode,
        "verdict": verdict(report),
        "passed": report.code == 0,
        "total_seconds": round(report.total, 2),
        "main": {"result": report.main.result, "counts": _counts(report.main.outcomes)},
        "response": {"section": report.response.section, "result": report.response.result},
        "injected": [
            {
                "fault": i.fault.id,
                "kind": i.fault.kind,
                "step": i.step,
                "elapsed": round(i.elapsed, 2),
                "response": i.response,
                "section": i.section,
            }
            for i in report.injected
        ],
        "detected": None
        if d is None
        else {
            "step": d.step,
            "line": d.line,
            "status": d.status,
            "elapsed": round(d.elapsed, 2),
            "after_fault": None if d.after_fault is None else round(d.after_fault, 2),
        },
        "expectations": [
            {"expect": c.expectation.describe(), "held": c.held, "why": c.why}
            for c in report.checks
        ],
        "manual_without_automation": [sid for sid, _, _ in report.manual],
    }
