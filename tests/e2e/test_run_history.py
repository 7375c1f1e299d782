"""Every attempt is history: a rejected push, fixed and resumed, and a SIGKILL
mid-step, show in the notebook, the report, the checklist, the notes and metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import (
    GUIDE,
    RELEASE_DAY,
    SIGNER,
    kill_marked,
    notebook,
    outcomes,
    release_args,
    run,
    spawn,
    wait_for,
    write_runbook,
)

REJECT_TAGS = """#!/bin/sh
while read old new ref; do
  case "$ref" in
    refs/tags/*) echo "pre-receive hook declined: tag pushes are frozen" >&2; exit 1;;
  esac
done
exit 0
"""


def _rejected_then_resumed(origin_repo: Repo, records: Path) -> Path:
    hook = origin_repo.origin / "hooks" / "pre-receive"
    hook.write_text(REJECT_TAGS)
    hook.chmod(0o755)
    args = release_args(origin_repo, records, "--yes", *SIGNER)
    assert run(*args) == 1
    hook.unlink()
    assert run(*args) == 0
    return records / "release-management" / "1.2.3.ipynb"


def test_rejected_push_shows_every_attempt_everywhere(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    records = tmp_path / "records"
    rec = _rejected_then_resumed(origin_repo, records)
    capsys.readouterr()

    # the notebook: the last attempt first, the failed one below, collapsed
    deploy = outcomes(rec)["release-deployment.1"]
    tries = deploy["attempts"]
    assert [a["status"] for a in tries] == ["failed", "done"]
    assert tries[0]["exit_code"] == 1 and tries[0]["failed_line"] == 77
    assert "pre-receive hook declined" in tries[0]["output"]
    assert tries[0]["duration"] > 0
    cell = next(
        c
        for c in notebook(rec).cells
        if c.metadata.get("relbook", {}).get("step_id") == deploy["step_id"]
    )
    shown = [o for o in cell.outputs if o.get("metadata", {}).get("relbook") == "attempts"]
    assert len(shown) == 1 and cell.outputs[-1] is shown[0]  # below the last attempt
    md = shown[0]["data"]["text/markdown"]
    assert md.startswith("<details><summary>1 earlier attempt: #1 failed")
    assert "pre-receive hook declined" in md and "release-management.md:77" in md
    history = json.loads(rec.read_text())["metadata"]["relbook"]["history"]
    assert [h["event"] for h in history] == ["begin", "resume"]
    assert [h["stopped"] for h in history] == ["failed", "done"]

    # the report: the failure and the resume on the timeline, with their durations
    report = tmp_path / "report.html"
    assert main(["render", "report", str(rec), "-o", str(report)]) == 0
    page = report.read_text()
    assert "pre-receive hook declined" in page
    assert 'class="attempt f-failed"' in page
    assert "resumed" in page and "needed 2 attempts" in page

    # the checklist and the notes name the step that needed a second attempt
    out = tmp_path / "checklist.md"
    assert main(["render", "checklist", str(GUIDE), "--record", str(rec), "-o", str(out)]) == 0
    text = out.read_text()
    assert "needed 2 attempts" in text and "attempt 1: failed" in text
    assert "pre-receive hook declined" in text
    notes = tmp_path / "notes.md"
    code = main(
        ["render", "notes", str(GUIDE), "--version", "1.2.3", "--record", str(rec)]
        + ["--repo", str(origin_repo.path), "-o", str(notes), "--date", RELEASE_DAY]
    )
    assert code == 0
    assert "needed 2 attempts" in notes.read_text()

    # metrics: one failed attempt and the time it cost
    assert main(["metrics", str(records), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    release = data["releases"][0]
    assert release["failed_attempts"] == 1 and release["time_lost"] > 0
    step = next(s for s in data["steps"] if s["step"] == "release-deployment.1")
    assert step["failed_attempts"] == 1
    assert main(["metrics", str(records)]) == 0
    assert "failed attempts" in capsys.readouterr().out


SLOW = """
    # Slow release

    ## Steps

    ```bash
    echo first
    ```

    ```bash
    echo "working on it"
    touch "$COUNTERS/started"
    sleep "${STEP2_SLEEP:-0}"
    echo finished
    ```
"""


def test_sigkill_mid_step_then_resume_keeps_the_killed_attempt(tmp_path: Path) -> None:
    counters = tmp_path / "counters"
    counters.mkdir()
    rb = write_runbook(tmp_path / "slow.md", SLOW)
    records = tmp_path / "records"
    marker = uuid.uuid4().hex
    args = (rb, "--version", "1.0.0", "--repo", tmp_path, "--records", records, "--yes")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    env |= {"COUNTERS": str(counters), "STEP2_SLEEP": "1000", "MARK": marker}
    try:
        proc = spawn(*args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = records / "slow" / "1.0.0.logs" / "output.log"
        wait_for(
            lambda: log.exists() and b"working on it" in log.read_bytes(),
            what="step 2's output to reach the log",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kill_marked(marker)
        env["STEP2_SLEEP"] = "0"
        done = spawn(*args, "--rerun-interrupted", env=env)
        out, err = done.communicate(timeout=60)
        assert done.returncode == 0, err
    finally:
        kill_marked(marker)
    rec = records / "slow" / "1.0.0.ipynb"
    tries = outcomes(rec)["steps.2"]["attempts"]
    assert [a["status"] for a in tries] == ["killed", "done"]
    assert "working on it" in tries[0]["output"]
    assert "relbook stopped" in tries[0]["reason"]
    history = json.loads(rec.read_text())["metadata"]["relbook"]["history"]
    assert [h["stopped"] for h in history] == ["killed", "done"]
    report = tmp_path / "r.html"
    assert main(["render", "report", str(rec), "-o", str(report)]) == 0
    assert "killed" in report.read_text()


def _released(tmp_path: Path) -> Path:
    tmp_path.mkdir(exist_ok=True)
    rb = write_runbook(
        tmp_path / "tiny.md",
        """
        # Tiny release

        ## Steps

        ```bash
        echo "built 1.0.0"
        ```

        - [ ] Announce it
        """,
    )
    records = tmp_path / "records"
    args = (rb, "--version", "1.0.0", "--repo", tmp_path, "--records", records, "--yes")
    assert run(*args) == 0
    return records / "tiny" / "1.0.0.ipynb"


def _flip_one_byte(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert data.count(old) >= 1 and len(old) == len(new)
    path.write_bytes(data.replace(old, new, 1))


def test_a_record_with_one_byte_changed_renders_only_under_a_banner(tmp_path, capsys) -> None:
    rec = _released(tmp_path)
    rb = tmp_path / "tiny.md"
    renders = {
        "report": ["render", "report", str(rec)],
        "checklist": ["render", "checklist", str(rb), "--record", str(rec)],
        "notes": ["render", "notes", str(rb), "--version", "1.0.0", "--record", str(rec)],
        "metrics": ["metrics", str(rec.parent.parent)],
    }
    for argv in renders.values():  # authentic: no banner
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert "does not match its journal" not in out + err

    _flip_one_byte(rec, b"built 1.0.0", b"built 1.0.1")  # the visible output, one byte
    for name, argv in renders.items():
        assert main(argv) == 1, name
        out, err = capsys.readouterr()
        assert "does not match its journal" in err and out == "", name
        assert "Traceback" not in err
        assert main([*argv, "--force"]) == 0, name
        out, err = capsys.readouterr()
        assert "does not match its journal" in out, name  # the banner is in the document
    report = main(["render", "report", str(rec), "--force"])
    assert report == 0
    assert 'class="tampered"' in capsys.readouterr().out


def test_a_resealed_notebook_still_disagrees_with_its_journal(tmp_path, capsys) -> None:
    from relbook.record import notebook_json, seal

    rec = _released(tmp_path)
    nb = json.loads(rec.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["outputs"][0]["text"] = "built 1.0.1\n"  # edited, and sealed again by hand
    cell["metadata"]["relbook"]["output"] = "built 1.0.1\n"
    nb["metadata"]["relbook"]["digest"] = ""
    rec.write_text(seal(notebook_json(nb)))
    assert main(["render", "report", str(rec)]) == 1
    assert "step steps.1: output differs from 1.0.0.journal.jsonl" in capsys.readouterr().err

    journal = rec.with_name("1.0.0.journal.jsonl")
    _released(tmp_path / "again")  # a journal edited by one byte breaks its chain
    rec2 = tmp_path / "again" / "records" / "tiny" / "1.0.0.ipynb"
    _flip_one_byte(rec2.with_name(journal.name), b"built 1.0.0", b"built 1.0.1")
    assert main(["render", "report", str(rec2)]) == 1
    assert "hash chain broken" in capsys.readouterr().err
