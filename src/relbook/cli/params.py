"""`relbook params`: each parameter, its value and every file:line that uses it."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import (
    load,
    print_json,
    resolve_auto,
    runbook_arg,
    suggest,
    version_args,
)
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
    p.add_argument(
        "--json",
        action="store_true",
        help="print the parameters and every placeholder (file:line, what it stands for, "
        "why) as JSON (schema relbook.params/1)",
    )


def run(args: argparse.Namespace) -> int:
    from relbook.render.outline import params_table
    from relbook.render.placeholders import explain, params_json, placeholder_lines

    rb = load(args.runbook)
    suggestion = suggest(args.repo, rb) if args.repo else None
    if args.release == "auto":
        resolve_auto(args, rb)
    params = bind_args(args, rb) if args.release is not None else None
    rows = [explain(rb, p, params) for p in sorted(rb.placeholders, key=lambda p: p.line)]
    if args.json:
        doc = params_json(rb, params, rows)
        if suggestion:
            doc["suggested_version"] = {"version": suggestion[0], "why": suggestion[1]}
        print_json(doc)
        return 0
    table, sep, commands = params_table(rb, params).partition("\ncommands with these values:")
    print(
        "\n".join([table.rstrip("\n"), *placeholder_lines(rows)])
        + ("\n" + sep + commands if sep else "")
    )
    if suggestion:
        print(f"\nsuggested next version: {suggestion[0]} ({suggestion[1]})")
    return 0
