"""The release record: an append-only journal (the truth, fsynced per step) and a
notebook derived from it (written atomically, checked for hand edits).

Layout, for runbook `release-management` and version 1.2.3:
    records/release-management/1.2.3.ipynb          the notebook (nbformat v4)
    records/release-management/1.2.3.journal.jsonl  the journal, one event a line
    records/release-management/1.2.3.logs/<id>.log  full output of each shell step
    records/release-management/1.2.3.lock           held while a run is going on
Attempt 2 of a release uses `1.2.3.attempt-2.*`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relbook.errors import RecordError
from relbook.files import write_atomic
from relbook.model import Outcome, Record, Status

SCHEMA = "relbook.record/1"


@dataclass(frozen=True)
class RecordPaths:
    notebook: Path
    journal: Path
    logs: Path
    lock: Path

    @property
    def base(self) -> Path:
        return self.notebook.parent


def record_paths(records: Path, runbook: str, version: str, attempt: int = 1) -> RecordPaths:
    """Where the record of `runbook` at `version` lives."""
    stem = version if attempt <= 1 else f"{version}.attempt-{attempt}"
    base = Path(records) / runbook
    return RecordPaths(
        base / f"{stem}.ipynb",
        base / f"{stem}.journal.jsonl",
        base / f"{stem}.logs",
        base / f"{stem}.lock",
    )


def latest_attempt(records: Path, runbook: str, version: str) -> int:
    """The highest attempt number that has a journal or notebook (0 if none)."""
    n = 0
    for attempt in range(1, 100):
        p = record_paths(records, runbook, version, attempt)
        if p.journal.exists() or p.notebook.exists():
            n = attempt
        elif attempt > 1:
            break
    return n


# -- journal -----------------------------------------------------------------


def _chain(prev: str, body: str) -> str:
    return hashlib.sha256((prev + body).encode()).hexdigest()[:16]


class Journal:
    """Append-only JSON-lines journal with a hash chain (edits are detected)."""

    def __init__(self, path: Path, events: list[dict[str, Any]] | None = None) -> None:
        self.path = path
        self.events = list(events or [])
        self.last_hash = self.events[-1]["h"] if self.events else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as e:
            raise RecordError(f"cannot open journal: {e.strerror}", path=str(path)) from None

    def append(self, event: dict[str, Any], *, sync: bool = False) -> None:
        """Write one event; with sync, fsync so it survives a power cut."""
        body = json.dumps(event, sort_keys=True, ensure_ascii=False)
        h = _chain(self.last_hash, body)
        line = json.dumps({**event, "h": h}, sort_keys=True, ensure_ascii=False) + "\n"
        try:
            os.write(self.fd, line.encode("utf-8"))
            if sync:
                os.fsync(self.fd)
        except OSError as e:
            raise RecordError(f"cannot write journal: {e.strerror}", path=str(self.path)) from None
        self.last_hash = h
        self.events.append({**event, "h": h})

    def close(self) -> None:
        os.close(self.fd)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Events of a journal; a torn last line (crash mid-write) is dropped and cut off."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise RecordError(f"cannot read journal: {e.strerror}", path=str(path)) from None
    torn = not data.endswith(b"\n") and bool(data)
    lines = data.split(b"\n")
    if torn:
        lines, tail = lines[:-1], lines[-1]
        with open(path, "r+b") as f:  # drop the half-written event of a crashed run
            f.truncate(len(data) - len(tail))
    events: list[dict[str, Any]] = []
    prev = ""
    for n, raw in enumerate(lines, 1):
        if not raw:
            continue
        try:
            event = json.loads(raw)
            h = event.pop("h")
        except (ValueError, KeyError, AttributeError):
            raise RecordError(
                "journal is corrupt (not a relbook event)", path=str(path), line=n
            ) from None
        body = json.dumps(event, sort_keys=True, ensure_ascii=False)
        if _chain(prev, body) != h:
            raise RecordError(
                "journal was edited by hand (hash chain broken); relbook will not "
                "continue this record",
                path=str(path),
                line=n,
            )
        prev = h
        events.append({**event, "h": h})
    return events


# -- state from events ---------------------------------------------------------


@dataclass
class State:
    """A record's state rebuilt from its journal."""

    meta: dict[str, Any]
    plan: list[str]
    outcomes: dict[str, Outcome]
    running: list[str]  # steps started and never ended: interrupted by a crash
    result: str
    events: list[dict[str, Any]]


