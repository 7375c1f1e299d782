"""Command line: the entry point, the parser assembled from one module per subcommand
(`relbook.cli.<name>`: `add(sub)` registers its arguments, `run(args)` does it), and
the one place where errors become messages and exit statuses."""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from importlib import import_module
from types import ModuleType
from typing import Any

from relbook import __version__
from relbook.cli.common import OUTPUT_MASK, resolve_runbook
from relbook.errors import RelbookError, check_utf8_arguments, write_failure

__all__ = ["COMMANDS", "main", "resolve_runbook"]

# the subcommands, in the order `relbook --help` lists them, with what it says of each;
# each is the module relbook.cli.<name>
COMMANDS: dict[str, str] = {
    "parse": "list a runbook's steps, sections and parameters",
    "params": "show parameters, their values and where they are used",
    "parameterize": "write out what relbook reads into a guide: {{ placeholders }} and directives",
    "run": "run a release: execute shell steps, ask for manual ones, record everything",
    "render": "filled checklist, release notes, release report, release notebook",
    "lint": "check a runbook: shellcheck on its blocks, plus relbook's own checks",
    "export": "write a runbook as a GitHub Actions workflow that runs relbook",
    "metrics": "release metrics from the records: frequency, lead time, rollbacks, durations",
    "drill": "rehearse a release in a sandbox with injected faults, and score it",
    "sign": "sign a sign-off of a release yourself (git identity, SSH key)",
}


def command(name: str) -> ModuleType:
    """The module of subcommand `name`."""
    return import_module(f"relbook.cli.{name}")


# Start-up (the modules a command imports, the guide parsed) makes some 30,000 objects
# that all live on: collecting every 700 new objects, Python's default, is 6 ms of a dry
# run spent finding no garbage. Every 100,000 still collects the cycles of a long run.
GC_THRESHOLD = 100_000


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `relbook` console script (and `python -m relbook`): without
    `argv` it runs this process's command line, and the process exits when it returns."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(GC_THRESHOLD, threshold[0]), *threshold[1:])
    if argv is None:  # the process's own command: its collection at exit, of every
        atexit.register(gc.disable)  # object, frees none that exit does not (4 ms)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*threshold)  # as it was, for a caller in the same process


def _main(argv: list[str] | None) -> int:
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        args = _parser(words).parse_args(words)
        from relbook import regexcache  # not for --help, which compiles none

        regexcache.load()  # the patterns earlier runs compiled: most of start-up otherwise
        check_utf8_arguments(vars(args))
        args.argv = words
        from relbook.record.mask import Masker, masked_output  # not for --help

        OUTPUT_MASK[0] = masker = Masker.from_env(None, getattr(args, "mask", None) or ())
        if masker.warning:
            print(f"relbook: {masker.warning}", file=sys.stderr)
        with masked_output(masker):
            return command(args.command).run(args)
    except BrokenPipeError:
        return 0
    except (RelbookError, OSError) as e:  # OSError: a write failure not wrapped where it was
        e = write_failure(e) if isinstance(e, OSError) else e  # disk full, read-only: 1 line
        print(f"relbook: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM/SIGHUP during a run
        signum = getattr(e, "signum", 2)
        print(f"relbook: {_stopped_by(signum)}", file=sys.stderr)
        return 128 + signum


def _stopped_by(signum: int) -> str:
    """How relbook says it was stopped by a signal."""
    return {15: "terminated (SIGTERM)", 1: "hung up (SIGHUP)"}.get(signum, "interrupted")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, learning the terminal's width from `os` as shutil does:
    argparse makes a formatter for each argument added, and its own imports shutil, with
    the compression modules shutil loads, to ask (2 ms of a parse's start-up)."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: Any = None
    ) -> None:
        width = _columns() - 2 if width is None else width  # as argparse: 2 spare columns
        super().__init__(prog, indent_increment, max_help_position, width)


def _columns() -> int:
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, closed, not a terminal
        return 80


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help is laid out by HelpFormatter (its subcommands' too:
    argparse makes them of the parser's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; given argv naming a command, only that command's module is
    imported and its arguments built (importing every subcommand costs start-up time)."""
    p = _Parser(
        prog="relbook",
        description="Run Markdown release guides as parameterized runbooks, "
        "with a notebook record of every release.",
    )
    p.add_argument("--version", action="version", version=f"relbook {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = next((w for w in argv or () if not w.startswith("-")), None)
    if wanted in COMMANDS:
        command(wanted).add(sub)
    else:  # the list of commands (--help, a mistyped name) needs none of their arguments
        for name, text in COMMANDS.items():
            sub.add_parser(name, help=text)
    return p
