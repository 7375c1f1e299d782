"""What the subcommands share: the common arguments, finding and loading a runbook,
writing a document, the --answers file and the command line for the record."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import Any

from relbook.cli.values import add_value_args
from relbook.errors import RelbookError

OUTPUT_MASK: list[Any] = [None]  # the secrets of the command running, for the files it writes


def runbook_arg(p: argparse.ArgumentParser, name: str = "runbook") -> None:
    p.add_argument(
        name,
        metavar=name.upper(),
        help="Markdown runbook (a path, or a shipped runbook's name such as release-management)",
    )


def output_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")


def flags(p: argparse.ArgumentParser, *flags: tuple[str, str]) -> None:
    """Add on/off options, each given as (option, help)."""
    for flag, text in flags:
        p.add_argument(flag, action="store_true", help=text)


def version_args(
    p: argparse.ArgumentParser, *, required: bool, table: tuple[Any, ...] | None = None
) -> None:
    """--version, --description, --repo, --date, then -p and --params (`table`: the
    declarations to take them from, default relbook.options.OPTIONS)."""
    from relbook.options import VERSION_ARGS

    option_args(p, VERSION_ARGS, table=table, version={"required": required})
    add_value_args(p)


def option_args(
    p: argparse.ArgumentParser,
    names: Iterable[str],
    table: tuple[Any, ...] | None = None,
    **overrides: dict[str, Any],
) -> None:
    """Add the options `names` to `p` as `table` (default: the run options of
    relbook.options) declares them, in its order."""
    from relbook.options import OPTIONS

    wanted = set(names)
    for o in table or OPTIONS:
        if not o.flag or o.name not in wanted:
            continue
        kw: dict[str, Any] = {"help": o.help, **o.arg, **overrides.get(o.name, {})}
        if o.kind == "bool":
            kw["action"] = "store_true"
        elif o.kind == "duration":
            kw["type"] = duration
        p.add_argument(o.flag, **kw)


def resolve_runbook(path: str) -> str:
    """A path as given, or a shipped runbook's path when `path` names one."""
    try:
        os.stat(path)  # os, not pathlib: a parse imports no pathlib
        return path
    except (FileNotFoundError, NotADirectoryError, ValueError):  # not there: a name?
        pass
    except OSError:  # a name too long for the file system: read_runbook reports it
        return path
    from importlib import resources
    from pathlib import Path

    name = path if path.endswith(".md") else f"{path}.md"
    shipped = resources.files("relbook") / "runbooks" / Path(name).name
    if shipped.is_file():
        return str(shipped)
    local = Path(__file__).resolve().parents[3] / "runbooks" / Path(name).name
    return str(local) if local.is_file() else path


def load(path: str) -> Any:
    """Read and parse a runbook given on the command line."""
    from relbook.parse import read_runbook

    return read_runbook(resolve_runbook(path))


def print_json(data: Any) -> None:
    """Print a command's --json / --format json document."""
    import json  # only the commands that print JSON need it

    print(json.dumps(data, indent=2, ensure_ascii=False))


def emit(text: str, output: str | None, detail: str = "") -> None:
    """Write a command's document to OUT (atomically) or to stdout."""
    text = OUTPUT_MASK[0].mask(text) if OUTPUT_MASK[0] else text
    if output:
        from pathlib import Path

        from relbook.record.files import write_atomic

        write_atomic(Path(output), text.encode("utf-8"))
        print(f"wrote {output}{detail}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def suggest(repo: str, rb: Any) -> tuple[str, str] | None:
    """The next version the history of `repo` implies, and why."""
    from relbook.params.history import suggest_version

    return suggest_version(repo, str(rb.front_matter.get("tag_prefix", "v")))


def resolve_auto(args: argparse.Namespace, rb: Any) -> None:
    """`--version auto`: the version the history implies, said on stderr."""
    if args.release != "auto":
        return
    found = suggest(args.repo or ".", rb)
    if found is None:
        raise RelbookError(
            "--version auto: no feature, fix or breaking change since the previous release "
            "tag; give --version V"
        )
    args.release = found[0]
    args.argv = [found[0] if a == "auto" else a for a in getattr(args, "argv", [])]
    print(f"version: {found[0]} ({found[1]})", file=sys.stderr)


def read_answers(args: argparse.Namespace) -> dict[str, Any]:
    """The --answers file of run and drill, read; {} without one."""
    from relbook.run import load_answers

    return load_answers(args.answers) if args.answers else {}


def invocation(args: argparse.Namespace) -> str:
    """The command line as typed, for the record."""
    import shlex

    return "relbook " + shlex.join(args.argv)


def duration(value: str) -> float:
    """--timeout as the directive takes it: seconds, or with s, m or h."""
    from relbook.parse import parse_duration

    seconds = parse_duration(value)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration (90, 90s, 10m, 1h)")
    return seconds
