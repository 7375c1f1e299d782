"""The record notebook: built from a record's state as plain nbformat v4 JSON, written
atomically and sealed (a hand edit is detected), and read back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relbook.digest import record_sha256
from relbook.errors import RecordError
from relbook.model import Outcome, Record, Status
from relbook.record.signatures import signature_text, signatures_line, waiting_signatures
from relbook.record.state import State, outcome_from_dict, outcome_to_dict

SCHEMA = "relbook.record/1"


def _sha256(data: bytes) -> str:
    return record_sha256()(data).hexdigest()


def now_iso() -> str:
    """Local time with offset, seconds precision."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def build_notebook(state: State, steps_info: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The record notebook (an nbformat v4.5 dict) for a state.

    Built as plain JSON data: nbformat's constructors validate every cell against
    the schema, which costs more than running a trivial step."""
    from relbook.record.history import attempt_history

    meta = _record_meta(state)
    history = attempt_history(state.events)
    cells = [_summary_cell(meta, state)]
    for n, step_id in enumerate(state.plan, 1):
        o = _outcome_or_placeholder(state, step_id, steps_info)
        sigs = waiting_signatures(o, state.signatures.get(step_id, []))
        cells.append(_cell(n, o, meta, history.get(step_id, []), sigs))
    return _notebook(meta, cells)


class NotebookWriter:
    """Writes a record's notebook again and again during a run. A step's cell is
    serialized once per outcome, so rewriting a long record stays cheap."""

    def __init__(self) -> None:
        self._cells: dict[str, tuple[Any, str, Outcome | None]] = {}

    def write(
        self,
        path: Path,
        state: State,
        steps_info: dict[str, dict[str, Any]],
        journaled: Mapping[str, tuple[Outcome, dict[str, Any]]] | None = None,
    ) -> None:
        """Write the notebook of `state` atomically, sealed with its digest. `journaled`:
        step id -> (outcome, its data as the journal holds it), not made again."""
        from relbook.record.files import write_atomic
        from relbook.record.history import attempt_history

        meta = _record_meta(state)
        history = attempt_history(state.events)
        cells = [_dump(_summary_cell(meta, state))]
        for n, step_id in enumerate(state.plan, 1):
            tries = history.get(step_id, [])
            cells.append(self._cell_json(n, step_id, state, steps_info, meta, tries, journaled))
        text = _layout(cells, _notebook(meta, []))
        write_atomic(path, seal(text).encode("utf-8"))

    def _cell_json(
        self,
        n: int,
        step_id: str,
        state: State,
        info: dict[str, Any],
        meta: dict[str, Any],
        tries: list[dict[str, Any]],
        journaled: Mapping[str, tuple[Outcome, dict[str, Any]]] | None = None,
    ) -> str:
        outcome = state.outcomes.get(step_id)
        signed = state.signatures.get(step_id, [])
        key = (n, "outcome" if outcome else step_id in state.running, len(tries), len(signed))
        hit = self._cells.get(step_id)
        # an equal outcome (the same one replayed at the end of a run) keeps its cell
        if hit is None or hit[0] != key or (hit[2] is not outcome and hit[2] != outcome):
            if key[1:] == (False, 0, 0):  # a step not run yet: its cell from a template
                pending = _pending_json(n, step_id, info.get(step_id, {}), meta)
                if pending is not None:
                    self._cells[step_id] = (key, pending, None)
                    return pending
            o = outcome or _outcome_or_placeholder(state, step_id, info)
            known = journaled.get(step_id) if journaled and outcome else None
            data = known[1] if known and known[0] is outcome else None
            cell = _cell(n, o, meta, tries, waiting_signatures(o, signed), data)
            hit = (key, _dump(cell), outcome)
            self._cells[step_id] = hit
        return hit[1]


# A pending step's cell is the same but for its id, line and texts: made once (per
# runbook path, shell or not) with these stand-ins, then filled in per step.
_STAND_IN = {"n": "987650001", "line": "987650002"}
_PENDING: dict[tuple[str, bool], list[str] | None] = {}
_quoted = json.encoder.encode_basestring  # a JSON string as _dump writes it (not ASCII-only)


def _pending_json(n: int, step_id: str, info: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """_dump of a pending step's cell, as _cell makes it (None: make it the long way)."""
    path = meta.get("runbook", {}).get("path", "")
    kind, line = info.get("kind", "manual"), info.get("line", 0)
    texts = {"id": step_id, "kind": kind, "text": info.get("text", ""),
             "section": info.get("section", ""), "source": info.get("source", "")}  # fmt: skip
    if type(line) is not int or not all(type(v) is str for v in texts.values()):
        return None
    key = (path, kind == "shell")
    if key not in _PENDING:
        _PENDING[key] = _pending_template(path, kind == "shell")
    parts = _PENDING[key]
    if parts is None:
        return None
    values = {k: _quoted(v)[1:-1] for k, v in texts.items()} | {"n": str(n), "line": str(line)}
    return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