def replay(events: list[dict[str, Any]]) -> State:
    """Rebuild the state of a record from its journal events."""
    meta: dict[str, Any] = {}
    plan: list[str] = []
    outcomes: dict[str, Outcome] = {}
    running: dict[str, bool] = {}
    result = "running"
    for e in events:
        kind = e.get("event")
        if kind == "begin":
            meta = dict(e.get("meta", {}))
            plan = list(e.get("plan", []))
            result = "running"
        elif kind == "plan-add":
            plan += [s for s in e.get("steps", []) if s not in plan]
        elif kind == "start":
            running[e["step"]] = True
        elif kind == "outcome":
            outcome = outcome_from_dict(e["outcome"])
            outcomes[outcome.step_id] = outcome
            running.pop(outcome.step_id, None)
        elif kind == "finish":
            result = e.get("result", "")
            meta["ended"] = e.get("time", "")
            meta.update(e.get("meta", {}))
        elif kind == "resume":
            result = "running"
            meta.setdefault("resumes", []).append(e.get("time", ""))
    return State(
        meta,
        plan,
        outcomes,
        [s for s in running if s not in outcomes or not outcomes[s].status.finished],
        result,
        events,
    )


def outcome_to_dict(o: Outcome) -> dict[str, Any]:
    """An Outcome as plain JSON data."""
    d = dataclasses.asdict(o)
    d["status"] = o.status.value
    return d


def outcome_from_dict(d: dict[str, Any]) -> Outcome:
    """Inverse of outcome_to_dict (unknown keys are ignored)."""
    names = {f.name for f in dataclasses.fields(Outcome)}
    kw = {k: v for k, v in d.items() if k in names}
    kw["status"] = Status(kw.get("status", "pending"))
    return Outcome(**kw)


# -- notebook --------------------------------------------------------------------


def now_iso() -> str:
    """Local time with offset, seconds precision."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def build_notebook(state: State, steps_info: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The record notebook (nbformat v4 dict) for a state."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    nb.metadata["language_info"] = {
        "name": "bash",
        "codemirror_mode": "shell",
        "file_extension": ".sh",
        "mimetype": "text/x-sh",
    }
    meta = {**state.meta, "result": state.result, "schema": SCHEMA}
    cells = [nbformat.v4.new_markdown_cell(_summary(meta, state))]
    for n, step_id in enumerate(state.plan, 1):
        info = steps_info.get(step_id, {})
        outcome = state.outcomes.get(step_id) or Outcome(
            step_id=step_id,
            kind=info.get("kind", "manual"),
            status=Status.INTERRUPTED if step_id in state.running else Status.PENDING,
            text=info.get("text", ""),
            section=info.get("section", ""),
            line=info.get("line", 0),
            source=info.get("source", ""),
        )
        cells.append(_cell(n, outcome, meta))
    nb.cells = cells
    nb.metadata["relbook"] = {**meta, "digest": ""}
    return nb


_EMPTY_DIGEST = '"digest": ""'


def seal(text: str) -> str:
    """Put the digest of the serialized notebook (with an empty digest) into it."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text.replace(_EMPTY_DIGEST, f'"digest": "{digest}"', 1)


def sealed(text: str) -> bool:
    """True when the notebook text is byte for byte what relbook wrote."""
    m = re.search(r'"digest": "([0-9a-f]{64})"', text)
    if not m:
        return False
    blank = text[: m.start()] + _EMPTY_DIGEST + text[m.end() :]
    return hashlib.sha256(blank.encode("utf-8")).hexdigest() == m.group(1)


