"""Preflight: what makes a run fail for sure is found before its first step is recorded."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import GUIDE, release_args, run


def test_a_directory_that_is_not_a_repository_is_refused_before_any_step(tmp_path, capsys):
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    records = tmp_path / "rec"
    args = [GUIDE, "--version", "1.2.3", "--repo", plain, "--records", records, "--yes"]
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert f"--repo {plain}: not a git repository, and the runbook runs git ({GUIDE}:" in err
    assert "Traceback" not in err
    assert not list(records.rglob("*.jsonl")) and not list(records.rglob("*.ipynb"))


def test_an_answers_key_that_names_no_step_is_refused_with_the_closest_id(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        'release-testng.3: "skip: no drill environment"\npre-release-checklist.1: done\n'
    )
    records = tmp_path / "rec"
    assert run(*release_args(origin_repo, records, "--yes", "--answers", str(answers))) == 2
    err = capsys.readouterr().err
    assert "answers: 'release-testng.3' names no step or instruction" in err
    assert "did you mean 'release-testing.3'?" in err
    assert not list(records.rglob("*.jsonl"))
    assert origin_repo.origin_git("tag") == "v1.2.2"  # nothing ran
