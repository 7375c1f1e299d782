"""A run's record I/O: the journal (fsynced), the output log and the notebook rewrites.

The runner decides what happens; the Recorder writes it down, masked, and keeps
the state the journal replays to.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from relbook.engines.outputlog import OutputLog
from relbook.errors import RecordError, RelbookError
from relbook.model import Outcome
from relbook.record import (
    Journal,
    NotebookWriter,
    RecordPaths,
    State,
    finished,
    now_iso,
    outcome_to_dict,
    read_journal,
    replay,
    still_running,
)
from relbook.record.mask import Masker
from relbook.record.state import Running
from relbook.run.hooks import NoHooks, RunHooks

MASKED_FIELDS = ("text", "source", "output", "note", "reason")
WRITE_EVERY = 2.0  # seconds between notebook rewrites during a run, at least
WRITE_SHARE = 50  # ... and at least this many times what the last rewrite took


class Recorder:
    """Writes one attempt's record at `paths`."""

    def __init__(self, paths: RecordPaths, *, hooks: RunHooks | None = None) -> None:
        self.paths = paths
        self.hooks = hooks or NoHooks()
        self.masker = Masker()
        self.writer = NotebookWriter()
        self.journal: Journal | None = None
        self.output_log: OutputLog | None = None
        self.state: State | None = None
        self.steps_info: dict[str, dict[str, Any]] = {}
        self.last_write = 0.0
        self.write_cost = 0.0
        self._log_path: tuple[Path | None, str] = (None, "")
        self.journaled: dict[str, tuple[Outcome, dict[str, Any]]] = {}  # as last recorded

    # -- opening ----------------------------------------------------------------------
    def earlier(self) -> list[dict[str, Any]]:
        """The journal's events so far ([] for a new record)."""
        return read_journal(self.paths.journal)

    def open(self, events: list[dict[str, Any]]) -> None:
        """Open the journal (with its events so far) and the output log."""
        self.journal = Journal(self.paths.journal, events)
        self.output_log = OutputLog(self.paths.logs / "output.log")
        self.state = replay(events) if events else None

    def begin(self, meta: dict[str, Any], plan: list[str]) -> None:
        """Start a new record."""
        self.open([])
        self._append({"event": "begin", "time": now_iso(), "meta": meta, "plan": plan}, True)
        self.state = replay(self.journal.events)

    def resume(
        self, state: State, plan: list[str], operator: str, section: str, ci: dict[str, str]
    ) -> None:
        """Continue the record `state` was replayed from; steps new to the plan are added."""
        self.open(state.events)
        self._note_lost_attempts(state)
        event = {"event": "resume", "time": now_iso(), "operator": operator, "section": section}
        self._append({**event, **({"ci": dict(ci)} if ci else {})}, True)
        new = [i for i in plan if i not in state.plan]
        if new:
            self._append({"event": "plan-add", "steps": new}, True)
        self.state = replay(self.journal.events)

    def _note_lost_attempts(self, state: State) -> None:
        """Steps that were running when relbook died: their attempt ends here, with
        what they printed and when they last printed it (the journal cannot know more)."""
        log = self.output_log.path
        for step_id in state.running:
            event: dict[str, Any] = {"event": "attempt-lost", "step": step_id, "time": now_iso()}
            span = lost_output(log, step_id)
            if span:
                event["log_bytes"] = list(span)
                event["output"] = self.masker.mask(read_span(log, span)[-4096:])
                mtime = log.stat().st_mtime
                event["last_output"] = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(mtime))
            self._append(event)

    # -- during the run ----------------------------------------------------------------
    def start(self, step_id: str, started: str, token: str) -> None:
        """A step starts (its processes carry `token`)."""
        self._append({"event": "start", "step": step_id, "time": started, "token": token})

    def queue(self, step_ids: list[str], tokens: list[str]) -> None:
        """Steps handed over queued, in this order, with their process markers: they
        may run from now on (see run.pipeline). One write for them all."""
        self._append({"event": "queue", "steps": step_ids, "tokens": tokens, "time": now_iso()})

    def unqueue(self, step_ids: list[str]) -> None:
        """Queued steps withdrawn before they ran."""
        self._append({"event": "unqueue", "steps": step_ids})

    def token_of(self, step_id: str) -> str:
        """The process marker of the last start (or queueing) of `step_id` ("" when none)."""
        for e in reversed(self.journal.events):
            kind = e.get("event")
            if kind == "start" and e.get("step") == step_id:
                return e.get("token", "")
            if kind == "queue" and step_id in e.get("steps", ()):
                return e["tokens"][e["steps"].index(step_id)]
        return ""

    def signature(self, event: dict[str, Any]) -> None:
        """A signature of a sign-off (fsynced: it is evidence)."""
        self._append(event, True)
        self.state.signatures.setdefault(event["step"], []).append(self.journal.events[-1])

    def override(self, what: str, why: str) -> None:
        """An override given after the release began (the summary lists it)."""
        from relbook.record.overrides import override_event

        self._append(override_event(what, self.masker.mask(why), now_iso()), True)
        self.state = replay(self.journal.events)

    def leftovers(self, step_id: str, killed: list[str]) -> None:
        """What an interrupted step had left running, now stopped."""
        self._append({"event": "leftovers", "step": step_id, "killed": killed})

    def record(self, outcome: Outcome) -> None:
        """Record a step's outcome, masked (fsynced when the next step's bash starts,
        before anyone is asked, or at the end)."""
        self.hooks.on_outcome(outcome, self.masker.mask)
        for name in MASKED_FIELDS:
            setattr(outcome, name, self.masker.mask(getattr(outcome, name)))
        data = outcome_to_dict(outcome)
        self._append({"event": "outcome", "time": now_iso(), "outcome": data})
        self.journaled[outcome.step_id] = (outcome, data)  # the notebook's cell reads it
        self.state.outcomes[outcome.step_id] = outcome
        if outcome.step_id in self.state.running:
            self.state.running.remove(outcome.step_id)
        self.write(force=not outcome.status.finished)

    def sync(self) -> None:
        """Everything recorded so far is on disk."""
        self.journal.sync()

    def sync_soon(self) -> None:
        """Start an fsync in the background (while a step runs)."""
        self.journal.sync_soon()

    def write(self, force: bool = False) -> None:
        """Rewrite the notebook; between steps at most every WRITE_EVERY seconds, and
        rarer when a write is dear (at most 1/WRITE_SHARE of the run's time): the
        journal is the record, the notebook is built from it (and rebuilt after a
        crash). A pause, a failure, a prompt and the end of the run write it anyway."""
        now = time.monotonic()
        if not force and now - self.last_write < max(WRITE_EVERY, WRITE_SHARE * self.write_cost):
            return
        self.journal.sync()  # the notebook never shows what the journal could still lose
        j = self.journal  # how far it was when this was written: a cut journal shows
        self.state.meta["journal"] = {"events": len(j.events), "h": j.last_hash}
        self.writer.write(self.paths.notebook, self.state, self.steps_info, self.journaled)
        self.last_write = time.monotonic()
        self.write_cost = self.last_write - now

    def all_finished(self) -> bool:
        """Every planned step has finished."""
        return all(
            (o := self.state.outcomes.get(s)) is not None and o.status.finished
            for s in self.state.plan
        )

    def log_path(self) -> str:
        """The output log, relative to the record's directory."""
        log = self.output_log.path
        if self._log_path[0] != log:
            self._log_path = (log, str(log.relative_to(self.paths.base)))
        return self._log_path[1]

    # -- closing ----------------------------------------------------------------------
    def finish(self, result: str, head_after: str = "") -> None:
        """Write the final record and close it."""
        if not self.journal:
            return
        event = {"event": "finish", "result": result, "time": now_iso()}
        event["meta"] = {"head_after": head_after}
        self._append(event, True)
        # what replaying the journal would give: the state so far, ended (a replay of
        # a long run's journal costs more than its last notebook write)
        self.state.result = finished(self.state.meta, event)
        self.state.running = still_running(self.journal.events, self.state.outcomes)
        try:  # the last notebook write may fail (disk full): the journal is closed anyway
            self.write(force=True)
        except RecordError as e:
            why = f"{e.msg}; the journal holds the run's end: once there is room, the same"
            raise RecordError(f"{why} command rewrites the notebook from it", path=e.path) from None
        finally:
            self.journal.close()
            self.journal = None
            self.output_log.close()

    def abandon(self) -> bool:
        """Close the journal without writing to it; False if it was never opened."""
        if not self.journal:
            return False
        try:
            self.journal.close()
        except RelbookError:
            pass
        self.journal = None
        self.output_log.close()
        return True

    @property
    def opened(self) -> bool:
        return self.journal is not None

    def _append(self, event: dict[str, Any], sync: bool = False) -> None:
        self.journal.append(event, sync=sync)


