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
        args.argv = list(sys.argv[1:] if argv is None else argv)
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
    if Path(path).exists():
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


# -- run -----------------------------------------------------------------------


def _add_run(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a release: execute shell steps, ask for manual ones, record everything",
        description="Run RUNBOOK for one release. Re-running the same command resumes an "
        "unfinished release. Exit status: 0 done, 1 a step failed, 2 bad input, 3 paused "
        "waiting for a manual step, 130 interrupted.",
    )
    _runbook_arg(p)
    _version_args(p, required=True)
    p.add_argument(
        "--records",
        default="records",
        metavar="DIR",
        help="where records are kept (default: ./records)",
    )
    p.add_argument("--engine", choices=["local", "papermill"], default="local")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show every step filled in; execute nothing, record nothing",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="confirm every manual step and allow remote/destructive steps",
    )
    p.add_argument(
        "--answers", metavar="FILE", help="YAML: step id or text -> done | 'skip: reason' | fail"
    )
    p.add_argument("--section", metavar="NAME", help="run only this section (e.g. a rollback)")
    p.add_argument("--from", dest="from_step", metavar="STEP", help="start at this step id")
    p.add_argument("--timeout", type=float, metavar="S", help="per-step timeout in seconds")
    p.add_argument("--operator", metavar="NAME", help="who is running the release")
    p.add_argument(
        "--rerun-interrupted",
        action="store_true",
        help="re-run a step that was running when relbook was stopped",
    )
    p.add_argument(
        "--allow-changed",
        action="store_true",
        help="continue although steps changed since the release began",
    )
    p.add_argument(
        "--new-attempt",
        action="store_true",
        help="start a new attempt of a finished release, in its own record",
    )
    p.add_argument(
        "--allow-dirty",
        action="store_true",
        help="run although the repository has uncommitted changes",
    )
    p.add_argument(
        "--mask",
        action="append",
        default=[],
        metavar="NAME",
        help="also mask the value of this environment variable",
    )
    p.add_argument(
        "--override-blackout",
        metavar="REASON",
        help="run inside a blackout window; the reason is recorded",
    )


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    import shlex

    from relbook.errors import Interrupted, Paused, StepFailed
    from relbook.run import Runner, RunOptions, load_answers
    from relbook.ui import TerminalUI

    rb = load(args.runbook)
    opts = RunOptions(
        version=args.release,
        description=args.description,
        repo=args.repo or ".",
        records=args.records,
        dry_run=args.dry_run,
        yes=args.yes,
        answers=load_answers(args.answers) if args.answers else {},
        section=args.section or "",
        from_step=args.from_step or "",
        timeout=args.timeout,
        operator=args.operator or "",
        rerun_interrupted=args.rerun_interrupted,
        allow_changed=args.allow_changed,
        new_attempt=args.new_attempt,
        allow_dirty=args.allow_dirty,
        mask=args.mask,
        date=args.date,
        override_blackout=args.override_blackout or "",
        engine=args.engine,
        command="relbook " + shlex.join(args.argv),
    )
    ui = TerminalUI(path=rb.path)
    runner = Runner(rb, opts, ui)
    try:
        if opts.engine == "papermill" and not opts.dry_run:
            from relbook.pmengine import run_papermill

            result = run_papermill(runner)
        else:
            result = runner.run()
    except Paused as e:
        print(f"relbook: paused: {e}", file=sys.stderr)
        return 3
    except StepFailed as e:
        print(f"relbook: step failed: {e}", file=sys.stderr)
        return 1
    except Interrupted:
        print(
            "relbook: interrupted; the record shows where. Run the same command to resume.",
            file=sys.stderr,
        )
        return 130
    if result.record:
        print(f"record: {result.record}  ({result.state.result if result.state else ''})")
    return result.code


PARSERS: list[Callable[[Any], None]] = [_add_parse, _add_params, _add_parameterize, _add_run]
