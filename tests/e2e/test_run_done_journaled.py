"""Read from the outside, as an operator's second terminal would: when `relbook run`
prints that a step is done, the step's outcome is in the journal file on disk, even
while the next step is still running (its fsync may overlap that step, never the
report)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import env, journal, spawn, write_runbook


def test_a_step_reported_done_is_in_the_journal_file(origin_repo: Repo, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    guide = write_runbook(
        tmp_path / "guide.md",
        """
        # Guide

        ## Release

        ```bash
        echo first
        ```

        ```bash
        read -r word < "$GATE"; echo "second: $word"
        ```

        ```bash
        echo third
        ```
        """,
    )
    records = tmp_path / "records"
    path = records / "guide" / "1.2.3.journal.jsonl"
    proc = spawn(
        guide, "--version", "1.2.3", "--yes", "--repo", origin_repo.path, "--records", records,
        env=env(GATE=str(gate), NO_COLOR="1"),
    )  # fmt: skip
    seen: list[list[str]] = []
    watchdog = threading.Timer(60, proc.kill)  # a run stuck at the gate ends the test
    watchdog.start()
    with proc:
        for line in proc.stdout:
            if not line.startswith("  ... ok"):
                continue
            # the moment the operator sees it: what does the file hold?
            seen.append([e["outcome"]["step_id"] for e in journal(path) if e["event"] == "outcome"])
            if len(seen) == 1:  # the second step waits until this was checked
                with open(gate, "w") as f:
                    f.write("go\n")
        errors = proc.stderr.read()
    watchdog.cancel()
    assert proc.returncode == 0, errors
    assert len(seen) == 3
    steps = ["release.1", "release.2", "release.3"]
    for n, ids in enumerate(seen, 1):
        # the journal may run ahead of the screen (this reader can be late), never behind
        assert ids[:n] == steps[:n], f"done line {n} shown, the journal had {ids}"
    assert seen[0] == ["release.1"]  # the gate held step 2 while line 1 was checked
    events = journal(path)
    assert events[-1]["event"] == "finish" and events[-1]["result"] == "done"