def _pending_template(path: str, shell: bool) -> list[str] | None:
    """A pending cell's JSON cut at its stand-ins: text, stand-in name, text, ..."""
    if "\ue000" in path or any(v in path for v in _STAND_IN.values()):
        return None
    o = Outcome(step_id="\ue000id\ue000", kind="shell" if shell else "\ue000kind\ue000",
                status=Status.PENDING, text="\ue000text\ue000", section="\ue000section\ue000",
                line=int(_STAND_IN["line"]), source="\ue000source\ue000")  # fmt: skip
    text = _dump(_cell(int(_STAND_IN["n"]), o, {"runbook": {"path": path}}, [], []))
    names = {v: k for k, v in _STAND_IN.items()}
    parts = re.split("(\ue000\\w+\ue000|" + "|".join(names) + ")", text)
    return [names.get(p, p.strip("\ue000")) if i % 2 else p for i, p in enumerate(parts)]


def _record_meta(state: State) -> dict[str, Any]:
    from relbook.record.history import run_history

    history = run_history(state.events)
    head = state.events[-1].get("h", "") if state.events else ""
    from relbook.record.overrides import all_overrides

    return {
        **state.meta,
        "overrides": all_overrides(state.meta, state.plan, state.outcomes),
        "result": state.result,
        "schema": SCHEMA,
        "history": history,
        "journal_head": head,  # the journal event this notebook was built from
    }


def _summary_cell(meta: dict[str, Any], state: State) -> dict[str, Any]:
    return _markdown_cell("summary", _summary(meta, state), {})


def _outcome_or_placeholder(
    state: State, step_id: str, steps_info: dict[str, dict[str, Any]]
) -> Outcome:
    info = steps_info.get(step_id, {})
    return state.outcomes.get(step_id) or Outcome(
        step_id=step_id,
        kind=info.get("kind", "manual"),
        status=Status.INTERRUPTED if step_id in state.running else Status.PENDING,
        text=info.get("text", ""),
        section=info.get("section", ""),
        line=info.get("line", 0),
        source=info.get("source", ""),
    )


def _notebook(meta: dict[str, Any], cells: list[Any]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "bash", "display_name": "Bash", "language": "bash"},
            "language_info": {
                "name": "bash",
                "codemirror_mode": "shell",
                "file_extension": ".sh",
                "mimetype": "text/x-sh",
            },
            "relbook": {**meta, "digest": ""},
        },
        "cells": cells,
    }


def _markdown_cell(cell_id: str, text: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata, "source": text}


_EMPTY_DIGEST = '"digest": ""'


def seal(text: str) -> str:
    """Put the digest of the serialized notebook (with an empty digest) into it."""
    digest = _sha256(text.encode("utf-8"))
    return text.replace(_EMPTY_DIGEST, f'"digest": "{digest}"', 1)


def sealed(text: str) -> bool:
    """True when the notebook says what relbook wrote. The digest covers the content,
    not the layout: a notebook re-saved unchanged (Jupyter, nbformat) still matches."""
    try:
        nb = json.loads(text)
        meta = nb["metadata"]["relbook"]
        digest = meta["digest"]
        meta["digest"] = ""
        canonical = notebook_json(_joined(nb))
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return _sha256(canonical.encode("utf-8")) == digest


def _joined(nb: dict[str, Any]) -> dict[str, Any]:
    """Multi-line strings as single strings (nbformat writes them as lists of lines)."""

    def join(value: Any) -> Any:
        return "".join(value) if isinstance(value, list) else value

    for cell in nb["cells"]:
        cell["source"] = join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = join(out["text"])
            if "data" in out:
                out["data"] = {k: join(v) for k, v in out["data"].items()}
    return nb


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
    signoffs = [o for o in state.outcomes.values() if o.kind == "signoff"]
    if signoffs:
        rows.append(("Sign-offs", "; ".join(_signoff_summary(o, state) for o in signoffs)))
    if meta.get("override_blackout"):
        rows.append(("Blackout override", meta["override_blackout"]))
    for o in meta.get("overrides", []):
        if o.get("kind") != "version-check":  # its own row below
            rows.append(("Override", f"`{o.get('what', '')}`: {o.get('why', '')}"))
    check = meta.get("version_check") or {}
    if check.get("override"):
        over = check["override"]
        rows.append(("Version check override", f"{over['bump']} allowed: {over['reason']} "
                     f"(history: {check.get('why', '')})"))  # fmt: skip
    elif check.get("warning"):
        rows.append(("Version check", check["warning"]))
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


