"""Options every command that binds a release shares: -p NAME=VALUE and --params FILE."""

from __future__ import annotations

import argparse
from typing import Any


def add_value_args(p: argparse.ArgumentParser) -> None:
    """-p/--param (repeatable) and --params FILE."""
    p.add_argument(
        "-p",
        "--param",
        dest="param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value for a placeholder of the guide (<commit-sha> -> -p commit_sha=...)",
    )
    p.add_argument("--params", metavar="FILE", help="YAML file of placeholder values (name: value)")


def given_values(args: argparse.Namespace) -> dict[str, str]:
    """The values given with --params FILE and -p (later wins)."""
    from relbook.params import run_parameters

    return run_parameters(getattr(args, "param", []), getattr(args, "params", None))


def bind_args(args: argparse.Namespace, rb: Any) -> Any:
    """Parameters for `rb` from --version, --description, --repo, --date and -p."""
    from relbook.params import bind

    return bind(args.release, args.description, runbook=rb, repo=args.repo, date=args.date,
                extra=given_values(args))  # fmt: skip


def run_values(args: argparse.Namespace) -> dict[str, Any]:
    """The run options these arguments give: the values, and --json (with --dry-run only)."""
    from relbook.errors import RelbookError

    if args.json and not args.dry_run:
        raise RelbookError("--json goes with --dry-run (the plan as a document)")
    return {"params": given_values(args), "json": args.json}
