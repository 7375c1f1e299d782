"""One job of an exported CI workflow: who approved it, what its dispatch allows, and
a fresh checkout made to look like the operator's clone.

A workflow exported by `relbook export` runs `relbook run ... --job FIRST..LAST` in
each job. The dispatch of the workflow is the operator's say-so for the remote and
destructive commands and the version bumps of those steps; manual steps, sign-offs
and instructions relbook cannot automate are confirmed only by the approval of the
job's GitHub environment (its review history, `--approvals FILE`), and the reviewer
who approved is the sign-off's signer.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relbook.bash.effects import is_destructive, touches_remote
from relbook.datatype import datatype
from relbook.errors import RelbookError
from relbook.model import Kind, Step
from relbook.params.bump import about_versions
from relbook.run.flow import not_applicable

BOT = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


@datatype(frozen=True)
class Approval:
    """A reviewer's approval of a deployment environment in a workflow run."""

    environment: str
    reviewer: str
    comment: str = ""


def github_run(env: Mapping[str, str]) -> dict[str, str]:
    """The workflow run this process is part of (GitHub's default variables), or {}."""
    if env.get("GITHUB_ACTIONS") != "true":
        return {}
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo, run_id = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_RUN_ID", "")
    facts = {
        "system": "github-actions",
        "url": f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else "",
        "workflow": env.get("GITHUB_WORKFLOW", ""),
        "job": env.get("GITHUB_JOB", ""),
        "attempt": env.get("GITHUB_RUN_ATTEMPT", ""),
        "actor": env.get("GITHUB_ACTOR", ""),
    }
    return {k: v for k, v in facts.items() if v}


def job_range(job: str, steps: list[Step]) -> tuple[int, int]:
    """`--job` as indexes into the planned steps: "begin" (no step: open the record),
    "FIRST..LAST" or "STEP" (step ids or 1-based numbers)."""
    if job == "begin":
        return 0, -1
    first, sep, last = job.partition("..")
    a = _job_step(steps, first, job) if first else 0
    b = _job_step(steps, last, job) if last else len(steps) - 1
    if b < a:
        raise RelbookError(f"--job {job!r}: {steps[b].id} comes before {steps[a].id}")
    return a, (b if sep else a)


def _job_step(steps: list[Step], key: str, job: str) -> int:
    for i, step in enumerate(steps):
        if key in (step.id, str(i + 1)):
            return i
    raise RelbookError(
        f"--job {job!r}: no step {key!r} in the plan (step ids from `relbook parse`)"
    )


def job_steps(runner: Any, steps: list[Step]) -> list[tuple[int, Step]]:
    """The planned steps a run executes, numbered in the plan: all of them, or those of
    its `--job` (earlier steps must be finished; the ones that do not apply to this
    release, whose jobs were skipped, are recorded on the way)."""
    numbered = list(enumerate(steps, 1))
    if not runner.opts.job:
        return numbered
    first, last = job_range(runner.opts.job, steps)
    todo = []
    for n, step in numbered[:first]:
        done = runner.state.outcomes.get(step.id)
        if done and done.status.finished:
            continue
        if not not_applicable(step, runner.params):
            runner.close("incomplete")
            raise RelbookError(
                f"step {step.id!r} comes before this job's steps and is not finished; "
                "run the job that does it first",
                path=runner.rb.path,
                line=step.line,
            )
        todo.append((n, step))
    return todo + numbered[first : last + 1]


def job_finished(job: str, state: Any, steps: list[Step]) -> bool:
    """True when a `--job` run did its steps and every step before them."""
    if not job:
        return False
    _, last = job_range(job, steps)
    return all(
        (o := state.outcomes.get(s.id)) is not None and o.status.finished for s in steps[: last + 1]
    )


def read_approval(path: str, environment: str) -> Approval | None:
    """The latest approval of `environment` in a run's review history: the JSON of
    GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals (newest first)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8") or "[]")
    except OSError as e:
        raise RelbookError(f"cannot read the approvals: {e.strerror}", path=path) from None
    except ValueError as e:
        raise RelbookError(f"approvals: not JSON ({e})", path=path) from None
    if not isinstance(data, list):
        raise RelbookError("approvals: expected the list GitHub's review history API returns")
    for review in data:
        if not isinstance(review, dict) or review.get("state") != "approved":
            continue
        names = [e.get("name") for e in review.get("environments") or [] if isinstance(e, dict)]
        login = (review.get("user") or {}).get("login", "")
        if environment in names and login:
            return Approval(environment, str(login), str(review.get("comment") or ""))
    return None


def job_answers(steps: list[Step], approval: Approval | None, run_url: str = "") -> dict[str, Any]:
    """Answers for the steps of one job: the dispatch allows its remote and destructive
    commands and version bumps; the approval (and nothing else) confirms its manual
    steps and other instructions (its sign-offs: job_approvals)."""
    answers: dict[str, Any] = {}
    for step in steps:
        if step.kind is Kind.SHELL:
            if any(touches_remote(c.source) or is_destructive(c.source) for c in step.commands):
                answers[step.id] = "run: started by the workflow dispatch"
            for key, part in step.instructions():
                if about_versions(part.source):
                    answers[key] = "automate"
                elif approval:
                    answers[key] = _approved(approval, run_url, signer=False)
        elif approval and step.kind is not Kind.SIGNOFF:  # a sign-off: job_approvals
            answers[step.id] = _approved(approval, run_url)
    return answers


def job_approvals(
    steps: list[Step], approval: Approval | None, run_url: str = ""
) -> dict[str, dict[str, str]]:
    """The sign-offs of one job that the environment's approval signs: step id -> the
    reviewer, the environment, the run (kept apart from answers, which never sign)."""
    if approval is None:
        return {}
    return {
        step.id: {
            "reviewer": approval.reviewer,
            "environment": approval.environment,
            "url": run_url,
            "note": _approved(approval, run_url)["note"],
        }
        for step in steps
        if step.kind is Kind.SIGNOFF
    }


def _approved(approval: Approval, run_url: str) -> dict[str, str]:
    where = f" in {run_url}" if run_url else ""
    note = f"approved by {approval.reviewer} (environment {approval.environment}{where})"
    if approval.comment:
        note += f": {approval.comment}"
    return {"status": "done", "note": note}


def prepare_checkout(repo: str) -> list[str]:
    """A fresh CI checkout made to look like the operator's clone: a git identity when
    none is set, and a local branch for every branch on origin (earlier jobs pushed
    them); returns the branches made."""
    if not (Path(repo) / ".git").exists():
        return []

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)

    if git("config", "user.name").returncode != 0:
        git("config", "user.name", BOT)
    if git("config", "user.email").returncode != 0:
        git("config", "user.email", BOT_EMAIL)
    refs = git("for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin").stdout
    made = []
    for branch in refs.split():
        if (
            branch == "HEAD"
            or git("show-ref", "--verify", "-q", f"refs/heads/{branch}").returncode == 0
        ):
            continue
        if git("branch", "--quiet", "--track", branch, f"origin/{branch}").returncode == 0:
            made.append(branch)
    return made
