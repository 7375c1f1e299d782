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
        "timeline": timeline(steps, started, ended),
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
    from relbook.render import record_params

    params = record_params(record)
    where = {"path": rb.path, "line": step.line, "example": rb.example_version}
    try:
        if o.kind == "shell":
            return _commands(o.source), _commands(render_shell(step.body, params, **where))
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
        if r["missing"]:
            out.append(_dev(r, "added", "not in the current runbook"))
        elif r["contingency"]:
            out.append(_dev(r, "added", "from a contingency section (not the normal flow)"))
        if r["diff"]:
            out.append(_dev(r, "changed", "differs from the current runbook", r["diff"]))
    if unrun:
        out.append(_not_run(unrun))
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
    steps: list[dict[str, Any]], started: dt.datetime | None, ended: dt.datetime | None
) -> dict[str, Any]:
    """Geometry of the SVG timeline: one row per step, x = time since the run began."""
    starts = [r["start"] for r in steps if r["start"] is not None]
    known = [t for t in (started, *starts) if t is not None]
    t0 = min(known, key=_ts) if known else None
    ends = [_ts(r["start"]) + (r["o"].duration or 0) for r in steps if r["start"] is not None]
    if ended:
        ends.append(_ts(ended))
    span = max(max(ends, default=0) - (_ts(t0) if t0 else 0), 1.0)
    rows = [_bar(i, r, t0, span) for i, r in enumerate(steps)]
    return {
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
    from relbook.render import format_duration

    step = next((s for s in _TICK_STEPS if s >= span / 6), 3600 * (1 + int(span / 6 // 3600)))
    out = []
    for i in range(int(span / step + 1e-9) + 1):
        t = i * step
        label = "0" if i == 0 else f"{t:g} s" if t < 60 else format_duration(t)
        out.append({"x": round(LABEL_W + t / span * BAR_W, 1), "label": label})
    return out
