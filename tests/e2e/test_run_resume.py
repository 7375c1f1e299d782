"""Crash, resume and lock: relbook killed mid-step, a second run, a refused push."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import (
    SIGNER,
    journal,
    kill_marked,
    lines,
    marked_pids,
    outcomes,
    relbook,
    release_args,
    run,
    spawn,
    wait_for,
    write_runbook,
)

COUNTING = """
    # Counting release

    ## Steps

    ```bash
    echo 1 >> "$COUNTERS/counter1"
    ```

    ```bash
    echo 2 >> "$COUNTERS/counter2"
    ```

    ```bash
    echo 3 >> "$COUNTERS/counter3"
    sleep "${STEP3_SLEEP:-0}"
    ```

    ```bash
    echo 4 >> "$COUNTERS/counter4"
    ```
"""


@pytest.fixture
def counting(origin_repo: Repo, tmp_path: Path):
    """A four-step runbook whose steps count their runs in $COUNTERS."""
    counters = tmp_path / "counters"
    counters.mkdir()
    rb = write_runbook(tmp_path / "counting.md", COUNTING)
    marker = uuid.uuid4().hex
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    yield counters, args, marker
    kill_marked(marker)


def _env(counters: Path, marker: str, sleep: str = "0") -> dict[str, str]:
    from tests.e2e.runhelp import env

    return env(COUNTERS=str(counters), STEP3_SLEEP=sleep, RB_TEST_MARK=marker)


def _kill_during_step3(counters: Path, args: list, marker: str) -> int:
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = spawn(*args, "--yes", env=_env(counters, marker, "1000"), **quiet)
    # step 3 has counted and its `sleep 1000` runs (not only the shell about to exec it)
    wait_for(
        lambda: lines(counters / "counter3") == 1 and marked_pids(marker),
        what="step 3's sleep to start",
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    return proc.pid


def test_sigkill_mid_step_then_resume(counting, tmp_path: Path) -> None:
    counters, args, marker = counting
    _kill_during_step3(counters, args, marker)
    # the step's own processes outlive relbook (they run in their own session)
    assert marked_pids(marker)

    done = relbook(*args, "--yes", env=_env(counters, marker))
    assert done.returncode == 0, done.stderr
    assert "step steps.3 was interrupted" in done.stdout
    assert "stopped what it left running" in done.stdout and "sleep 1000" in done.stdout
    assert not marked_pids(marker)  # the old `sleep 1000` of step 3 is gone
    assert [lines(counters / f"counter{n}") for n in (1, 2, 3, 4)] == [1, 1, 2, 1]
    rec = tmp_path / "rec" / "counting" / "1.3.0.ipynb"
    assert {o["status"] for o in outcomes(rec).values()} == {"done"}
    events = journal(rec.with_name("1.3.0.journal.jsonl"))
    assert [e["step"] for e in events if e["event"] == "start"] == [
        "steps.1",
        "steps.2",
        "steps.3",
        "steps.3",
        "steps.4",
    ]
    assert any(e["event"] == "leftovers" and e["step"] == "steps.3" for e in events)


def test_interrupted_step_waits_for_the_operator(counting, tmp_path: Path) -> None:
    counters, args, marker = counting
    _kill_during_step3(counters, args, marker)
    rec = tmp_path / "rec" / "counting" / "1.3.0.ipynb"

    paused = relbook(*args, env=_env(counters, marker))  # no terminal, no --yes
    assert paused.returncode == 3
    assert "steps.3" in paused.stderr and "--rerun-interrupted" in paused.stderr
    assert "counting.md:13" in paused.stderr  # the step's fence line
    assert "Traceback" not in paused.stderr
    assert lines(counters / "counter3") == 1
    assert outcomes(rec)["steps.3"]["status"] == "interrupted"

    done = relbook(*args, "--rerun-interrupted", env=_env(counters, marker))
    assert done.returncode == 0, done.stderr
    assert [lines(counters / f"counter{n}") for n in (1, 2, 3, 4)] == [1, 1, 2, 1]


def test_second_run_is_refused_at_once(counting, tmp_path: Path) -> None:
    counters, args, marker = counting
    first = spawn(*args, "--yes", env=_env(counters, marker, "1000"))
    try:
        wait_for(lambda: lines(counters / "counter3") == 1, what="step 3 to start")
        second = relbook(*args, "--yes", env=_env(counters, marker))
        waited = first.poll() is not None  # refused at once: the first is still in step 3
    finally:
        first.kill()
        first.communicate(timeout=5)
    assert second.returncode == 2
    assert not waited, "the second run waited for the first to end"
    assert f"pid {first.pid}" in second.stderr
    assert f"host {socket.gethostname()}" in second.stderr
    assert "Traceback" not in second.stderr
    assert lines(counters / "counter1") == 1  # the second run started nothing


def test_lock_of_a_killed_run_is_recovered(counting, tmp_path: Path) -> None:
    counters, args, marker = counting
    killed = _kill_during_step3(counters, args, marker)
    lock = tmp_path / "rec" / "counting" / "1.3.0.lock"
    assert lock.exists()
    done = relbook(*args, "--yes", env=_env(counters, marker))
    assert done.returncode == 0, done.stderr
    assert f"pid {killed}" not in done.stderr
    assert lines(counters / "counter4") == 1


REJECT_TAGS = """#!/bin/sh
while read old new ref; do
  case "$ref" in
    refs/tags/*) echo "release freeze: tag pushes are refused by policy" >&2; exit 1;;
  esac
done
exit 0
"""


def test_rejected_push_then_resume_runs_only_what_is_left(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    hook = origin_repo.origin / "hooks" / "pre-receive"
    hook.write_text(REJECT_TAGS)
    hook.chmod(0o755)
    records = tmp_path / "records"
    args = release_args(origin_repo, records, "--yes", *SIGNER)
    assert run(*args) == 1
    out, err = capsys.readouterr()
    assert out.count("release freeze: tag pushes are refused by policy") == 1  # shown once
    assert "release freeze" not in err
    assert "release-management.md:77:" in err  # `git push origin v1.2.3`, not the block
    assert "exit status 1" in err and "to continue: relbook run " in err
    assert "Traceback" not in err
    tag = origin_repo.git("rev-parse", "v1.2.3")
    assert origin_repo.origin_git("tag", "-l", "v1.2.3") == ""
    assert origin_repo.origin_git("show", "main:VERSION") == "1.2.3"  # main was pushed

    hook.unlink()
    assert run(*args) == 0
    assert origin_repo.git("rev-parse", "v1.2.3") == tag  # the tag was not re-created
    assert origin_repo.origin_git("rev-parse", "v1.2.3") == tag
    assert origin_repo.origin_git("branch", "--list", "release/*") == ""
    rec = records / "release-management" / "1.2.3.ipynb"
    deploy = outcomes(rec)["release-deployment.1"]
    assert deploy["status"] == "done"
    # merge (72), push main (73) and tag (76) were already in place: skipped by guards
    assert sorted(deploy["extra"]["already_done_lines"]) == [72, 73, 76]
    events = journal(rec.with_name("1.2.3.journal.jsonl"))
    started = [e["step"] for e in events if e["event"] == "start"]
    assert started.count("release-branch-creation.1") == 1  # earlier steps not re-run
    assert started.count("release-deployment.1") == 2
