"""Exported workflows, played job by job by a runner on this machine (actions_runner):
the release ends on the bare origin as a local `relbook run --yes` leaves it, with one
record, reviewers as signers, a resumable failed job, and secrets nowhere."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from relbook.cli import main
from relbook.guard.export import export_github_actions
from relbook.parse import read_runbook
from relbook.record import read_record
from tests.conftest import RUNBOOKS, Repo, make_repo
from tests.e2e.actions_runner import Runner, load_workflow

EVIL = "$(touch pwned) `touch pwned2`; touch pwned3"
REVIEWERS = {
    "release": "rita",
    "release-approval-platform": "pat",
    "release-approval-security": "sam",
    "release-approval-operations": "olga",
    "release-approval-management": "max",
}
SECRET = "s3cr3t-Deploy-Value"


def mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def origin_state(repo: Repo) -> dict[str, str]:
    """What a release leaves on origin."""
    return {
        "tag": repo.origin_git("for-each-ref", "--format=%(contents)", "refs/tags/v1.2.3"),
        "version": repo.origin_git("show", "main:VERSION"),
        "branches": repo.origin_git("branch", "--list"),
        "log": repo.origin_git("log", "--format=%s", "main"),
    }


def shipped_runner(tmp_path: Path, repo: Repo) -> Runner:
    rb = read_runbook(RUNBOOKS / "release-management.md")
    text = export_github_actions(rb, runbook_path="release-management")
    inputs = {"version": "1.2.3", "description": EVIL, "override_blackout": "harness"}
    return Runner(
        load_workflow(text), repo.origin, tmp_path / "runner", inputs, reviewers=dict(REVIEWERS)
    )


def record_of(runner: Runner, name: str = "release-management") -> Path:
    return runner.artifacts / "relbook-record" / name / "1.2.3.ipynb"


@pytest.mark.slow
def test_shipped_guide_releases_as_a_local_run_does(tmp_path):
    local = make_repo(mkdir(tmp_path / "local"))
    args = ["run", "release-management", "--version", "1.2.3", "--description", EVIL, "--yes"]
    args += ["--signer", "Rel Tester"]  # --yes never signs: the operator signs locally
    args += ["--repo", str(local.path), "--records", str(tmp_path / "local-records")]
    assert main([*args, "--override-blackout", "harness"]) == 0
    ci = make_repo(mkdir(tmp_path / "ci"))
    runner = shipped_runner(tmp_path, ci)
    results = runner.run()
    assert results.pop("release-approval-management") == "skipped"  # a patch release
    assert set(results.values()) == {"success"}, {j: r.log for j, r in runner.jobs.items()}
    assert origin_state(ci) == origin_state(local)
    assert origin_state(ci)["branches"] == "* main"  # the release branch is gone
    assert f"Release v1.2.3: {EVIL}" in origin_state(ci)["tag"]
    path = record_of(runner)
    nbformat.validate(nbformat.read(path, as_version=4))
    record = read_record(str(path))
    assert record.result == "done"
    by_id = {o.step_id: o for o in record.outcomes}
    assert {i: by_id[i].signer for i in ("release-approval.1", "release-approval.2")} == {
        "release-approval.1": "pat",
        "release-approval.2": "sam",
    }
    assert by_id["release-approval.3"].signer == "olga"
    assert by_id["release-approval.4"].status.value == "not-applicable"
    assert all(o.operator == "alice" for o in record.outcomes)  # the actor ran it, signed none
    assert "approved by rita" in by_id["release-testing.1"].note
    report = tmp_path / "report.html"
    assert main(["render", "report", str(path), "-o", str(report)]) == 0
    assert runner.url in report.read_text()
    log = runner.jobs["release-branch-creation"].log
    assert "::group::[6/21] 2. Release Branch Creation > Create release branch from main" in log
    assert "+1.2.3" in log and "? Update version numbers and documentation ... done" in log
    assert "| Create release branch from main | done | alice |" in (
        runner.jobs["release-branch-creation"].summary
    )
    assert not list(tmp_path.rglob("pwned*"))


@pytest.mark.slow
def test_a_failed_job_rerun_resumes_the_record(tmp_path):
    ci = make_repo(mkdir(tmp_path / "ci"))
    hook = ci.origin / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\nwhile read o n ref; do case $ref in refs/tags/*) exit 1;; esac; done\n"
    )
    hook.chmod(0o755)
    runner = shipped_runner(tmp_path, ci)
    results = runner.run()
    assert results["release-deployment"] == "failure"
    assert results["post-release-activities"] == "skipped"
    failed = runner.jobs["release-deployment"].log
    assert "::error file=" in failed and ",line=77," in failed  # git push origin v1.2.3
    record = read_record(str(record_of(runner)))  # uploaded although the job failed
    assert {o.step_id: o.status.value for o in record.outcomes}["release-deployment.1"] == "failed"
    hook.unlink()
    results = runner.rerun_failed()
    assert set(results.values()) - {"skipped"} == {"success"}
    assert origin_state(ci)["branches"] == "* main"
    record = read_record(str(record_of(runner)))
    assert record.result == "done"
    deploy = {o.step_id: o for o in record.outcomes}["release-deployment.1"]
    assert deploy.status.value == "done" and deploy.extra.get("already_done_lines")
    journal = record_of(runner).with_name("1.2.3.journal.jsonl").read_text().splitlines()
    attempts = [json.loads(e).get("ci", {}).get("attempt") for e in journal]
    assert "2" in attempts


SECRET_GUIDE = """
# Deploy guide

