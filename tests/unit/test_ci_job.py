"""One job of an exported workflow: step ranges, approvals, GitHub's workflow commands."""

from __future__ import annotations

import io
import json

import pytest

from relbook.errors import RelbookError
from relbook.model import Outcome, Status
from relbook.parse import read_runbook
from relbook.run import plan_steps
from relbook.run.ci import (
    Approval,
    github_run,
    job_answers,
    job_approvals,
    job_range,
    read_approval,
)
from relbook.ui.github import GitHubUI, annotation_path, summary_markdown, write_outputs
from tests.conftest import RUNBOOKS

RELEASE = read_runbook(RUNBOOKS / "release-management.md")
STEPS = plan_steps(RELEASE)


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ("begin", (0, -1)),
        ("release-approval.1..release-approval.4", (11, 14)),
        ("release-branch-creation.1", (5, 5)),
        ("3..4", (2, 3)),
        ("post-release-activities.1..", (16, 20)),
    ],
)
def test_job_ranges(job, expected):
    assert job_range(job, STEPS) == expected


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ("nope..3", "no step 'nope' in the plan"),
        ("3..nope", "no step 'nope' in the plan"),
        ("4..3", "pre-release-checklist.3 comes before pre-release-checklist.4"),
    ],
)
def test_bad_job_ranges(job, message):
    with pytest.raises(RelbookError, match=message):
        job_range(job, STEPS)


def history(*reviews: tuple[str, str, str]) -> str:
    return json.dumps(
        [
            {
                "state": state,
                "comment": "ok",
                "environments": [{"id": 1, "name": env}],
                "user": {"login": login, "id": 2},
            }
            for state, env, login in reviews
        ]
    )


def test_the_latest_approval_of_the_job_environment_counts(tmp_path):
    path = tmp_path / "approvals.json"
    path.write_text(
        history(
            ("rejected", "release-approval-security", "mallory"),
            ("approved", "release-approval-platform", "pat"),
            ("approved", "release-approval-security", "sam"),
            ("approved", "release-approval-security", "older"),
        )
    )
    assert read_approval(str(path), "release-approval-security") == Approval(
        "release-approval-security", "sam", "ok"
    )
    assert read_approval(str(path), "release-approval-operations") is None
    path.write_text("{")
    with pytest.raises(RelbookError, match="not JSON"):
        read_approval(str(path), "x")


def test_answers_the_dispatch_and_the_approval_give():
    first, last = job_range("release-branch-creation.1..release-approval.2", STEPS)
    steps = STEPS[first : last + 1]
    approval = Approval("release-approval-security", "sam")
    answers = job_answers(steps, approval, "https://github.com/o/r/actions/runs/7")
    assert answers["release-branch-creation.1"].startswith("run")  # it pushes
    assert answers["release-branch-creation.1#1"] == "automate"  # "Update version numbers"
    # answers never sign: the sign-offs are signed by the approval, kept apart
    assert not any(k.startswith("release-approval") for k in answers)
    assert "signer" not in answers["release-testing.1"]  # a manual step, not a sign-off
    assert answers["release-testing.1"]["note"].startswith("approved by sam")
    signed = job_approvals(steps, approval, "https://github.com/o/r/actions/runs/7")
    assert set(signed) == {"release-approval.1", "release-approval.2"}
    assert signed["release-approval.2"]["reviewer"] == "sam"
    assert signed["release-approval.2"]["environment"] == "release-approval-security"
    unapproved = job_answers(steps, None)
    assert set(unapproved) == {"release-branch-creation.1", "release-branch-creation.1#1"}
    assert job_approvals(steps, None) == {}


def test_github_run_facts():
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/ops",
        "GITHUB_RUN_ID": "99",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_ACTOR": "alice",
    }
    facts = github_run(env)
    assert facts["url"] == "https://github.example/acme/ops/actions/runs/99"
    assert facts["attempt"] == "2" and facts["actor"] == "alice"
    assert github_run({**env, "GITHUB_ACTIONS": "false"}) == {}


def test_groups_and_an_error_at_the_guides_line(tmp_path):
    guide = tmp_path / "docs" / "release.md"
    out = io.StringIO()
    ui = GitHubUI(out=out, path=str(guide))
    ui.file = annotation_path(str(guide), str(tmp_path))
    step = STEPS[5]
    ui.step_begin(6, 21, step, "Create, release: 100%")
    failed = Outcome(step.id, "shell", Status.FAILED, line=42, failed_line=51, exit_code=1)
    ui.step_end(failed)
    lines = out.getvalue().splitlines()
    assert lines[0] == "::group::[6/21] 2. Release Branch Creation > Create, release: 100%25"
    assert "::endgroup::" in lines
    assert lines[-1] == (
        "::error file=docs/release.md,line=51,title=relbook::"
        "step release-branch-creation.1 failed (exit status 1)"
    )
    ui.add_masks(["s3cret\nline2"])
    assert out.getvalue().splitlines()[-2:] == ["::add-mask::s3cret", "::add-mask::line2"]


def test_outputs_cannot_be_forged_by_a_value(tmp_path):
    path = tmp_path / "out"
    write_outputs(str(path), {"version": "1.2.3", "description": "x\ntag=evil", "none": None})
    text = path.read_text().splitlines()
    assert text[0].startswith("version<<RELBOOK_") and text[1] == "1.2.3"
    assert text[3].startswith("description<<") and text[4:6] == ["x", "tag=evil"]
    assert text[6] == text[3].split("<<")[1]  # the value ends only at its own delimiter
    assert "none" not in path.read_text()


def test_summary_lists_the_jobs_steps_and_who_confirmed_them():
    outcomes = [
        Outcome("a", "signoff", Status.DONE, text="Security | review", signer="sam", note="ok"),
        Outcome("b", "shell", Status.FAILED, text="Deploy", operator="alice", duration=1.25),
    ]
    text = summary_markdown("Guide", {"version": "1.2.3"}, outcomes, "failed", {"job": "j"})
    assert text.splitlines()[0] == "### Guide 1.2.3 · job `j`"
    assert "| Security \\| review | done | sam |  |" in text
    assert "| Deploy | failed | alice | 1.2s |" in text
    assert "- [x] Security \\| review: ok" in text and "**failed**" in text
