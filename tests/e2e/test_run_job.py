"""`relbook run --job`: one job of an exported workflow, on a real repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relbook.record import read_record
from tests.conftest import Repo
from tests.e2e.runhelp import release_args, run


def github(monkeypatch, tmp_path: Path, **extra: str) -> dict[str, Path]:
    files = {"out": tmp_path / "gh-output", "summary": tmp_path / "gh-summary"}
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(files["out"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/ops",
        "GITHUB_RUN_ID": "77",
        "GITHUB_ACTOR": "alice",
        **extra,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return files


@pytest.mark.slow
def test_jobs_share_one_record_and_a_reviewer_signs(
    origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
):
    records = tmp_path / "records"
    files = github(monkeypatch, tmp_path)
    assert run(*release_args(origin_repo, records, "--job", "begin")) == 0
    assert "bump<<" in files["out"].read_text()
    approval = "release-approval.2"
    # no reviewer approved: the sign-off is not confirmed by the workflow's actor
    assert run(*release_args(origin_repo, records, "--job", "1..5")) == 3
    assert "::error file=" in capsys.readouterr().out
    history = tmp_path / "approvals.json"
    history.write_text(
        json.dumps(
            [
                {
                    "state": "approved",
                    "comment": "scan clean",
                    "environments": [{"name": "sec"}],
                    "user": {"login": "sam"},
                },
                {"state": "approved", "environments": [{"name": "rel"}], "user": {"login": "rob"}},
            ]
        )
    )
    args = ["--approvals", str(history)]
    assert (
        run(*release_args(origin_repo, records, "--job", "1..5", *args, "--environment", "rel"))
        == 0
    )
    # the approval's job cannot confirm steps of a later job
    assert run(*release_args(origin_repo, records, "--job", approval)) == 2
    assert "comes before this job's steps" in capsys.readouterr().err
    assert run(*release_args(origin_repo, records, "--job", "release-branch-creation.1")) == 0
    for job in ("7..11", "12"):
        rel = ["--job", job, *args, "--environment", "rel"]
        assert run(*release_args(origin_repo, records, *rel)) == 0
    job = ["--job", approval, *args, "--environment", "sec"]
    assert run(*release_args(origin_repo, records, *job)) == 0
    record = read_record(str(records / "release-management" / "1.2.3.ipynb"))
    signed = {o.step_id: o for o in record.outcomes}[approval]
    assert signed.signer == "sam" and signed.operator == "alice"
    assert "approved by sam (environment sec in https://github.com/acme/ops/actions/runs/77)" in (
        signed.note
    )
    assert record.result == "incomplete"
    assert record.meta["ci"]["url"] == "https://github.com/acme/ops/actions/runs/77"
    assert origin_repo.origin_git("branch", "--list", "release/v1.2.3") != ""
    assert origin_repo.origin_git("show", "release/v1.2.3:VERSION") == "1.2.3"
    assert "| Security review by security team | done | sam |" in files["summary"].read_text()
