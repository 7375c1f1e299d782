"""`relbook lint`: shellcheck on a runbook's blocks, plus relbook's own checks."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import load, print_json, runbook_arg


def add(sub: Any) -> None:
    from relbook.guard.codes import codes_help

    p = sub.add_parser(
        "lint",
        help=COMMANDS["lint"],
        description="Report problems in RUNBOOK, each at its file:line: shellcheck "
        "findings in shell blocks (SC codes) and relbook's checks (RB codes). "
        "Exit 1 when there are findings, 0 when the runbook is clean.",
        epilog=codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    runbook_arg(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    from relbook.guard.lint import lint_json, lint_runbook

    rb = load(args.runbook)
    findings = lint_runbook(rb)
    if args.format == "json":
        print_json(lint_json(rb, findings))
    else:
        for f in findings:
            print(f)
        n = len(findings)
        summary = f"{n} finding{'s' * (n != 1)}" if n else "clean"
        print(f"{rb.path}: {summary}", file=sys.stderr)
    return 1 if findings else 0
