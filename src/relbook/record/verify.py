"""Is a record what relbook wrote? The notebook's seal, the journal's hash chain, and
the notebook's steps against the journal it was built from.

The seal alone proves little (anyone can recompute a sha256): what makes a record
evidence is that its notebook agrees with its append-only, hash-chained journal,
event by event, up to the journal event the notebook was last built from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from relbook.errors import RecordError

BANNER = "this record does not match its journal"
# What a person reads in a step's cell: these must be what the journal says.
_COMPARED = ("status", "exit_code", "output", "source", "operator", "signer", "started", "reason")


def journal_of(notebook: Path) -> Path:
    """The journal beside a record notebook (`1.2.3.ipynb` -> `1.2.3.journal.jsonl`)."""
    return notebook.with_name(notebook.name.removesuffix(".ipynb") + ".journal.jsonl")


def verify_record(path: str | Path) -> list[str]:
    """What is wrong with the record at `path` (empty when it matches its journal)."""
    from relbook.record import read_journal, sealed

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return ["the notebook cannot be read"]
    problems = [] if sealed(text) else ["the notebook's digest does not match its content"]
    journal = journal_of(path)
    if not journal.exists():
        return problems  # a notebook on its own: only its seal can be checked (see unverified)
    try:
        events = read_journal(journal)
    except RecordError as e:
        return [*problems, f"{journal.name}:{e.line}: {e.msg}"]
    return problems + _against_journal(nb, events, journal.name)


def unverified(path: str | Path) -> str:
    """Why a record can only be partly checked ('' when its journal is beside it)."""
    path = Path(path)
    if journal_of(path).exists():
        return ""
    return f"no journal beside it ({journal_of(path).name}): only the notebook's seal was checked"


def _against_journal(nb: dict[str, Any], events: list[dict[str, Any]], name: str) -> list[str]:
    from relbook.record import replay

    meta = nb.get("metadata", {}).get("relbook", {})
    head = meta.get("journal_head", "")
    if not head:
        return []  # written before records named their journal event: nothing to compare
    at = next((i for i, e in enumerate(events) if e.get("h") == head), None)
    if at is None:
        return [f"{name} does not hold the event the notebook was built from ({head})"]
    state = replay(events[: at + 1])
    problems = []
    for cell in nb.get("cells", []):
        data = cell.get("metadata", {}).get("relbook")
        if not isinstance(data, dict) or "step_id" not in data:
            continue
        problems += _compare_step(cell, data, state.outcomes.get(data["step_id"]), name)
    if meta.get("result") != state.result:
        problems.append(f"result {meta.get('result')!r} is {state.result!r} in {name}")
    return problems


def _compare_step(cell: dict[str, Any], data: dict[str, Any], o: Any, name: str) -> list[str]:
    from relbook.record import cell_outcome, outcome_to_dict

    step = data["step_id"]
    if o is None:
        if data.get("status") in ("pending", "running", "interrupted"):
            return []
        return [f"step {step} is {data.get('status')} in the notebook, not in {name}"]
    truth = outcome_to_dict(o)
    seen = [cell_outcome(cell)]
    if cell.get("cell_type") == "code":  # what the cell shows, besides its metadata
        visible = {k: v for k, v in data.items() if k not in ("source", "output")}
        seen.append(cell_outcome({**cell, "metadata": {"relbook": visible}}))
    wrong = {
        key
        for shown in seen
        for key in _COMPARED
        if key in shown and shown.get(key) != truth.get(key)
    }
    return [f"step {step}: {key} differs from {name}" for key in sorted(wrong)]
