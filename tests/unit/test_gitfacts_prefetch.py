"""What the start of a run asks git is asked side by side, once (params.gitfacts
prefetch): each answer is taken once, a question asked again is asked afresh, and
relbook's own change to what git shows (an exclude it writes) drops what was asked
before it. Real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from relbook.params import gitfacts
from relbook.record.exclude import exclude


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    git = ["git", "-C", str(path), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    subprocess.run([*git, "tag", "v1.0.0"], check=True)
    yield path
    gitfacts.forget()


def test_an_answer_asked_ahead_is_taken_once(repo: Path) -> None:
    gitfacts.prefetch(str(repo), (gitfacts.TAGS,))
    assert gitfacts._PENDING  # noqa: SLF001 - asked, not yet taken
    assert gitfacts.git_out(str(repo), *gitfacts.TAGS) == (0, "v1.0.0\n")
    assert not gitfacts._PENDING  # noqa: SLF001
    subprocess.run(["git", "-C", str(repo), "tag", "v1.1.0"], check=True)
    assert gitfacts.git_out(str(repo), *gitfacts.TAGS) == (0, "v1.0.0\nv1.1.0\n")  # afresh


def test_an_exclude_relbook_writes_drops_what_was_asked_before(repo: Path) -> None:
    (repo / "rec.ipynb").write_text("{}")
    gitfacts.prefetch(str(repo), (gitfacts.STATUS, gitfacts.TAGS))
    assert exclude(repo, repo / "rec.ipynb")
    code, status = gitfacts.git_out(str(repo), *gitfacts.STATUS)
    assert code == 0 and "rec.ipynb" not in status
    assert not gitfacts._PENDING  # noqa: SLF001


def test_a_missing_directory_is_asked_and_said_then(tmp_path: Path) -> None:
    gitfacts.prefetch(str(tmp_path / "gone"), gitfacts.RUN_QUERIES)
    assert not gitfacts._PENDING  # noqa: SLF001
    with pytest.raises(Exception, match="not a git repository"):
        gitfacts.check_repo(str(tmp_path / "gone"))
