"""`relbook drill`: rehearse a release in a sandbox with injected faults, and score it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import (
    invocation,
    load,
    option_args,
    read_answers,
    runbook_arg,
    version_args,
)
from relbook.cli.values import given_values
from relbook.errors import RelbookError


def add(sub: Any) -> None:
    from relbook.options import DRILL_OPTIONS, VERSION_ARGS

    p = sub.add_parser(
        "drill",
        help=COMMANDS["drill"],
        description="Rehearse RUNBOOK in a throw-away sandbox: a clone of --repo (or a "
        "generated demo repository) whose origin is a bare repository in the sandbox, with "
        "remote tools replaced by logging shims. The real remote is never contacted. "
        "Exit status: 0 the drill went as the scenario expects, 1 it did not, 2 bad input, "
        "3 a tabletop drill is waiting for an answer.",
    )
    runbook_arg(p)
    # --version is required, except with --list-scenarios
    version_args(p, required=False, table=DRILL_OPTIONS)
    option_args(p, (o.name for o in DRILL_OPTIONS if o.name not in VERSION_ARGS), DRILL_OPTIONS)
    p.add_argument(
        "--list-scenarios", action="store_true", help="list the built-in scenarios and exit"
    )


def drill_options(args: argparse.Namespace) -> Any:
    """The DrillOptions these arguments give, one field for each declared drill option."""
    from relbook.drill import DrillOptions
    from relbook.options import DRILL_OPTIONS

    given: dict[str, Any] = {}
    for o in DRILL_OPTIONS:
        if o.flag:
            given[o.name] = getattr(args, o.arg.get("dest", o.name))
    given["answers"] = read_answers(args)
    del given["answers_file"]
    given["operator"] = given["operator"] or ""
    return DrillOptions(**given, command=invocation(args), params=given_values(args))


def run(args: argparse.Namespace) -> int:
    from relbook.drill import Drill
    from relbook.drill.scorecard import render_scorecard
    from relbook.ui import TerminalUI
    from relbook.ui.drill import DrillUI

    rb = load(args.runbook)
    if args.list_scenarios:
        from relbook.drill.scenario import builtins, load_scenario

        for name, path in sorted(builtins(rb.name).items()):
            print(f"{name:22} {load_scenario(path, rb).title}")
        return 0
    if not args.release:
        raise RelbookError("drill: --version is required (except with --list-scenarios)")
    opts = drill_options(args)
    report = Drill(rb, opts, DrillUI(TerminalUI(path=rb.path))).run()
    print()
    print(render_scorecard(report), end="")
    print()
    print(f"record: {report.record}")
    print(f"scorecard: {report.scorecard}")
    if report.sandbox:
        print(f"sandbox: {report.sandbox}")
    if report.paused:
        print(f"relbook: drill waiting: {report.paused}", file=sys.stderr)
        return report.code
    for check in report.checks:
        if check.held is False:
            where = "" if check.implicit else f"{report.scenario.path}:{check.expectation.line}: "
            print(
                f"relbook: drill: {where}expectation failed: {check.expectation.describe()}: "
                f"{check.why}",
                file=sys.stderr,
            )
    return report.code
