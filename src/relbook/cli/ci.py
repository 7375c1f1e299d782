"""`relbook run --job`: the options of one job of an exported workflow, and what
relbook tells the GitHub Actions runner when the job ends."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.errors import RelbookError


def add_job_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--job",
        metavar="FIRST..LAST",
        help="run one job of an exported CI workflow: steps FIRST..LAST of the plan (ids "
        "or numbers; earlier steps must be done), or `begin` (open the record, run no "
        "step). The workflow dispatch allows the remote and destructive commands and "
        "version bumps of those steps; manual steps and sign-offs need --approvals",
    )
    p.add_argument(
        "--approvals",
        metavar="FILE",
        help="with --job: the run's review history from GitHub (GET /repos/OWNER/REPO/"
        "actions/runs/ID/approvals); the approval of --environment confirms the job's "
        "manual steps and sign-offs, and its reviewer signs",
    )
    p.add_argument(
        "--environment", metavar="NAME", help="with --approvals: the job's GitHub environment"
    )


def job_answers_for(args: argparse.Namespace, rb: Any, ci: dict[str, str]) -> dict[str, Any]:
    """What the dispatch and the environment's approval answer for a --job's steps."""
    if not args.job:
        if args.approvals or args.environment:
            raise RelbookError("--approvals and --environment go with --job")
        return {}
    from relbook.run import plan_steps
    from relbook.run.ci import job_answers, job_range, read_approval

    if bool(args.approvals) != bool(args.environment):
        raise RelbookError("--approvals and --environment go together")
    steps = plan_steps(rb, args.section or "", args.from_step or "")
    first, last = job_range(args.job, steps)
    approval = read_approval(args.approvals, args.environment) if args.approvals else None
    return job_answers(steps[first : last + 1], approval, ci.get("url", ""))


def job_approvals_for(args: argparse.Namespace, rb: Any, ci: dict[str, str]) -> dict[str, Any]:
    """The sign-offs of a --job that its environment's approval signs (its reviewer)."""
    if not args.job or not args.approvals or not args.environment:
        return {}
    from relbook.run import plan_steps
    from relbook.run.ci import job_approvals, job_range, read_approval

    steps = plan_steps(rb, args.section or "", args.from_step or "")
    first, last = job_range(args.job, steps)
    approval = read_approval(args.approvals, args.environment)
    return job_approvals(steps[first : last + 1], approval, ci.get("url", ""))


def github_report(runner: Any, opts: Any) -> None:
    """The job summary and the parameters as outputs, when the runner asks for them."""
    import os

    from relbook.ui.github import summary_markdown, write_outputs, write_summary

    state = getattr(runner, "state", None)
    params = getattr(runner, "params", None)
    if state is None or params is None:
        return
    values = {k: runner.masker.mask(v) if v else v for k, v in params.values.items()}
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(os.environ["GITHUB_OUTPUT"], values)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        from relbook.run.ci import job_range

        steps = [runner.rb.step(i) for i in state.plan]
        steps = [s for s in steps if s is not None]
        if opts.job:
            first, last = job_range(opts.job, steps)
            steps = steps[first : last + 1]
        outcomes = [o for s in steps if (o := state.outcomes.get(s.id))]
        text = summary_markdown(runner.rb.title, values, outcomes, state.result, opts.ci)
        write_summary(os.environ["GITHUB_STEP_SUMMARY"], text)
