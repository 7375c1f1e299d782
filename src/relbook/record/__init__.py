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

from typing import TYPE_CHECKING

from relbook.lazy import exports

if TYPE_CHECKING:
    from relbook.record.journal import Journal, read_journal
    from relbook.record.layout import RecordPaths, latest_attempt, record_paths
    from relbook.record.notebook import (
        SCHEMA,
        NotebookWriter,
        build_notebook,
        cell_outcome,
        check_notebook,
        notebook_json,
        now_iso,
        read_record,
        seal,
        sealed,
        status_line,
        write_notebook,
    )
    from relbook.record.state import (
        State,
        finished,
        outcome_from_dict,
        outcome_to_dict,
        replay,
        still_running,
    )

# name -> the module that defines it, imported on first use: `relbook.record.mask`
# (which every command loads) then costs no journal, notebook or state module
_HOME = {
    **dict.fromkeys(("Journal", "read_journal"), "journal"),
    **dict.fromkeys(("RecordPaths", "latest_attempt", "record_paths"), "layout"),
    **dict.fromkeys(
        [
            "SCHEMA",
            "NotebookWriter",
            "build_notebook",
            "cell_outcome",
            "check_notebook",
            "notebook_json",
            "now_iso",
            "read_record",
            "seal",
            "sealed",
            "status_line",
            "write_notebook",
        ],
        "notebook",
    ),
    **dict.fromkeys(
        ["State", "finished", "outcome_from_dict", "outcome_to_dict", "replay", "still_running"],
        "state",
    ),
}


__getattr__ = exports(__name__, _HOME)


__all__ = [
    "SCHEMA",
    "Journal",
    "NotebookWriter",
    "RecordPaths",
    "State",
    "build_notebook",
    "cell_outcome",
    "check_notebook",
    "finished",
    "latest_attempt",
    "notebook_json",
    "now_iso",
    "outcome_from_dict",
    "outcome_to_dict",
    "read_journal",
    "read_record",
    "record_paths",
    "replay",
    "seal",
    "sealed",
    "status_line",
    "still_running",
    "write_notebook",
]
