"""Signals to relbook mid-step: SIGTERM (a CI cancel), SIGHUP (a closed SSH session)
and SIGINT (Ctrl-C) end the step's process group, record it interrupted, stop the run
with 128 + the signal's number, and leave a record the same command resumes."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import journal, kill_marked, marked_pids, outcomes, relbook, spawn, wait_for

GUIDE = "# Signal release\n\n## Steps\n\n```bash\n{first}\n```\n\n```bash\necho second\n```\n"


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch):
    mark = uuid.uuid4().hex
    monkeypatch.setenv("RB_TEST_MARK", mark)
    yield mark
    kill_marked(mark)


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [
        (signal.SIGTERM, 143, "terminated (SIGTERM)"),
        (signal.SIGHUP, 129, "hung up (SIGHUP)"),
        (signal.SIGINT, 130, "interrupted"),
    ],
)
def test_signal_mid_step_stops_the_run_and_resume_works(
    sig: int, code: int, word: str, origin_repo: Repo, tmp_path: Path, marker: str
) -> None:
    flag = tmp_path / "started"
    rb = tmp_path / "sig.md"
    # the step ignores the signal itself: relbook must still end its group
    first = f"trap '' TERM HUP INT\ntouch {flag}\nif [ ! -e {flag}.again ]; then sleep 1000; fi"
    rb.write_text(GUIDE.format(first=first))
    argv = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    proc = spawn(*argv)
    wait_for(flag.exists, what="the step to start")
    wait_for(lambda: marked_pids(marker) != [], what="the step's sleep")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err
    assert marked_pids(marker) == []  # nothing keeps running
    rec = tmp_path / "rec" / "sig" / "1.3.0.ipynb"
    got = outcomes(rec)
    assert got["steps.1"]["status"] == "interrupted"
    assert got["steps.2"]["status"] == "pending"
    events = journal(rec.parent / "1.3.0.journal.jsonl")
    assert events[-1]["event"] == "finish" and events[-1]["result"] == "interrupted"

    (tmp_path / "started.again").touch()
    done = relbook(*argv, "--rerun-interrupted")
    assert done.returncode == 0, done.stderr
    got = outcomes(rec)
    assert [got[s]["status"] for s in ("steps.1", "steps.2")] == ["done", "done"]


def test_a_step_reported_done_is_in_the_journal_on_disk(
    origin_repo: Repo, tmp_path: Path, marker: str
) -> None:
    """Killed (SIGKILL, no clean-up) the moment the terminal says a step is ok: the
    journal on disk has that step done."""
    rb = tmp_path / "sig.md"
    rb.write_text(GUIDE.replace("echo second", "sleep 1000").format(first="echo first"))
    argv = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    proc = spawn(*argv)
    for line in proc.stdout:
        if "... ok" in line:
            proc.kill()
            break
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    events = journal(tmp_path / "rec" / "sig" / "1.3.0.journal.jsonl")
    done = [e["outcome"] for e in events if e["event"] == "outcome"]
    assert [(o["step_id"], o["status"]) for o in done] == [("steps.1", "done")]
