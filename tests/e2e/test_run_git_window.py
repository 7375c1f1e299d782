"""A kill inside a git command's window: the resume completes or reports what is
staged, and never leaves it behind (the commit guard compares trees)."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import env, kill_marked, outcomes, relbook, spawn, wait_for, write_runbook

CHANGELOG = """
    # Changelog release

    ## Steps

    ```bash
    echo "- entry" >> CHANGELOG.md
    git add CHANGELOG.md
    touch "$MARKS/added"; sleep "${HOLD_ADDED:-0}"
    git commit -q -m "Update changelog"
    touch "$MARKS/committed"; sleep "${HOLD_COMMITTED:-0}"
    ```

    ```bash
    echo finished
    ```
"""


@pytest.fixture
def changelog(origin_repo: Repo, tmp_path: Path):
    marks = tmp_path / "marks"
    marks.mkdir()
    rb = write_runbook(tmp_path / "changelog.md", CHANGELOG)
    marker = uuid.uuid4().hex
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    yield args, marks, marker
    kill_marked(marker)


def _killed_at(args: list, marks: Path, marker: str, mark: str, hold: str) -> None:
    proc = spawn(*args, "--yes", env=env(MARKS=str(marks), RB_TEST_MARK=marker, **{hold: "30"}))
    wait_for(lambda: (marks / mark).exists(), what=f"the step to reach {mark}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)


def _clean(repo: Repo) -> None:
    assert repo.git("status", "--porcelain") == ""  # nothing staged or changed is left


def test_kill_after_the_commit_then_resume_leaves_nothing_staged(changelog, origin_repo: Repo):
    args, marks, marker = changelog
    head = origin_repo.git("rev-parse", "HEAD")
    _killed_at(args, marks, marker, "committed", "HOLD_COMMITTED")
    assert origin_repo.git("log", "-1", "--format=%s") == "Update changelog"
    done = relbook(*args, "--yes", env=env(MARKS=str(marks), RB_TEST_MARK=marker))
    assert done.returncode == 0, done.stderr
    _clean(origin_repo)
    # the re-run appended again: the subject matched but the tree did not, so it committed
    subjects = origin_repo.git("log", "--format=%s", f"{head}..HEAD").splitlines()
    assert subjects == ["Update changelog", "Update changelog"]
    assert origin_repo.git("show", "HEAD:CHANGELOG.md").count("- entry") == 2


def test_kill_between_add_and_commit_is_reported_then_completed(
    changelog, origin_repo: Repo, tmp_path: Path
):
    args, marks, marker = changelog
    _killed_at(args, marks, marker, "added", "HOLD_ADDED")
    assert origin_repo.git("diff", "--cached", "--name-only") == "CHANGELOG.md"
    paused = relbook(*args, env=env(MARKS=str(marks), RB_TEST_MARK=marker))  # no --yes
    assert paused.returncode == 3, paused.stderr
    assert "staged but not committed (CHANGELOG.md)" in paused.stdout
    assert "Traceback" not in paused.stderr
    done = relbook(*args, "--yes", env=env(MARKS=str(marks), RB_TEST_MARK=marker))
    assert done.returncode == 0, done.stderr
    _clean(origin_repo)
    assert origin_repo.git("log", "-1", "--format=%s") == "Update changelog"
    rec = tmp_path / "rec" / "changelog" / "1.3.0.ipynb"
    assert {o["status"] for o in outcomes(rec).values()} == {"done"}


def test_an_older_commit_with_the_same_subject_does_not_skip_the_commit(
    changelog, origin_repo: Repo
):
    args, marks, marker = changelog
    origin_repo.commit("Update changelog", {"OTHER.md": "x\n"})  # an earlier release's
    _killed_at(args, marks, marker, "added", "HOLD_ADDED")
    done = relbook(*args, "--yes", env=env(MARKS=str(marks), RB_TEST_MARK=marker))
    assert done.returncode == 0, done.stderr
    _clean(origin_repo)
    assert "- entry" in origin_repo.git("show", "HEAD:CHANGELOG.md")
