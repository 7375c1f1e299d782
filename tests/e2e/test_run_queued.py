"""Steps handed to bash queued behind the running one (run.pipeline, engines.window):
a failure in the middle of the queue runs nothing after it, a SIGKILL of relbook
while steps are queued runs nothing unrecorded and loses nothing, and the journal
says what was queued before any of it could run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import (
    env,
    journal,
    kill_marked,
    lines,
    marked_pids,
    outcomes,
    relbook,
    spawn,
    wait_for,
    write_runbook,
)


def _guide(path: Path, bodies: list[str]) -> Path:
    blocks = "\n".join(f"```bash\n{b}\n```\n" for b in bodies)
    return write_runbook(path, f"# Queued\n\n## Steps\n\n{blocks}")


def _count(n: int) -> str:
    return f'echo {n} >> "$COUNTERS/c{n}"'


@pytest.fixture
def setup(origin_repo: Repo, tmp_path: Path):
    counters = tmp_path / "counters"
    counters.mkdir()
    marker = uuid.uuid4().hex
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    yield counters, args, marker
    kill_marked(marker)


def _events(tmp_path: Path) -> list[dict]:
    return journal(tmp_path / "rec" / "queued" / "1.3.0.journal.jsonl")


def test_a_failing_step_in_the_queue_leaves_the_later_steps_unrun(setup, tmp_path: Path) -> None:
    counters, args, marker = setup
    bodies = [_count(n) for n in range(1, 9)]
    bodies[3] = f'{_count(4)}\ntest -e "$COUNTERS/fixed"'  # step 4 fails until fixed
    rb = _guide(tmp_path / "queued.md", bodies)
    e = env(COUNTERS=str(counters), RB_TEST_MARK=marker)

    failed = relbook(rb, *args, "--yes", env=e)
    assert failed.returncode == 1, failed.stderr
    assert [lines(counters / f"c{n}") for n in range(1, 9)] == [1, 1, 1, 1, 0, 0, 0, 0]
    events = _events(tmp_path)
    queued = [s for ev in events if ev["event"] == "queue" for s in ev["steps"]]
    assert {"steps.5", "steps.6"} <= set(queued)  # they were handed over, and not run
    withdrawn = [s for ev in events if ev["event"] == "unqueue" for s in ev["steps"]]
    assert set(withdrawn) == {f"steps.{n}" for n in range(5, 9)} & set(queued)
    rec = tmp_path / "rec" / "queued" / "1.3.0.ipynb"
    got = outcomes(rec)
    assert got["steps.4"]["status"] == "failed"
    assert all(got.get(f"steps.{n}", {}).get("status", "pending") == "pending" for n in (5, 6))
    assert "failed in" in failed.stderr and "4 pending" in failed.stderr

    (counters / "fixed").touch()
    done = relbook(rb, *args, "--yes", env=e)
    assert done.returncode == 0, done.stderr
    assert "was interrupted" not in done.stdout  # withdrawn steps never ran
    assert [lines(counters / f"c{n}") for n in range(1, 9)] == [1, 1, 1, 2, 1, 1, 1, 1]


def test_journal_says_what_is_queued_before_it_can_run(setup, tmp_path: Path) -> None:
    counters, args, marker = setup
    rb = _guide(tmp_path / "queued.md", [_count(n) for n in range(1, 6)])
    done = relbook(rb, *args, "--yes", env=env(COUNTERS=str(counters)))
    assert done.returncode == 0, done.stderr
    events = _events(tmp_path)
    tokens = {}
    for i, ev in enumerate(events):
        if ev["event"] == "queue":
            tokens.update(zip(ev["steps"], ev["tokens"], strict=True))
            # queued while the step before them runs: no later step has started yet
            first = min(int(s.split(".")[1]) for s in ev["steps"])
            started = [e["step"] for e in events[:i] if e["event"] == "start"]
            assert all(int(s.split(".")[1]) < first for s in started)
    assert set(tokens) >= {"steps.2", "steps.3", "steps.4", "steps.5"}
    starts = [e for e in events if e["event"] == "start"]
    assert [e["step"] for e in starts] == [f"steps.{n}" for n in range(1, 6)]
    for e in starts[1:]:  # each queued step ran with the token it was queued with
        assert tokens[e["step"]] == e["token"]
    order = [e["outcome"]["step_id"] for e in events if e["event"] == "outcome"]
    assert order == [f"steps.{n}" for n in range(1, 6)]


def test_sigkill_while_steps_are_queued_runs_nothing_unrecorded(setup, tmp_path: Path) -> None:
    counters, args, marker = setup
    bodies = [_count(n) for n in range(1, 7)]
    bodies[1] = f'{_count(2)}\nsleep "$NAP"'  # relbook is killed during this sleep
    rb = _guide(tmp_path / "queued.md", bodies)
    e = env(COUNTERS=str(counters), RB_TEST_MARK=marker, NAP="1")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = spawn(rb, *args, "--yes", env=e, **quiet)
    wait_for(lambda: lines(counters / "c2") == 1 and marked_pids(marker), what="step 2's sleep")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    queued = [s for ev in _events(tmp_path) if ev["event"] == "queue" for s in ev["steps"]]
    assert "steps.3" in queued  # handed over to bash before relbook died
    time.sleep(2)  # step 2's sleep is over: bash comes to the queued steps
    assert [lines(counters / f"c{n}") for n in range(1, 7)] == [1, 1, 0, 0, 0, 0]

    done = relbook(rb, *args, "--yes", env={**e, "NAP": "0"})
    assert done.returncode == 0, done.stderr
    assert "step steps.2 was interrupted" in done.stdout
    # step 3 was queued, and never released: step 2 was not journaled done
    assert "steps.3 was interrupted" not in done.stdout
    assert [lines(counters / f"c{n}") for n in range(1, 7)] == [1, 2, 1, 1, 1, 1]
    rec = tmp_path / "rec" / "queued" / "1.3.0.ipynb"
    assert {o["status"] for o in outcomes(rec).values()} == {"done"}
