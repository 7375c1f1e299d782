"""What the subcommands share: -p NAME=VALUE and --params FILE, printing documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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


def _print_json(data: Any) -> None:
    """Print a command's --json / --format json document."""
    import json  # only the commands that print JSON need it

    print(json.dumps(data, indent=2, ensure_ascii=False))


def _emit(text: str, output: str | None, detail: str = "") -> None:
    """Write a command's document to OUT (atomically) or to stdout."""
    if output:
        from relbook.record.files import write_atomic

        write_atomic(Path(output), text.encode("utf-8"))
        print(f"wrote {output}{detail}", file=sys.stderr)
    else:
        sys.stdout.write(text)
