"""Every attempt at every step, and the run's own history, rebuilt from the journal.

A step can be tried several times in one release: its push is rejected, the fix
is made, the run resumes and the push goes through. The journal keeps each try
(a `start` event, then an `outcome`, or nothing when relbook itself died); this
module turns those events into one list of attempts per step, in order, so the
notebook, the report, the checklist, the notes and the metrics can all show them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# How an attempt ended, as people read it.
ENDED = {
    "done": "done",
    "already-done": "already done",
    "skipped": "skipped",
    "not-applicable": "not applicable",
    "failed": "failed",
    "timeout": "timed out",
    "interrupted": "interrupted",
    "killed": "killed (relbook stopped while it ran)",
    "declined": "declined",
    "paused": "paused",
    "running": "running",
}
LOST = ("failed", "timeout", "interrupted", "killed")  # attempts that cost time for nothing
_OUTPUT_LINES = 12
_BLANK: dict[str, Any] = {
    "status": "running",
    "started": "",
    "ended": "",
    "duration": 0.0,
    "exit_code": None,
    "failed_line": 0,
    "line": 0,
    "by": "",
    "reason": "",
    "note": "",
    "output": "",
    "log": "",
    "log_bytes": None,
}


def attempt_history(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Step id -> its attempts in order (each a plain dict, see `_closed`)."""
    attempts: dict[str, list[dict[str, Any]]] = {}
    open_: dict[str, dict[str, Any]] = {}
    for e in events:
        kind = e.get("event")
        if kind == "start":
            _lose(open_, attempts, e.get("step", ""), {})
            open_[e["step"]] = {**_BLANK, "started": e.get("time", ""), "by": e.get("by", "")}
        elif kind == "attempt-lost":
            _lose(open_, attempts, e.get("step", ""), e)
        elif kind in ("begin", "resume"):
            for step in list(open_):
                _lose(open_, attempts, step, {"time": e.get("time", "")})
        elif kind == "outcome":
            o = e.get("outcome", {})
            step = o.get("step_id", "")
            opened = open_.pop(step, None)
            attempt = _closed(o, e.get("time", ""), opened)
            attempts.setdefault(step, []).append(attempt)
    for step, attempt in open_.items():
        attempts.setdefault(step, []).append(attempt)
    for items in attempts.values():
        for n, a in enumerate(items, 1):
            a["n"] = n
    return attempts


def _lose(
    open_: dict[str, dict[str, Any]],
    attempts: dict[str, list[dict[str, Any]]],
    step: str,
    e: dict[str, Any],
) -> None:
    """Close a step's open attempt as killed: relbook died while it ran."""
    a = open_.pop(step, None)
    if a is None:
        return
    ended = e.get("last_output", "")  # when it last printed: the latest it surely ran
    a.update(
        status="killed",
        ended=ended,
        duration=round(_between(a.get("started", ""), ended) or 0.0, 3),
        reason="relbook stopped (killed or crashed) while the step ran"
        + (f"; found by the run resumed at {e['time']}" if e.get("time") else ""),
        output=_tail(e.get("output", "")),
        log_bytes=e.get("log_bytes"),
    )
    attempts.setdefault(step, []).append(a)


def _closed(o: dict[str, Any], time: str, opened: dict[str, Any] | None) -> dict[str, Any]:
    status = o.get("status", "")
    extra = o.get("extra", {}) or {}
    if status == "pending":
        status = "declined" if extra.get("declined") else "paused"
    started = o.get("started", "") or (opened or {}).get("started", "")
    duration = float(o.get("duration") or 0.0)
    if time and not duration:
        duration = _between(started, time) or 0.0
    a: dict[str, Any] = {
        "status": status,
        "started": started,
        "ended": time or _plus(started, duration),
        "duration": round(duration, 3),
        "exit_code": o.get("exit_code"),
        "failed_line": o.get("failed_line", 0) or 0,
        "line": o.get("line", 0),
        "by": o.get("signer") or o.get("operator", ""),
        "reason": o.get("reason", "") or _pause_reason(extra),
        "note": o.get("note", ""),
        "output": _tail(o.get("output", "")) if status in LOST else "",
        "log": o.get("log", ""),
        "log_bytes": extra.get("log_bytes"),
    }
    if extra.get("already_done_lines"):
        a["already_done_lines"] = list(extra["already_done_lines"])
    return a


_TELLING = re.compile(r"error|fatal|denied|rejected|declined|refused|failed|not found", re.I)


def telling_line(output: str) -> str:
    """The line of an attempt's output that says why it failed: what the remote said
    (`remote: ...`), else the first error-looking line, else the last line."""
    lines = [ln.strip() for ln in (output or "").split("\n") if ln.strip()]
    remote = [ln for ln in lines if ln.startswith("remote:") and ln[7:].strip()]
    if remote:
        return " / ".join(remote[:3])
    return next((ln for ln in lines if _TELLING.search(ln)), lines[-1] if lines else "")


