"""`relbook params`: each parameter, its value and every file:line that uses it."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import load, resolve_auto, runbook_arg, suggest, version_args
from relbook.cli.values import bind_args


def add(sub: Any) -> None:
    p = sub.add_parser(
        "params",
        help=COMMANDS["params"],
        description="Show each parameter of RUNBOOK, its value, and every "
        "file:line that uses it; with --version, the commands filled in.",
    )
    runbook_arg(p)
    version_args(p, required=False)


def run(args: argparse.Namespace) -> int:
    from relbook.render.outline import params_table

    rb = load(args.runbook)
    suggestion = suggest(args.repo, rb) if args.repo else None
    if args.release == "auto":
        resolve_auto(args, rb)
    params = bind_args(args, rb) if args.release is not None else None
    print(params_table(rb, params))
    if suggestion:
        print(f"\nsuggested next version: {suggestion[0]} ({suggestion[1]})")
    return 0
