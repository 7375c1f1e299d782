"""`relbook parameterize`: a guide's example literals written as {{ placeholders }}."""

from __future__ import annotations

import argparse
from typing import Any

from relbook.cli import COMMANDS
from relbook.cli.common import emit, load, output_arg, runbook_arg


def add(sub: Any) -> None:
    p = sub.add_parser(
        "parameterize",
        help=COMMANDS["parameterize"],
        description="Write GUIDE with its example version, neighbours and "
        "bracketed placeholders turned into {{ version }}, {{ description }}, ...",
    )
    runbook_arg(p, "guide")
    output_arg(p)


def run(args: argparse.Namespace) -> int:
    from relbook.render.outline import parameterize

    rb = load(args.guide)
    text = parameterize(rb)
    emit(text, args.output, f" ({len(rb.placeholders)} placeholders)")
    return 0
