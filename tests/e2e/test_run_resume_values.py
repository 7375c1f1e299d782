"""A resume runs with the values its release began with."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import GUIDE, SIGNER, journal, run


def _args(repo: Repo, records: Path, description: str, *extra: str) -> list:
    return (
        [GUIDE, "--version", "1.2.3", "--repo", repo.path, "--records", records]
        + (["--description", description] if description else [])
        + list(extra)
    )


def test_resume_with_another_description_is_refused(origin_repo: Repo, tmp_path: Path, capsys):
    records = tmp_path / "records"
    assert run(*_args(origin_repo, records, "Faster rollbacks")) == 3  # paused: no terminal
    capsys.readouterr()

    assert run(*_args(origin_repo, records, "Something else", "--yes", *SIGNER)) == 2
    err = capsys.readouterr().err
    assert "--description: it began with 'Faster rollbacks', this run gives 'Something else'" in err
    assert "release-management 1.2.3 began with other values" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    events = journal(records / "release-management" / "1.2.3.journal.jsonl")
    assert [e["event"] for e in events].count("resume") == 0  # the record was not touched

    # without it: the recorded one
    assert run(*_args(origin_repo, records, "", "--yes", *SIGNER)) == 0
    msg = origin_repo.origin_git("tag", "-l", "--format=%(contents:subject)", "v1.2.3")
    assert msg == "Release v1.2.3: Faster rollbacks"


def test_resume_keeps_the_date_it_began_with(origin_repo: Repo, tmp_path: Path, capsys):
    records = tmp_path / "records"
    args = _args(origin_repo, records, "x")
    assert run(*args, "--date", "2026-06-15") == 3
    capsys.readouterr()
    assert run(*args, "--date", "2026-06-16", "--yes", *SIGNER) == 2
    assert (
        "--date: it began with '2026-06-15', this run gives '2026-06-16'" in capsys.readouterr().err
    )
    assert run(*args, "--date", "2026-06-15", "--yes", *SIGNER) == 0