## Approval
- [ ] Security review by security team
- [ ] Operations team sign-off

## Deploy
```bash
mkdir -p "$BUILD_DIR"
printf 'token=%s\\n' "$DEPLOY_TOKEN"
test "${{#DEPLOY_TOKEN}}" -eq {length}
echo "built in $BUILD_DIR" > "$BUILD_DIR/out.txt"
git tag -a v1.2.3 -m "Release v1.2.3"
git push origin v1.2.3
```
"""


def secret_guide(repo: Repo) -> str:
    text = textwrap.dedent(SECRET_GUIDE).lstrip().format(length=len(SECRET))
    repo.commit("Add the deploy guide", {"docs/deploy.md": text})
    repo.git("push", "-q", "origin", "main")
    return str(repo.path / "docs" / "deploy.md")


@pytest.mark.slow
def test_secrets_are_mapped_and_never_shown_and_reviewers_sign(tmp_path):
    ci = make_repo(mkdir(tmp_path / "ci"))
    path = secret_guide(ci)
    text = export_github_actions(read_runbook(path))
    assert SECRET not in text
    wf = load_workflow(text)
    deploy = wf["jobs"]["deploy"]["steps"][-2]
    assert deploy["env"]["DEPLOY_TOKEN"] == "${{ secrets.DEPLOY_TOKEN }}"
    assert deploy["env"]["BUILD_DIR"] == "${{ vars.BUILD_DIR }}"
    reviewers = {"approval-security": "sam", "approval-operations": "olga"}
    runner = Runner(
        wf,
        ci.origin,
        tmp_path / "runner",
        {"version": "1.2.3", "description": ""},
        secrets={"DEPLOY_TOKEN": SECRET},
        variables={"BUILD_DIR": "build"},
        reviewers=reviewers,
    )
    results = runner.run()
    assert set(results.values()) == {"success"}, {j: r.log for j, r in runner.jobs.items()}
    assert "token=***" in runner.jobs["deploy"].log
    for job in runner.jobs.values():
        assert SECRET not in job.log
        raw = [line for line in job.raw.splitlines() if SECRET in line]
        assert all(line.startswith("::add-mask::") for line in raw), raw
    for f in (runner.artifacts / "relbook-record").rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f
    record = read_record(str(record_of(runner, "deploy")))
    signers = {o.text: o.signer for o in record.outcomes if o.kind == "signoff"}
    assert signers == {
        "Security review by security team": "sam",
        "Operations team sign-off": "olga",
    }
    assert ci.origin_git("tag", "-l") == "v1.2.2\nv1.2.3"


@pytest.mark.slow
def test_without_an_approval_a_signoff_job_fails_and_nobody_signs(tmp_path):
    ci = make_repo(mkdir(tmp_path / "ci"))
    wf = load_workflow(export_github_actions(read_runbook(secret_guide(ci))))
    runner = Runner(
        wf,
        ci.origin,
        tmp_path / "runner",
        {"version": "1.2.3", "description": ""},
        reviewers={"approval-security": "sam"},
    )  # operations has no reviewers
    results = runner.run()
    assert results["approval-security"] == "success"
    assert results["approval-operations"] == "failure" and results["deploy"] == "skipped"
    assert "only the approval of the job's environment" in runner.jobs["approval-operations"].log
    record = read_record(str(record_of(runner, "deploy")))
    ops = {o.text: o for o in record.outcomes}["Operations team sign-off"]
    assert ops.status.value == "pending" and not ops.signer
