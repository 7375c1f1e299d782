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
        description="Write GUIDE with everything relbook infers made explicit: its example "
        "version, neighbours and placeholders as {{ version }}, {{ description }}, ...; "
        "contingency sections, conditions (applies-to, from) and optional steps as "
        "<!-- relbook: ... --> directives. The result plans the same run (lines move by "
        "the directives added), and parameterizing it again changes nothing.",
    )
    runbook_arg(p, "guide")
    output_arg(p)


def run(args: argparse.Namespace) -> int:
    from relbook.render.outline import parameterize

    rb = load(args.guide)
    text = parameterize(rb)
    emit(text, args.output, f" ({len(rb.placeholders)} placeholders)")
    return 0
