"""What a run checks before it continues a record: that the journal (the truth) was
not cut short, whether the notebook lags behind it, that a resume keeps the values
its release began with, and what a kill inside a git command left staged."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

from relbook.errors import ParamError, RecordError
from relbook.model import Runbook
from relbook.params import Params
from relbook.record import RecordPaths, State, check_notebook, read_journal, replay
from relbook.record.mask import MASK, Masker


def check_journal_covers_notebook(paths: RecordPaths, state: State) -> None:
    """The journal is written before everything else: a notebook written after an event
    the journal lacks, a step the notebook shows finished that the journal does not know,
    or a step's output in the output log that the journal never started, means the
    journal lost events (cut short at any byte, line boundary included, or replaced)."""
    lost = _journal_gaps(paths, state)
    if lost:
        raise RecordError(
            f"the journal was cut short or replaced ({lost}); relbook will not continue "
            "this record: restore the journal or move the record aside",
            path=str(paths.journal),
        )


def _journal_gaps(paths: RecordPaths, state: State) -> str:
    from relbook.record import read_record

    if paths.notebook.exists():
        rec = read_record(paths.notebook)
        lost = [
            o.step_id
            for o in rec.outcomes
            if o.status.finished
            and not ((j := state.outcomes.get(o.step_id)) and j.status.finished)
        ]
        if lost:
            return f"it lacks steps its notebook shows finished: {', '.join(lost)}"
        seen = rec.meta.get("journal") or {}
        n = int(seen.get("events") or 0)
        if n > len(state.events) or (n and state.events[n - 1].get("h") != seen.get("h")):
            return (
                f"its notebook was written after event {n}, the journal has "
                f"{len(state.events)} that agree with it"
                if n > len(state.events)
                else f"event {n} is not the one its notebook was written after"
            )
    started: dict[str, int] = {}
    for e in state.events:
        if e.get("event") == "start":
            started[e["step"]] = started.get(e["step"], 0) + 1
    for step_id, n in _log_headers(paths.logs / "output.log").items():
        if n > started.get(step_id, 0):
            return f"the output log has output of step {step_id} that it never started"
    return ""


_HEADER = re.compile(rb"^==> (\S+) \xc2\xb7 ", re.M)


def _log_headers(log: Path) -> dict[str, int]:
    """How many times each step's output begins in the output log."""
    counts: dict[str, int] = {}
    try:
        f = open(log, "rb")  # noqa: SIM115 - read in chunks below
    except OSError:
        return counts
    with f:
        rest = b""
        while chunk := f.read(1 << 20):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            for m in _HEADER.finditer(data, 0, cut):
                name = m.group(1).decode("utf-8", "replace")
                counts[name] = counts.get(name, 0) + 1
            rest = data[cut:]
        for m in _HEADER.finditer(rest):
            name = m.group(1).decode("utf-8", "replace")
            counts[name] = counts.get(name, 0) + 1
    return counts


def notebook_lags(notebook: Path, state: State) -> bool:
    """True when the notebook does not show what the journal says (missing, or its
    result, end or step statuses differ)."""
    from relbook.record import read_record

    if not notebook.exists():
        return True
    rec = read_record(notebook)
    shown = {o.step_id: o.status.value for o in rec.outcomes}
    truth = {s: o.status.value for s, o in state.outcomes.items() if s in state.plan}
    return (
        rec.meta.get("result") != state.result
        or rec.meta.get("ended", "") != state.meta.get("ended", "")
        or any(shown.get(s) != v for s, v in truth.items())
    )


def repair_finished(
    paths: RecordPaths, rb: Runbook, writer: Any, ui: Any, state: State | None = None
) -> State | None:
    """A finished release whose notebook lags behind its journal (its last write failed:
    disk full, read-only) gets its notebook rewritten from the journal, which is the
    truth. Returns the state when it did; None when not finished or nothing lagged."""
    if state is None:
        check_notebook(paths.notebook)
        events = read_journal(paths.journal)
        state = replay(events) if events else None
        if state is None or state.result != "done":
            return None  # not finished: the run resumes, and rewrites the notebook
        check_journal_covers_notebook(paths, state)
    if not notebook_lags(paths.notebook, state):
        return None
    # every planned step of a finished record has an outcome: the cells come from them
    info = {
        s.id: {"kind": s.kind.value, "text": s.text, "section": s.section, "line": s.line}
        for s in rb.steps
    }
    state.meta["journal"] = {"events": len(state.events), "h": state.events[-1]["h"]}
    writer.write(paths.notebook, state, info)
    ui.info(
        f"record: {paths.notebook} rewritten from its journal (the last write of the "
        f"notebook had failed); the release finished {state.meta.get('ended', '')}"
    )
    return state


def keep_values(state: State, params: Params, opts: Any, what: str, paths: RecordPaths) -> None:
    """A resume runs with the values its release began with: a value given now that
    differs from the recorded one is refused (never silently mixed: the tag would say
    one thing and the record another); derived values (date, previous version) become
    the recorded ones. `opts` are the run's options (date, env, mask)."""
    before = state.meta.get("params", {})
    masker = Masker.from_env({**os.environ, **opts.env, **params.env()}, opts.mask)
    given = [n for n, src in params.sources.items() if src.startswith("--") and n != "version"]
    if opts.date:
        given.append("date")
    changed = [
        (n, before.get(n), masker.mask(params.values.get(n) or ""))
        for n in given
        if masker.mask(params.values.get(n) or "") != (before.get(n) or "")
    ]
    if changed:
        said = "; ".join(
            f"{_flag(n)}: it began with {old!r}, this run gives {new!r}" for n, old, new in changed
        )
        raise ParamError(
            f"{what} began with other values ({said}). A resume runs with the values its "
            "release began with: run the same command without them (or with the recorded "
            "values), or start over with --new-attempt",
            path=str(paths.notebook),
        )
    for name, value in before.items():
        if name in params.values and name not in given and MASK not in str(value):
            params.values[name] = value


def _flag(name: str) -> str:
    """The command-line option that gives parameter `name`."""
    return f"--{name}" if name in ("description", "date") else f"parameter {name}"


def staged_files(repo: str) -> list[str]:
    """Files staged but not committed in `repo` (a kill inside a git command's window
    leaves them: after `git add`, before or during `git commit`)."""
    done = subprocess.run(
        ["git", "-C", repo, "diff", "--cached", "--name-only"], capture_output=True, text=True
    )
    return done.stdout.split() if done.returncode == 0 else []


def report_staged(repo: str, ui: Any, journal: Any) -> None:
    """Changes a kill left staged are said and journaled, never left behind unseen."""
    staged = staged_files(repo)
    if not staged:
        return
    shown = ", ".join(staged[:5]) + (f" and {len(staged) - 5} more" if len(staged) > 5 else "")
    ui.info(
        f"  the repository has changes staged but not committed ({shown}): re-running "
        "the step commits them (the commit guard compares trees); otherwise commit or "
        "unstage them yourself"
    )
    journal.append({"event": "staged", "files": staged})