def _pause_reason(extra: dict[str, Any]) -> str:
    if extra.get("needs_say_so"):
        return f"not run: {extra['needs_say_so']}"
    if extra.get("needs_signature"):
        return "waiting for its signer's signature"
    waiting = extra.get("waiting_for")
    if waiting:
        return f"waiting for {waiting.get('key', '')}"
    return ""


def _tail(text: str) -> str:
    lines = (text or "").rstrip("\n").split("\n")
    return "\n".join(lines[-_OUTPUT_LINES:]) if text else ""


def _time(stamp: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def _between(a: str, b: str) -> float | None:
    ta, tb = _time(a), _time(b)
    return None if ta is None or tb is None else max(0.0, (tb - ta).total_seconds())


def _plus(stamp: str, seconds: float) -> str:
    t = _time(stamp)
    return (t + dt.timedelta(seconds=seconds)).isoformat() if t else ""


def run_history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's sessions: each begin/resume and how it stopped (finish result)."""
    out: list[dict[str, Any]] = []
    for e in events:
        kind = e.get("event")
        if kind in ("begin", "resume"):
            if out and "stopped" not in out[-1]:
                out[-1]["stopped"] = "killed"  # no finish: relbook died
            op = e.get("operator") or e.get("meta", {}).get("operator", "")
            out.append({"event": kind, "time": e.get("time", ""), "operator": op})
        elif kind == "finish" and out:
            out[-1]["stopped"] = e.get("result", "")
            out[-1]["ended"] = e.get("time", "")
    return out


def earlier(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attempts before the last one, the latest first."""
    return list(reversed(attempts[:-1]))


def failed_attempts(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attempts that ended failed, timed out, interrupted or killed."""
    return [a for a in attempts if a.get("status") in LOST]


def lost_time(attempts: list[dict[str, Any]]) -> float:
    """Seconds spent in attempts that did not finish the step."""
    return sum(float(a.get("duration") or 0.0) for a in failed_attempts(attempts))


def attempt_line(a: dict[str, Any], path: str = "") -> str:
    """One line about one attempt: `attempt 1: failed, exit 1 at guide.md:73, 2.1 s, ...`."""
    bits = [f"attempt {a.get('n', '?')}: {ENDED.get(a.get('status', ''), a.get('status', ''))}"]
    if a.get("exit_code") is not None and a.get("status") in LOST:
        bits.append(f"exit {a['exit_code']}")
    line = a.get("failed_line") or 0
    if line and a.get("status") in LOST:
        bits.append(f"at {path}:{line}" if path else f"at line {line}")
    if a.get("started"):
        bits.append(f"started {a['started']}")
    if a.get("duration"):
        bits.append(f"{float(a['duration']):.1f}s")
    if a.get("by"):
        bits.append(f"by {a['by']}")
    if a.get("reason"):
        bits.append(str(a["reason"]))
    return " · ".join(bits)


# -- the notebook's view of earlier attempts -----------------------------------


def earlier_markdown(tries: list[dict[str, Any]], path: str) -> str:
    """Markdown for the attempts before the last: collapsed, the latest first."""
    older = earlier(tries)
    if not older:
        return ""
    parts = [
        "",
        "",
        f"<details><summary>{len(older)} earlier attempt{'s' * (len(older) > 1)}: "
        + ", ".join(_short(a) for a in older)
        + "</summary>",
        "",
    ]
    for a in older:
        parts.append(f"- {_md_escape(attempt_line(a, path))}")
        if a.get("output"):
            parts += ["", "  ```text"] + [f"  {ln}" for ln in a["output"].split("\n")] + ["  ```"]
    parts += ["", "</details>"]
    return "\n".join(parts)


def _short(a: dict[str, Any]) -> str:
    return f"#{a.get('n')} {ENDED.get(a.get('status', ''), a.get('status', '')).split(' (')[0]}"


def _md_escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def earlier_output(tries: list[dict[str, Any]], path: str, markdown: str) -> dict[str, Any]:
    """A shell cell's earlier attempts, below its last one (plain text and Markdown)."""
    plain = ["Earlier attempts (the latest first):"]
    for a in earlier(tries):
        plain.append("  " + attempt_line(a, path))
        plain += [f"    | {ln}" for ln in (a.get("output") or "").split("\n") if a.get("output")]
    data = {"text/plain": "\n".join(plain), "text/markdown": markdown.strip()}
    return {"output_type": "display_data", "data": data, "metadata": {"relbook": "attempts"}}
