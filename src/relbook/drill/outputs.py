"""Where a drill's record and scorecard go, and writing them."""

from __future__ import annotations

import time
from pathlib import Path

from relbook.drill.data import DrillReport
from relbook.errors import RelbookError
from relbook.record import RecordPaths


def drill_paths(records: Path, runbook: str, version: str) -> RecordPaths:
    """A new record for every drill: records/drills/<runbook>/<version>-<timestamp>.*"""
    base = records / "drills" / runbook
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        stem = f"{version}-{stamp}" + (f"-{n}" if n > 1 else "")
        paths = RecordPaths(
            base / f"{stem}.ipynb",
            base / f"{stem}.journal.jsonl",
            base / f"{stem}.logs",
            base / f"{stem}.lock",
        )
        if not any(p.exists() for p in (paths.notebook, paths.journal, scorecard_path(paths))):
            return paths
    raise RelbookError(f"too many drills of {runbook} {version} this second", path=str(base))


def scorecard_path(paths: RecordPaths) -> Path:
    """The Markdown scorecard beside a drill record."""
    return paths.notebook.with_name(paths.notebook.name.replace(".ipynb", ".scorecard.md"))


def write_outputs(report: DrillReport) -> None:
    """Write the scorecard beside the record and append it to the record notebook."""
    import json

    import nbformat

    from relbook.drill.scorecard import render_scorecard, scorecard_data
    from relbook.record import write_notebook
    from relbook.record.files import write_atomic

    text = render_scorecard(report)
    write_atomic(report.scorecard, text.encode("utf-8"))
    nb = nbformat.reads(report.record.read_text(encoding="utf-8"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text, metadata={"relbook_drill": "scorecard"}))
    nb.metadata["relbook"]["drill_scorecard"] = json.loads(json.dumps(scorecard_data(report)))
    nb.metadata["relbook"]["digest"] = ""
    write_notebook(report.record, nb)
    lock = report.record.with_name(report.record.name.replace(".ipynb", ".lock"))
    if lock.exists():
        lock.unlink()