def _signoff_summary(o: Outcome, state: State) -> str:
    sig = o.extra.get("signature")
    if sig:
        return f"{o.step_id}: {signature_text(sig)}"
    if o.status is Status.DONE and o.signer:
        return f"{o.step_id}: signed by {o.signer}"
    since = waiting_signatures(o, state.signatures.get(o.step_id, []))
    if since:
        return f"{o.step_id}: {o.status.value}, signed since: {signatures_line(since)}"
    return f"{o.step_id}: {o.status.value}" + (", not signed" if o.status is Status.PENDING else "")


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
    done = [c for c in o.extra.get("commands", []) if c.get("status") == "already-done"]
    if done and o.status is not Status.ALREADY_DONE:
        bits.append("skipped as already done: " + ", ".join(f"line {c['line']}" for c in done))
    who = o.signer or o.operator
    if o.extra.get("signature"):
        bits.append(signature_text(o.extra["signature"]))
    elif who:
        bits.append(("signed by " if o.signer else "by ") + who)
    if o.extra.get("signatures") and o.status is not Status.DONE:
        bits.append("in the record: " + signatures_line(o.extra["signatures"]))
    if o.reason:
        bits.append(f"reason: {o.reason}")
    if o.note:
        bits.append(f"note: {o.note}")
    if o.simulated:
        bits.append("simulated: " + ", ".join(o.simulated))
    return " · ".join(bits)


def _cell(
    n: int,
    o: Outcome,
    meta: dict[str, Any],
    tries: list[dict[str, Any]] | None = None,
    sigs: list[dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A step's cell; `data` is outcome_to_dict(o) when the caller has it (read only)."""
    path = meta.get("runbook", {}).get("path", "")
    tries = tries or []
    md = {"relbook": {**(data or outcome_to_dict(o)), "file": path, "attempts": tries}}
    cell_id = f"step-{n}"
    line = status_line(o, meta)
    from relbook.record.history import earlier_markdown, earlier_output

    if sigs:  # signed since the run paused here: judged again when it resumes
        md["relbook"]["signed_since"] = sigs
        line += f" · signed since: {signatures_line(sigs)} (judged again when the run resumes)"
    before = earlier_markdown(tries, path)
    if o.kind != "shell":
        box = "x" if o.status in (Status.DONE, Status.ALREADY_DONE) else " "
        return _markdown_cell(cell_id, f"- [{box}] **{o.text}** — {line}{before}", md)
    outputs: list[dict[str, Any]] = []
    if o.output:
        outputs.append({"output_type": "stream", "name": "stdout", "text": o.output})
    if o.status in (Status.FAILED, Status.TIMEOUT, Status.INTERRUPTED):
        outputs.append(
            {"output_type": "error", "ename": o.status.value, "evalue": line, "traceback": [line]}
        )
    else:
        data = {"text/plain": line, "text/markdown": f"**{line}**"}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
    if before:
        outputs.append(earlier_output(tries, path, before))
    md["tags"] = [f"relbook-{o.status.value}"]
    for shown in ("output", "source"):  # stored once: in the cell (cell_outcome reads them)
        del md["relbook"][shown]
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": md,
        "execution_count": n if o.status is not Status.PENDING else None,
        "source": o.source,
        "outputs": outputs,
    }


def write_notebook(path: Path, nb: dict[str, Any]) -> None:
    """Write the notebook atomically, sealed with its digest."""
    from relbook.record.files import write_atomic

    write_atomic(path, seal(notebook_json(nb)).encode("utf-8"))


def notebook_json(nb: dict[str, Any]) -> str:
    """Notebook JSON with one line per cell: diffs stay readable, and it is written
    by the C encoder (an indented dump costs more than running a trivial step)."""
    return _layout([_dump(c) for c in nb["cells"]], nb)


_dump = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # one line, C encoder


def _layout(cells: list[str], nb: dict[str, Any]) -> str:
    rest = [f" {_dump(k)}: {_dump(v)}" for k, v in sorted(nb.items()) if k != "cells"]
    return '{\n "cells": [\n  ' + ",\n  ".join(cells) + "\n ],\n" + ",\n".join(rest) + "\n}\n"


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
        _read_outcome(cell_outcome(c))
        for c in nb.get("cells", [])
        if isinstance(c.get("metadata", {}).get("relbook"), dict)
    ]
    return Record(str(path), meta, outcomes)


def _read_outcome(data: dict[str, Any]) -> Outcome:
    """A cell's outcome, its attempts (all of them, in order) in `extra["attempts"]`."""
    o = outcome_from_dict(data)
    tries = data.get("attempts")
    if isinstance(tries, list) and tries:
        o.extra = {**o.extra, "attempts": tries}
    return o


def cell_outcome(cell: dict[str, Any]) -> dict[str, Any]:
    """A step cell's outcome data; a shell step's source and output as the cell shows them."""
    data = dict(cell["metadata"]["relbook"])
    if cell.get("cell_type") == "code" and "output" not in data:

        def text(value: Any) -> str:
            return "".join(value) if isinstance(value, list) else str(value or "")

        data["source"] = text(cell.get("source"))
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        data["output"] = "".join(text(o.get("text")) for o in streams)
    return data
