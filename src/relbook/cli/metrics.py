"""`relbook metrics`: release metrics from a records directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from relbook.cli import COMMANDS, tamper
from relbook.cli.common import print_json


def add(sub: Any) -> None:
    p = sub.add_parser(
        "metrics",
        help=COMMANDS["metrics"],
        description="Read every record under RECORDS_DIR and report releases per month, "
        "lead time per release, rollback frequency, failed and skipped steps, and "
        "per-step duration p50/p90. Drill records are not counted as releases.",
    )
    p.add_argument(
        "records",
        nargs="?",
        default="records",
        metavar="RECORDS_DIR",
        help="records directory (default: ./records)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument("--svg", metavar="FILE", help="also write a chart of releases per month")
    tamper.force_arg(p)


def run(args: argparse.Namespace) -> int:
    from relbook.guard.metrics import collect_metrics, metrics_json, metrics_svg, metrics_table

    m = collect_metrics(args.records)
    tampered = tamper.tampered_records(m, args.force)  # refused (exit 1) unless --force
    if args.format == "json":
        print_json({**metrics_json(m), "tampered": tampered})
    else:
        print(tamper.banner(metrics_table(m), tamper.problems_of(tampered)))
    if args.svg:
        from relbook.record.files import write_atomic

        write_atomic(Path(args.svg), metrics_svg(m).encode("utf-8"))
        print(f"wrote {args.svg}", file=sys.stderr)
    return 0
