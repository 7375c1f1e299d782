"""The HTML report of a release record: summary, what went off-script, a timeline.

Everything here is data for `templates/report.html.j2` (autoescaped); the page
it renders is one self-contained file with inline CSS and SVG.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relbook.model import Outcome, Record, Runbook

FINISHED_OK = ("done", "already-done")
BAD = ("failed", "timeout", "interrupted")
# Timeline geometry (SVG user units); the SVG scales to the page width.
LABEL_W, BAR_W, RIGHT_W, ROW_H, TOP = 300, 700, 110, 24, 34


def parse_time(stamp: str | None) -> dt.datetime | None:
    """An ISO timestamp from a record, or None."""
    if not stamp:
        return None
    try:
        return dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return None


def report_context(record: Record, runbook_path: str | None = None) -> dict[str, Any]:
    """All the report shows, computed from the record (and the runbook as it is now)."""
    rb, runbook_note = _current_runbook(record, runbook_path)
    steps = [_step_row(n, o, record, rb) for n, o in enumerate(record.outcomes, 1)]
    started, ended = parse_time(record.meta.get("started")), parse_time(record.meta.get("ended"))
    counts = Counter(r["status"] for r in steps)
    return {
        "meta": record.meta,
        "params": record.params,
        "result": record.result or "running",
        "record_path": record.path,
        "title": record.meta.get("runbook", {}).get("title", "") or "Release",
        "steps": steps,
        "sections": _sections(steps),
        "counts": [(s, counts[s]) for s in _STATUS_ORDER if counts[s]],
        "total": len(steps),
        "elapsed": (ended - started).total_seconds() if started and ended else None,
        "off_script": _off_script(steps),
        "runbook_note": runbook_note,
        "timeline": timeline(steps, started, ended, record.meta.get("history", [])),
        "history": _sessions(record.meta.get("history", [])),
        "generated": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


_STATUS_ORDER = (
    "done",
    "already-done",
    "skipped",
    "not-applicable",
    "failed",
    "timeout",
    "interrupted",
    "running",
    "pending",
)


def _current_runbook(record: Record, path: str | None) -> tuple[Runbook | None, str]:
    """The runbook to compare with, and a sentence about how it relates to the record."""
    from relbook.errors import RelbookError
    from relbook.parse import read_runbook

    info = record.meta.get("runbook", {})
    path = path or info.get("path", "")
    if not path or not Path(path).is_file():
        return None, f"The runbook is not at {path or '(no path recorded)'}; steps not compared."
    try:
        rb = read_runbook(path)
    except RelbookError as e:
        return None, f"The runbook could not be read ({e}); steps not compared."
    if rb.sha256 == info.get("sha256"):
        return rb, f"The runbook {path} is unchanged since this release."
    return rb, f"The runbook {path} changed since this release; changed steps are listed."


def _step_row(n: int, o: Outcome, record: Record, rb: Runbook | None) -> dict[str, Any]:
    step = rb.step(o.step_id) if rb else None
    return {
        "n": n,
        "o": o,
        "id": o.step_id,
        "kind": o.kind,
        "text": o.text or o.step_id,
        "section": o.section,
        "status": o.status.value,
        "who": o.signer or o.operator,
        "start": parse_time(o.started),
        "instructions": list(o.extra.get("instructions", [])),
        "attempts": list(o.extra.get("attempts", [])),
        "path": record.meta.get("runbook", {}).get("path", ""),
        "missing": rb is not None and step is None,
        "contingency": bool(step and step.contingency),
        "diff": _diff(o, step, record, rb) if step is not None else None,
    }


def _diff(o: Outcome, step: Any, record: Record, rb: Runbook) -> list[str] | None:
    """How the step differs now from what the record ran (None when it does not)."""
    from relbook.run import step_hash

    if not o.source_hash or o.source_hash == step_hash(step):
        return None
    old, new = _comparable(o, step, record, rb)
    lines = list(difflib.unified_diff(old, new, "ran", "runbook now", lineterm="", n=1))
    return lines or ["(only comments or wording changed; the commands are the same)"]


def _comparable(o: Outcome, step: Any, record: Record, rb: Runbook) -> tuple[list[str], list[str]]:
    """Old and new lines to diff: commands for shell steps, the text for manual ones."""
    from relbook.errors import RelbookError
    from relbook.params import render_shell, render_text
    from relbook.params.told import told_text
    from relbook.render.common import record_params

    params = record_params(record)
    where = {"path": rb.path, "line": step.line, "example": rb.example_version}
    try:
        body = told_text(rb.placeholders, step.body, step.line + 1, params.known())
        if o.kind == "shell" and "script" in o.extra:  # the record shows the guide's commands
            return _commands(o.source), _commands(render_text(body, params, **where))
        if o.kind == "shell":  # a record from before: it shows the bash that ran
            return _commands(o.source), _commands(render_shell(body, params, **where))
        return [o.text], [render_text(step.text, params, **where)]
    except RelbookError:
        return [o.text], [step.text]


def _commands(source: str) -> list[str]:
    return [ln for ln in source.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]


def _sections(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in steps:
        if not out or out[-1]["title"] != row["section"]:
            out.append({"title": row["section"], "steps": []})
        out[-1]["steps"].append(row)
    return out


def _off_script(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps that did not go as the runbook says: skipped, failed, added, changed, not run."""
    out = []
    unrun = [r for r in steps if r["status"] in ("pending", "running")]
    for r in steps:
        o = r["o"]
        if r["status"] == "skipped":
            out.append(_dev(r, "skipped", o.reason or "no reason recorded"))
        elif r["status"] in BAD:
            code = f"exit {o.exit_code}" if o.exit_code is not None else r["status"]
            line = f", at line {o.failed_line}" if o.failed_line else ""
            out.append(
                _dev(r, r["status"], f"{code}{line}" + (f": {o.reason}" if o.reason else ""))
            )
        if len(r["attempts"]) > 1:
            out.append(_dev(r, "retried", _retried(r["attempts"], r["path"])))
        if r["missing"]:
            out.append(_dev(r, "added", "not in the current runbook"))
        elif r["contingency"]:
            out.append(_dev(r, "added", "from a contingency section (not the normal flow)"))
        if r["diff"]:
            out.append(_dev(r, "changed", "differs from the current runbook", r["diff"]))
    if unrun:
        out.append(_not_run(unrun))
    return out