def left_running(events: list[dict[str, Any]]) -> dict[str, str]:
    """Steps started (or queued) since the run last began or resumed and never given an
    outcome."""
    running = Running()
    for e in events:
        if e.get("event") in ("begin", "resume"):
            running.steps.clear()
        running.take(e)
    return running.steps


def seconds_since(stamp: str) -> float:
    """Seconds since a journal time stamp (0 when it cannot be read)."""
    try:
        return max(0.0, time.time() - datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").timestamp())
    except ValueError:
        return 0.0


def lost_output(log: Path, step_id: str, limit: int = 1 << 20) -> tuple[int, int] | None:
    """Byte range in the output log of what a step printed before its process died:
    everything after the step's last header (it was the last step writing)."""
    try:
        size = log.stat().st_size
        with open(log, "rb") as f:
            f.seek(max(0, size - limit))
            base = f.tell()
            data = f.read()
    except OSError:
        return None
    at = data.rfind(f"==> {step_id} · ".encode())
    if at < 0:
        return None
    start = data.find(b"\n", at)
    return None if start < 0 else (base + start + 1, size)


def read_span(log: Path, span: tuple[int, int]) -> str:
    """The text of a byte range of the output log."""
    with open(log, "rb") as f:
        f.seek(span[0])
        return f.read(span[1] - span[0]).decode("utf-8", "replace")
