"""`relbook run`: run a release, execute shell steps, ask for manual ones, record everything."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import (
    invocation,
    load,
    option_args,
    print_json,
    read_answers,
    resolve_auto,
    runbook_arg,
    version_args,
)
from relbook.cli.values import run_values
from relbook.options import OPTIONS, VERSION_ARGS


def add(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help=COMMANDS["run"],
        description="Run RUNBOOK for one release. Re-running the same command resumes an "
        "unfinished release. Exit status: 0 done, 1 a step failed, 2 bad input, 3 paused "
        "waiting for a manual step, 130 interrupted (Ctrl-C), 143 SIGTERM, 129 SIGHUP.",
    )
    runbook_arg(p)
    version_args(p, required=True)
    option_args(p, (o.name for o in OPTIONS if o.name not in VERSION_ARGS))
    from relbook.cli.ci import add_job_args

    add_job_args(p)


def run(args: argparse.Namespace) -> int:
    from relbook.params import gitfacts

    if not args.job:  # a job's checkout is prepared first
        # what the start of the run asks git, asked now: git answers while the guide is read
        queries = gitfacts.PLAN_QUERIES if args.dry_run else gitfacts.RUN_QUERIES
        gitfacts.prefetch(args.repo or ".", queries)
    try:
        return _begin(args)
    finally:
        gitfacts.forget()  # what was not taken


def _begin(args: argparse.Namespace) -> int:
    import os

    from relbook.cli.ci import github_report, job_answers_for, job_approvals_for
    from relbook.run import RunOptions
    from relbook.run.ci import github_run

    rb = load(args.runbook)
    ci = github_run(os.environ)
    answers = {**job_answers_for(args, rb, ci), **read_answers(args)}
    if args.job and not args.dry_run:
        from relbook.run.ci import prepare_checkout

        prepare_checkout(args.repo or ".")
    if not os.path.isdir(args.repo or "."):  # a typo: nothing to run the steps in
        from relbook.errors import RelbookError

        raise RelbookError(f"--repo {args.repo}: no such directory")
    resolve_auto(args, rb)
    opts = RunOptions(
        version=args.release,
        description=args.description,
        repo=args.repo or ".",
        records=args.records,
        dry_run=args.dry_run,
        yes=args.yes,
        answers=answers,
        section=args.section or "",
        from_step=args.from_step or "",
        timeout=args.timeout,
        operator=args.operator or ci.get("actor", ""),
        signer=args.signer or "",
        signing_key=os.path.expanduser(args.signing_key) if args.signing_key else "",
        approvals=job_approvals_for(args, rb, ci),
        wait_signoffs=args.wait_signoffs or 0.0,
        rerun_interrupted=args.rerun_interrupted or bool(args.job),
        allow_changed=args.allow_changed,
        new_attempt=args.new_attempt,
        allow_dirty=args.allow_dirty,
        mask=args.mask,
        date=args.date,
        override_blackout=args.override_blackout or "",
        engine=args.engine,
        command=invocation(args),
        job=args.job or "",
        ci=ci,
        allow_bump=args.allow_bump or "",
        bump_reason=args.reason,
        **run_values(args),
    )
    if not ci:
        from relbook.ui import TerminalUI

        return _run(rb, opts, TerminalUI(path=rb.path))
    from relbook.record.mask import Masker
    from relbook.ui.github import GitHubUI

    ui = GitHubUI(path=rb.path)
    ui.add_masks(Masker.from_env(None, opts.mask).secrets)
    return _run(rb, opts, ui, report=lambda runner: github_report(runner, opts))


def _run(rb: Any, opts: Any, ui: Any, report: Callable[[Any], None] | None = None) -> int:
    """Run the release; the exit status and messages of `relbook run`."""
    from relbook.run import STOPS, Runner, RunResult, stop_message

    runner = Runner(rb, opts, ui)
    began = time.monotonic()
    try:
        if opts.engine == "papermill" and not opts.dry_run:
            from relbook.notebook.pmengine import run_papermill

            try:
                result = run_papermill(runner)
            except tuple(STOPS) as e:  # what stopped the run inside the kernel
                result = RunResult(STOPS[type(e)].code, runner.paths.notebook, error=e)
        else:
            result = runner.run()
    finally:
        if report:
            report(runner)
    if result.error is not None:
        print(stop_message(result.error), file=sys.stderr)
        _summary(runner, result, time.monotonic() - began, sys.stderr, ui)
        return result.code
    show_plan(result, opts, ui)
    _summary(runner, result, time.monotonic() - began, sys.stdout, ui)
    return result.code


def _summary(runner: Any, result: Any, seconds: float, out: Any, ui: Any) -> None:
    """The lines that end a run: the counts and time, the record, how to go on (a
    command is never cut: it is copied whole)."""
    import textwrap

    from relbook.run import messages

    state = result.state or runner.state
    if not runner.plan or state is None or not result.record:
        if result.record:
            print(f"record: {messages.here(result.record)}", file=out)
        return
    plan = [s.id for s in runner.plan]
    counts = messages.summary(plan, state.outcomes, state.result, seconds)
    width = ui.width() if hasattr(ui, "width") else 0
    print(
        "\n".join(textwrap.wrap(counts, width, subsequent_indent="  ")) if width else counts,
        file=out,
    )
    print(f"record: {messages.here(result.record)}", file=out)
    if state.result != "done":
        again = messages.continue_command(runner.masker.mask(runner.opts.command))
        print(f"to continue: {again or 'the same relbook run command'}", file=out)


def show_plan(result: Any, opts: Any, ui: Any) -> None:
    """Show the dry run, when there is one: its plan document with --json, else as text."""
    if result.plan is None:
        return
    if opts.json:
        print_json(result.plan)
    else:
        from relbook.render.dryrun import render_dry_run

        ui.info(render_dry_run(result.plan))
