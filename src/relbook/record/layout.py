"""Where a record's files are: the notebook, the journal, the logs and the lock."""

from __future__ import annotations

from pathlib import Path

from relbook.datatype import datatype


@datatype(frozen=True)
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
