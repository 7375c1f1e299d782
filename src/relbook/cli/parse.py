"""`relbook parse`: a runbook's steps, sections and parameters, each with its file:line."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import load, print_json, runbook_arg


def add(sub: Any) -> None:
    p = sub.add_parser(
        "parse",
        help=COMMANDS["parse"],
        description="List the steps of RUNBOOK in order, each with its file:line.",
    )
    runbook_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output (see README)")


def run(args: argparse.Namespace) -> int:
    from relbook.render.outline import outline, runbook_json

    rb = load(args.runbook)
    if args.json:
        print_json(runbook_json(rb))
    else:
        print(outline(rb))
    return 0
