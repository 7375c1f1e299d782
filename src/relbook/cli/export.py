"""`relbook export`: a runbook as a GitHub Actions workflow that runs relbook."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import emit, load, output_arg, runbook_arg


def add(sub: Any) -> None:
    """The export subcommand's arguments."""
    p = sub.add_parser(
        "export",
        help=COMMANDS["export"],
        description="Write RUNBOOK as a workflow_dispatch workflow whose jobs run relbook "
        "itself: a begin job, then a job per section (per team for sign-offs) running "
        "`relbook run --job`, one record carried between jobs as an artifact, sign-offs "
        "approved in GitHub environments, secrets and variables mapped. Contingency "
        "sections are left out; export one with --section.",
    )
    runbook_arg(p)
    p.add_argument("--to", required=True, choices=("github-actions",), help="target system")
    output_arg(p)
    p.add_argument("--section", metavar="NAME", help="export only this section (e.g. a rollback)")
    p.add_argument(
        "--environment",
        default="release",
        metavar="ENV",
        help="GitHub environment whose reviewers confirm manual steps (default: release; "
        "sign-offs get one environment per team: <section>-<team>)",
    )
    p.add_argument("--runs-on", default="ubuntu-latest", metavar="LABEL", help="runner label")
    p.add_argument(
        "--install",
        default="",
        metavar="HOW",
        help="the relbook each job installs: pypi (default: relbook==this version from the "
        "package index), repo (pip install . : the repository is relbook-enabled), or a pip "
        "requirement; also front matter github.install",
    )
    p.add_argument(
        "--runbook-path",
        default="",
        metavar="PATH",
        help="the runbook's path in the repository the workflow checks out (default: its "
        "path in its git repository), or a shipped runbook's name",
    )


def run(args: argparse.Namespace) -> int:
    """Write the workflow."""
    from relbook.guard.export import export_github_actions

    rb = load(args.runbook)
    text = export_github_actions(
        rb,
        section=args.section,
        environment=args.environment,
        runs_on=args.runs_on,
        install=args.install,
        runbook_path=args.runbook_path,
    )
    emit(text, args.output)
    return 0
