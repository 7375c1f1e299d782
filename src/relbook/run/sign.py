"""`relbook sign RECORD STEP`: a signer signs a sign-off of a release themselves, from
their own checkout and git identity.

The signature is appended to the record's journal as a `signature` event (the hash
chain continues), under the record's lock, and the notebook is written again from
the journal so the step's cell shows it. While a run holds the record, only that run
writes its journal: the signature is left beside the record (`<version>.signatures/`)
and the run takes it in at the sign-off (at once when it waits there with
--wait-signoffs). A record that does not match its journal is never added to. The
run that paused at the sign-off continues past it when the same command is run again.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relbook.errors import LockedError, RelbookError, Tampered
from relbook.model import Status
from relbook.record import Journal, NotebookWriter, read_journal, read_record, replay
from relbook.record.lock import record_lock
from relbook.record.verify import BANNER, journal_of, verify_record
from relbook.run.signatures import Identity
from relbook.run.signoff import allowed_signers, check, expected, sign_event


@dataclass
class Signed:
    """What `relbook sign` did: the step, the signature's check, how to go on."""

    step: str
    text: str
    checked: dict[str, Any] | None  # None: the runbook was not found to check it against
    command: str
    already: bool = False
    queued: str = ""  # where it waits for the run that holds the record ("" when in)
    holder: str = ""  # that run


def sign_record(record: str, key: str, who: Identity, runbook: str = "") -> Signed:
    """Sign step `key` (id, number or text) of the record at `record` as `who`."""
    notebook = Path(record)
    if notebook.name.endswith(".journal.jsonl"):
        notebook = notebook.with_name(notebook.name.removesuffix(".journal.jsonl") + ".ipynb")
    if not notebook.is_file():
        raise RelbookError("no such record", path=str(notebook))
    problems = verify_record(notebook)
    if problems:
        raise Tampered(f"{BANNER}: {'; '.join(problems)}; nothing signed", path=str(notebook))
    rec = read_record(notebook)
    lock = notebook.with_name(notebook.name.removesuffix(".ipynb") + ".lock")
    try:
        with record_lock(lock, runbook=str(rec.meta.get("runbook", {}).get("name", ""))):
            return _sign(notebook, key, who, runbook, queue=False)
    except LockedError as e:  # a run holds it: the signature waits beside the record
        done = _sign(notebook, key, who, runbook, queue=True)
        done.holder = e.msg.removeprefix("another relbook run holds this release's record: ")
        done.holder = done.holder.removesuffix("; wait for it to finish")
        return done


def _sign(notebook: Path, key: str, who: Identity, runbook: str, *, queue: bool) -> Signed:
    journal = journal_of(notebook)
    events = read_journal(journal)
    if not events:
        raise RelbookError("no journal beside the record: nothing to sign", path=str(journal))
    state = replay(events)
    if state.result == "done":
        raise RelbookError("this release is finished: its sign-offs can no longer be signed",
                           path=str(notebook))  # fmt: skip
    cells = _steps(notebook)
    step = _find(cells, state.plan, key, notebook)
    outcome = state.outcomes.get(step["step_id"])
    command = str(state.meta.get("command", "") or "the same relbook run command")
    if outcome is not None and outcome.status is Status.DONE and outcome.extra.get("signature"):
        return Signed(step["step_id"], step["text"], outcome.extra["signature"], command, True)
    event = sign_event(state.meta, step["step_id"], step["text"], who, "relbook sign")
    event["host"], event["checkout"] = socket.gethostname(), os.getcwd()
    checked = _preview(event, state.meta, runbook)
    if checked is not None:
        event["checked"] = checked
    if queue:
        return Signed(
            step["step_id"], step["text"], checked, command, queued=_leave(notebook, event)
        )
    j = Journal(journal, events)
    try:
        j.append(event, sync=True)
    finally:
        j.close()
    _rewrite(notebook, journal, cells)
    return Signed(step["step_id"], step["text"], checked, command)


def _leave(notebook: Path, event: dict[str, Any]) -> str:
    """Put a signature beside the record for the run that holds it (written atomically:
    the run never reads half of it)."""
    import json

    from relbook.record.files import write_atomic
    from relbook.run.signoff import inbox_of

    box = inbox_of(notebook)
    try:
        box.mkdir(exist_ok=True)
    except OSError as e:
        raise RelbookError(f"cannot write: {e.strerror}", path=str(box)) from None
    stamp = event["time"].replace(":", "")
    path = box / f"{stamp}-{event['step']}-{os.urandom(4).hex()}.json"
    write_atomic(path, json.dumps(event, ensure_ascii=False).encode("utf-8"))
    return str(path)


def _steps(notebook: Path) -> dict[str, dict[str, Any]]:
    """The steps a record's notebook shows (id -> kind, text, section, line)."""
    rec = read_record(notebook)
    return {
        o.step_id: {
            "step_id": o.step_id,
            "kind": o.kind,
            "text": o.text,
            "section": o.section,
            "line": o.line,
        }  # fmt: skip
        for o in rec.outcomes
    }


def _find(cells: dict[str, dict[str, Any]], plan: list[str], key: str, notebook: Path) -> dict:
    found = cells.get(key)
    if found is None and key.isdigit() and 0 < int(key) <= len(plan):
        found = cells.get(plan[int(key) - 1])
    if found is None:
        found = next((c for c in cells.values() if c["text"].casefold() == key.casefold()), None)
    signoffs = [f"{c['step_id']} ({c['text']})" for c in cells.values() if c["kind"] == "signoff"]
    listed = "; ".join(signoffs) or "none"
    if found is None:
        raise RelbookError(f"no step {key!r} in this record; its sign-offs: {listed}",
                           path=str(notebook))  # fmt: skip
    if found["kind"] != "signoff":
        raise RelbookError(
            f"step {found['step_id']} ({found['text']}) is a {found['kind']} step, not a "
            f"sign-off; its sign-offs: {listed}",
            path=str(notebook),
        )
    return found


def _preview(event: dict[str, Any], meta: dict[str, Any], runbook: str) -> dict | None:
    """The signature judged as the run will judge it, when the runbook is here."""
    from relbook.parse import read_runbook

    path = runbook or str(meta.get("runbook", {}).get("path", ""))
    if not path or not Path(path).is_file():
        return None
    try:
        rb = read_runbook(path)
    except RelbookError:
        return None
    return check(event, expected(meta, event["step"], allowed_signers(rb.path, rb.front_matter)))


def _rewrite(notebook: Path, journal: Path, cells: dict[str, dict[str, Any]]) -> None:
    """The notebook written again from the journal (as a run writes it)."""
    events = read_journal(journal)
    state = replay(events)
    state.meta["journal"] = {"events": len(events), "h": events[-1]["h"]}
    NotebookWriter().write(notebook, state, cells)
