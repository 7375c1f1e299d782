"""Command line: the entry point, the parser assembled from one module per subcommand
(`relbook.cli.<name>`: `add(sub)` registers its arguments, `run(args)` does it), and
the one place where errors become messages and exit statuses."""

from __future__ import annotations

import atexit
import gc
import sys
from importlib import import_module

TYPE_CHECKING = False  # not typing's: importing it here would load it under the default
if TYPE_CHECKING:  # collector threshold, which main raises for the rest of start-up
    from types import ModuleType
    from typing import Any

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


def __getattr__(name: str) -> Any:
    """`relbook.cli.resolve_runbook`, kept where callers found it, loaded when asked."""
    if name == "resolve_runbook":
        from relbook.cli.common import resolve_runbook

        return resolve_runbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    # imported here, not with this module, so that they load under main's threshold
    from relbook.cli.common import OUTPUT_MASK
    from relbook.cli.parser import parse
    from relbook.errors import RelbookError, check_utf8_arguments, write_failure

    try:
        words = list(sys.argv[1:] if argv is None else argv)
        args = parse(words, COMMANDS, command)
        from relbook import regexcache  # not for --help, which compiles none

        regexcache.load(args.command)  # what this command compiled before: most of start-up
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