def _summary(meta: dict[str, Any], state: State) -> str:
    params = meta.get("params", {})
    rb = meta.get("runbook", {})
    repo = meta.get("repo", {})
    counts: dict[str, int] = {}
    for o in state.outcomes.values():
        counts[o.status.value] = counts.get(o.status.value, 0) + 1
    title = "DRILL — " if meta.get("drill") else ""
    rows = [
        ("Result", state.result),
        ("Runbook", f"`{rb.get('path', '')}` (sha256 `{rb.get('sha256', '')[:12]}`)"),
        ("Version", f"{params.get('version', '')} (tag `{params.get('tag', '')}`)"),
        ("Description", params.get("description", "")),
        ("Operator", meta.get("operator", "")),
        ("Host", meta.get("host", "")),
        ("Repository", f"`{repo.get('path', '')}` branch `{repo.get('branch', '')}`"),
        (
            "HEAD before / after",
            f"`{repo.get('head', '')[:12]}` / `{meta.get('head_after', '')[:12]}`",
        ),
        ("Engine", meta.get("engine", "local")),
        ("Started / ended", f"{meta.get('started', '')} / {meta.get('ended', '')}"),
        ("Steps", ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none yet"),
    ]
    if meta.get("override_blackout"):
        rows.append(("Blackout override", meta["override_blackout"]))
    lines = [
        f"# {title}Release record: {rb.get('title', '')} {params.get('version', '')}",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {_cell_text(str(v))} |" for k, v in rows]
    lines += ["", "Parameters (as `RELBOOK_*` environment variables for shell steps):", ""]
    lines += [f"- `{k}` = `{v}`" for k, v in params.items()]
    return "\n".join(lines)


def _cell_text(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def status_line(o: Outcome, meta: dict[str, Any]) -> str:
    """One visible line: status, exit code, start, duration, file:line, operator."""
    path = meta.get("runbook", {}).get("path", "")
    bits = [o.status.value.upper()]
    if o.exit_code is not None:
        bits.append(f"exit {o.exit_code}")
    if o.started:
        bits.append(f"started {o.started}")
    if o.duration:
        bits.append(f"{o.duration:.1f}s")
    bits.append(f"{path}:{o.failed_line or o.line}")
    who = o.signer or o.operator
    if who:
        bits.append(("signed by " if o.signer else "by ") + who)
    if o.reason:
        bits.append(f"reason: {o.reason}")
    if o.note:
        bits.append(f"note: {o.note}")
    if o.simulated:
        bits.append("simulated: " + ", ".join(o.simulated))
    return " · ".join(bits)


def _cell(n: int, o: Outcome, meta: dict[str, Any]) -> Any:
    import nbformat

    md = {"relbook": {**outcome_to_dict(o), "file": meta.get("runbook", {}).get("path", "")}}
    line = status_line(o, meta)
    if o.kind != "shell":
        box = "x" if o.status in (Status.DONE, Status.ALREADY_DONE) else " "
        text = f"- [{box}] **{o.text}** — {line}"
        return nbformat.v4.new_markdown_cell(text, metadata=md)
    cell = nbformat.v4.new_code_cell(o.source, metadata=md)
    cell.execution_count = n if o.status is not Status.PENDING else None
    outputs = []
    if o.output:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=o.output))
    if o.status in (Status.FAILED, Status.TIMEOUT, Status.INTERRUPTED):
        outputs.append(
            nbformat.v4.new_output("error", ename=o.status.value, evalue=line, traceback=[line])
        )
    else:
        outputs.append(
            nbformat.v4.new_output(
                "display_data", data={"text/plain": line, "text/markdown": f"**{line}**"}
            )
        )
    cell.outputs = outputs
    cell.metadata["tags"] = [f"relbook-{o.status.value}"]
    return cell


def write_notebook(path: Path, nb: dict[str, Any]) -> None:
    """Validate and write the notebook atomically."""
    import nbformat

    nbformat.validate(nb)
    write_atomic(path, seal(nbformat.writes(nb) + "\n").encode("utf-8"))


def check_notebook(path: Path) -> None:
    """Refuse a record notebook that is corrupt or was edited by hand."""
    if not path.exists():
        return
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except (ValueError, OSError):
        raise RecordError(
            "record is corrupt (not a readable notebook); relbook will not "
            "overwrite it: move it aside or restore it",
            path=str(path),
        ) from None
    if not sealed(text):
        raise RecordError(
            "record was edited by hand (its digest does not match); relbook will "
            "not overwrite it: move it aside or restore it",
            path=str(path),
        )


def read_record(path: str | Path) -> Record:
    """Read a record notebook back: metadata and one Outcome per step."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError("no such record", path=str(path)) from None
    except (ValueError, OSError, UnicodeDecodeError):
        raise RecordError("record is corrupt (not a readable notebook)", path=str(path)) from None
    meta = nb.get("metadata", {}).get("relbook") if isinstance(nb, dict) else None
    if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
        raise RecordError("not a relbook record (no relbook metadata)", path=str(path))
    outcomes = [
        outcome_from_dict(c["metadata"]["relbook"])
        for c in nb.get("cells", [])
        if isinstance(c.get("metadata", {}).get("relbook"), dict)
    ]
    return Record(str(path), meta, outcomes)
