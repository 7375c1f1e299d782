"""The argument parser of the command line: argparse's, laid out for the terminal, with
only the arguments of the command asked for (each subcommand's module adds its own)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from relbook import __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType


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


def parse(
    words: list[str], commands: Mapping[str, str], command: Callable[[str], ModuleType]
) -> argparse.Namespace:
    """The command line `words` parsed (`commands`: each subcommand's name and help;
    `command`: its module by name), in English as all of relbook's words are.

    argparse asks gettext for each of its own words (usage:, options, show this help
    message and exit), and gettext, to look for a catalog, imports `locale` and searches
    the disk for every one of them: 1 ms of a command's start-up, for a help text that
    would at best be half translated. They are taken as written while relbook parses
    its command line, and argparse is left as it was for other callers."""
    translate = argparse._  # type: ignore[attr-defined]
    argparse._ = str  # type: ignore[attr-defined]  # str(message) is the message
    try:
        return build(words, commands, command).parse_args(words)
    finally:
        argparse._ = translate  # type: ignore[attr-defined]


def build(
    argv: list[str] | None,
    commands: Mapping[str, str],
    command: Callable[[str], ModuleType],
) -> argparse.ArgumentParser:
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
    if wanted in commands:
        command(wanted).add(sub)
    else:  # the list of commands (--help, a mistyped name) needs none of their arguments
        for name, text in commands.items():
            sub.add_parser(name, help=text)
    return p
