"""Command line: argparse; the only module that prints or exits."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relbook import __version__
from relbook.errors import RelbookError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Any]:
    """Register `cmd_<name>` as the handler of a subcommand."""

    def deco(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return deco


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `relbook` console script."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except RelbookError as e:
        print(f"relbook: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("relbook: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="relbook",
        description="Run Markdown release guides as parameterized runbooks, "
        "with a notebook record of every release.",
    )
    p.add_argument("--version", action="version", version=f"relbook {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in PARSERS:
        add(sub)
    return p


def _runbook_arg(p: argparse.ArgumentParser, name: str = "runbook") -> None:
    p.add_argument(
        name,
        metavar=name.upper(),
        help="Markdown runbook (a path, or a shipped runbook's name such as release-management)",
    )


def resolve_runbook(path: str) -> str:
    """A path as given, or a shipped runbook's path when `path` names one."""
    try:
        if Path(path).exists():
            return path
    except OSError:  # a name too long for the file system: read_runbook reports it
        return path
    from importlib import resources

    name = path if path.endswith(".md") else f"{path}.md"
    shipped = resources.files("relbook") / "runbooks" / Path(name).name
    if shipped.is_file():
        return str(shipped)
    local = Path(__file__).resolve().parents[2] / "runbooks" / Path(name).name
    return str(local) if local.is_file() else path


def load(path: str) -> Any:
    """Read and parse a runbook given on the command line."""
    from relbook.parse import read_runbook

    return read_runbook(resolve_runbook(path))


# -- parse -------------------------------------------------------------------


def _add_parse(sub: Any) -> None:
    p = sub.add_parser(
        "parse",
        help="list a runbook's steps, sections and parameters",
        description="List the steps of RUNBOOK in order, each with its file:line.",
    )
    _runbook_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output (see README)")


@command("parse")
def cmd_parse(args: argparse.Namespace) -> int:
    from relbook.outline import outline, runbook_json

    rb = load(args.runbook)
    if args.json:
        print(json.dumps(runbook_json(rb), indent=2, ensure_ascii=False))
    else:
        print(outline(rb))
    return 0


# -- params ------------------------------------------------------------------


def _add_params(sub: Any) -> None:
    p = sub.add_parser(
        "params",
        help="show parameters, their values and where they are used",
        description="Show each parameter of RUNBOOK, its value, and every "
        "file:line that uses it; with --version, the commands filled in.",
    )
    _runbook_arg(p)
    _version_args(p, required=False)


def _version_args(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument(
        "--version",
        dest="release",
        metavar="V",
        required=required,
        help="the version being released (SemVer; a leading v is fine)",
    )
    p.add_argument("--description", default="", metavar="D", help="one-line release description")
    p.add_argument("--repo", metavar="DIR", help="git repository (tags give previous_version)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="release date (default: today)")


@command("params")
def cmd_params(args: argparse.Namespace) -> int:
    from relbook.outline import params_table

    rb = load(args.runbook)
    params = None
    if args.release is not None:
        from relbook.params import bind

        params = bind(args.release, args.description, runbook=rb, repo=args.repo, date=args.date)
    print(params_table(rb, params))
    return 0


# -- parameterize ------------------------------------------------------------


def _add_parameterize(sub: Any) -> None:
    p = sub.add_parser(
        "parameterize",
        help="rewrite a guide's example literals as {{ placeholders }}",
        description="Write GUIDE with its example version, neighbours and "
        "bracketed placeholders turned into {{ version }}, {{ description }}, ...",
    )
    _runbook_arg(p, "guide")
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")


@command("parameterize")
def cmd_parameterize(args: argparse.Namespace) -> int:
    from relbook.outline import parameterize

    rb = load(args.guide)
    text = parameterize(rb)
    if args.output:
        from relbook.files import write_atomic

        write_atomic(Path(args.output), text.encode("utf-8"))
        print(f"wrote {args.output} ({len(rb.placeholders)} placeholders)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


PARSERS: list[Callable[[Any], None]] = [_add_parse, _add_params, _add_parameterize]
