"""One run per repository: two runs that would write one repository never proceed
together, whatever directory, records directory, runbook or version they use."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import env, kill_marked, lines, spawn, wait_for, write_runbook

GATED = """
    # Gated release

    ## Steps

    ```bash
    echo "$RELBOOK_VERSION" >> "$COUNTERS/started"
    ```

    ```bash
    until [ -e "$COUNTERS/go" ]; do sleep 0.05; done
    ```

    ```bash
    echo "$RELBOOK_VERSION" >> "$COUNTERS/finished"
    ```
"""


@pytest.fixture
def gated(origin_repo: Repo, tmp_path: Path):
    """A runbook whose second step waits for $COUNTERS/go, and a marker for clean-up."""
    counters = tmp_path / "counters"
    counters.mkdir()
    rb = write_runbook(tmp_path / "gated.md", GATED)
    marker = uuid.uuid4().hex
    yield rb, counters, env(COUNTERS=str(counters), RB_TEST_MARK=marker)
    (counters / "go").touch()
    kill_marked(marker)


def _start(rb: Path, version: str, repo: Path, cwd: Path, environ: dict) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    # relative records: each directory has records of its own
    args = [rb, "--version", version, "--repo", repo, "--records", "records", "--yes"]
    return spawn(*args, cwd=cwd, env=environ)


def _race(first: subprocess.Popen, second: subprocess.Popen, counters: Path) -> list:
    """Let both runs go; the gate opens once one has ended (or after a while)."""
    try:
        wait_for(lambda: first.poll() is not None or second.poll() is not None, what="a refusal")
    except AssertionError:
        pass  # neither was refused: both are inside the release
    (counters / "go").touch()
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    return [(p.pid, p.returncode, *out) for p, out in zip((first, second), outputs, strict=True)]


def _one_proceeds(results: list, counters: Path) -> tuple:
    codes = sorted(code for _, code, _, _ in results)
    assert codes == [0, 2], results
    (winner,) = [r for r in results if r[1] == 0]
    (loser,) = [r for r in results if r[1] == 2]
    assert "Traceback" not in loser[3]
    assert lines(counters / "started") == 1  # the refused run started no step
    assert lines(counters / "finished") == 1
    return winner, loser


def test_same_release_from_two_directories_runs_once(gated, origin_repo: Repo, tmp_path: Path):
    rb, counters, environ = gated
    a = _start(rb, "1.3.0", origin_repo.path, tmp_path / "a", environ)
    b = _start(rb, "1.3.0", origin_repo.path, tmp_path / "b", environ)
    winner, loser = _one_proceeds(_race(a, b, counters), counters)
    err = loser[3]
    assert f"repository {origin_repo.path}" in err
    assert f"pid {winner[0]} on host {socket.gethostname()}" in err
    assert "runbook gated version 1.3.0" in err
    # the refused run left no record in its own records directory
    mine = tmp_path / ("a" if loser[0] == a.pid else "b") / "records" / "gated"
    assert not list(mine.glob("*.journal.jsonl"))


def test_two_versions_on_one_repository_at_once(gated, origin_repo: Repo, tmp_path: Path):
    rb, counters, environ = gated
    a = _start(rb, "1.3.0", origin_repo.path, tmp_path, environ)
    b = _start(rb, "1.4.0", origin_repo.path, tmp_path, environ)
    winner, loser = _one_proceeds(_race(a, b, counters), counters)
    version = "1.3.0" if winner[0] == a.pid else "1.4.0"
    assert f"runbook gated version {version}" in loser[3]
    assert (counters / "finished").read_text() == f"{version}\n"


def test_a_worktree_of_the_repository_shares_its_lock(gated, origin_repo: Repo, tmp_path: Path):
    rb, counters, environ = gated
    tree = tmp_path / "tree"
    origin_repo.git("worktree", "add", "-q", "-b", "other", str(tree))
    first = _start(rb, "1.3.0", origin_repo.path, tmp_path / "a", environ)
    wait_for(lambda: lines(counters / "started") == 1, what="the first run to start")
    second = subprocess.run(
        spawn_args(rb, "2.0.0", tree), cwd=tmp_path, env=environ, capture_output=True, text=True
    )
    (counters / "go").touch()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 2, second.stderr
    assert f"pid {first.pid}" in second.stderr and "version 1.3.0" in second.stderr
    assert lines(counters / "started") == 1


def test_a_killed_holder_releases_the_repository(gated, origin_repo: Repo, tmp_path: Path):
    rb, counters, environ = gated
    first = _start(rb, "1.3.0", origin_repo.path, tmp_path / "a", environ)
    wait_for(lambda: lines(counters / "started") == 1, what="the first run to start")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)
    kill_marked(environ["RB_TEST_MARK"])  # its step, still waiting at the gate
    (counters / "go").touch()
    (tmp_path / "b").mkdir()
    other = subprocess.run(
        spawn_args(rb, "1.4.0", origin_repo.path),
        cwd=tmp_path / "b",
        env=environ,
        capture_output=True,
        text=True,
    )
    assert other.returncode == 0, other.stderr
    assert (counters / "finished").read_text() == "1.4.0\n"


def spawn_args(rb: Path, version: str, repo: Path) -> list[str]:
    from tests.e2e.runhelp import command

    return command(rb, "--version", version, "--repo", repo, "--records", "records", "--yes")


@pytest.mark.slow
def test_the_papermill_kernel_holds_the_repository_until_it_dies(
    gated, origin_repo: Repo, tmp_path: Path
):
    rb, counters, environ = gated
    (tmp_path / "a").mkdir()
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", "records", "--yes"]
    pm = spawn(*args, "--engine", "papermill", cwd=tmp_path / "a", env=environ)
    wait_for(lambda: lines(counters / "started") == 1, timeout=60, what="the kernel's first step")
    (tmp_path / "b").mkdir()
    refused = subprocess.run(
        spawn_args(rb, "1.4.0", origin_repo.path),
        cwd=tmp_path / "b",
        env=environ,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2, refused.stderr
    holder = int(refused.stderr.split(" pid ", 1)[1].split()[0])
    assert holder != pm.pid  # the kernel holds it, not the relbook that started it
    assert b"relbook.kernel" in Path(f"/proc/{holder}/cmdline").read_bytes()
    os.kill(holder, signal.SIGKILL)  # the kernel dies mid-step
    out, err = pm.communicate(timeout=60)
    assert pm.returncode == 1, err
    assert "the kernel died" in err
    (counters / "go").touch()
    after = subprocess.run(
        spawn_args(rb, "1.4.0", origin_repo.path),
        cwd=tmp_path / "b",
        env=environ,
        capture_output=True,
        text=True,
    )
    assert after.returncode == 0, after.stderr
    assert (counters / "finished").read_text() == "1.4.0\n"