def _retried(attempts: list[dict[str, Any]], path: str) -> str:
    """`needed 2 attempts: attempt 1: failed · exit 1 at ...: <its last output line>`."""
    from relbook.record.history import attempt_line, telling_line

    bits = []
    for a in attempts[:-1]:
        last = telling_line(a.get("output") or "")
        bits.append(attempt_line(a, path) + (f": {last}" if last else ""))
    return f"needed {len(attempts)} attempts: " + "; ".join(bits)


def _sessions(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's sessions with how long it stood still before each resume."""
    out = []
    for i, h in enumerate(history):
        gap = None
        if i and history[i - 1].get("ended"):
            a, b = parse_time(history[i - 1]["ended"]), parse_time(h.get("time"))
            gap = (b - a).total_seconds() if a and b else None
        out.append({**h, "gap": gap, "start": parse_time(h.get("time"))})
    return out


def _not_run(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry for all the steps the run has not reached (yet)."""
    first = rows[0]
    if len(rows) == 1:
        return _dev(first, "not run", "the run stopped before this step")
    detail = f"{len(rows)} steps the run stopped before: {_ranges([r['n'] for r in rows])}"
    return _dev(first, "not run", detail)


def _ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> "3–5, 9"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in spans)


def _dev(row: dict[str, Any], kind: str, detail: str, diff: list[str] | None = None) -> dict:
    return {"n": row["n"], "text": row["text"], "kind": kind, "detail": detail, "diff": diff}


def timeline(
    steps: list[dict[str, Any]],
    started: dt.datetime | None,
    ended: dt.datetime | None,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Geometry of the SVG timeline: one row per step, x = time since the run began;
    earlier attempts as bars of their own, stops and resumes as marks across it."""
    starts = [r["start"] for r in steps if r["start"] is not None]
    known = [t for t in (started, *starts) if t is not None]
    t0 = min(known, key=_ts) if known else None
    ends = [_ts(r["start"]) + (r["o"].duration or 0) for r in steps if r["start"] is not None]
    if ended:
        ends.append(_ts(ended))
    span = max(max(ends, default=0) - (_ts(t0) if t0 else 0), 1.0)
    rows = [_bar(i, r, t0, span) for i, r in enumerate(steps)]
    for row, step in zip(rows, steps, strict=True):
        row["attempts"] = _attempt_bars(step["attempts"][:-1], row["y"], t0, span)
    marks = _marks(history or [], t0, span)
    return {
        "marks": marks,
        "width": LABEL_W + BAR_W + RIGHT_W,
        "height": TOP + ROW_H * len(steps) + 10,
        "label_w": LABEL_W,
        "bar_w": BAR_W,
        "top": TOP,
        "row_h": ROW_H,
        "rows": rows,
        "ticks": _ticks(span),
        "span": span,
    }


def _x(t: dt.datetime | None, t0: dt.datetime | None, span: float) -> float | None:
    if t is None or t0 is None:
        return None
    return round(min(LABEL_W + (_ts(t) - _ts(t0)) / span * BAR_W, LABEL_W + BAR_W - 4), 1)


def _attempt_bars(
    attempts: list[dict[str, Any]], y: int, t0: dt.datetime | None, span: float
) -> list[dict[str, Any]]:
    """Bars for a step's attempts before its last: where they ran and how they ended."""
    from relbook.record.history import attempt_line

    out = []
    for a in attempts:
        x = _x(parse_time(a.get("started")), t0, span)
        if x is None:
            continue
        w = float(a.get("duration") or 0) / span * BAR_W
        out.append(
            {"x": x, "y": y, "w": round(max(w, 4.0), 1), "status": _css(a), "tip": attempt_line(a)}
        )
    return out


def _css(a: dict[str, Any]) -> str:
    status = a.get("status", "")
    return {"killed": "interrupted", "declined": "pending", "paused": "pending"}.get(status, status)


def _marks(
    history: list[dict[str, Any]], t0: dt.datetime | None, span: float
) -> list[dict[str, Any]]:
    """Vertical marks: where a session stopped (failed, paused, killed) and where one resumed."""
    from relbook.render.common import format_duration

    out = []
    for i, h in enumerate(history):
        if h.get("event") == "resume":
            gap = ""
            prev = history[i - 1] if i else {}
            a, b = parse_time(prev.get("ended")), parse_time(h.get("time"))
            if a and b:
                gap = f" after {format_duration((b - a).total_seconds())}"
            x = _x(parse_time(h.get("time")), t0, span)
            who = f" by {h['operator']}" if h.get("operator") else ""
            if x is not None:
                out.append({"x": x, "label": "resumed", "tip": f"resumed{who}{gap}"})
        stopped = h.get("stopped", "")
        if stopped and stopped != "done" and h.get("ended"):
            x = _x(parse_time(h.get("ended")), t0, span)
            if x is not None:
                out.append({"x": x, "label": stopped, "tip": f"run stopped: {stopped}"})
    return out


def _ts(t: dt.datetime | None) -> float:
    return t.timestamp() if t else 0.0


def _bar(i: int, row: dict[str, Any], t0: dt.datetime | None, span: float) -> dict[str, Any]:
    o = row["o"]
    y = TOP + i * ROW_H
    label = f"{row['n']}. {row['text']}"
    if row["start"] is None or t0 is None:
        return {"y": y, "label": _clip(label), "full": label, "status": row["status"], "x": None}
    x = LABEL_W + (_ts(row["start"]) - _ts(t0)) / span * BAR_W
    w = (o.duration or 0) / span * BAR_W
    return {
        "y": y,
        "x": round(min(x, LABEL_W + BAR_W - 4), 1),
        "w": round(max(w, 4.0), 1),
        "point": row["kind"] != "shell" and (o.duration or 0) < 1,
        "label": _clip(label),
        "full": label,
        "status": row["status"],
        "duration": o.duration,
    }


def _clip(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def _ticks(span: float) -> list[dict[str, Any]]:
    """Time labels at round intervals (seconds, minutes, hours) along the top."""
    from relbook.render.common import format_duration

    step = next((s for s in _TICK_STEPS if s >= span / 6), 3600 * (1 + int(span / 6 // 3600)))
    out = []
    for i in range(int(span / step + 1e-9) + 1):
        t = i * step
        label = "0" if i == 0 else f"{t:g} s" if t < 60 else format_duration(t)
        out.append({"x": round(LABEL_W + t / span * BAR_W, 1), "label": label})
    return out
