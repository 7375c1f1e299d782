"""The CLI collects garbage rarely while a command runs (start-up makes objects that
all live), and leaves the collector as it found it for a caller in the same process."""

from __future__ import annotations

import argparse
import gc
from typing import Any

import pytest

from relbook import cli
from tests.conftest import RUNBOOKS


def test_a_command_runs_with_the_start_up_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []

    class Command:
        @staticmethod
        def add(sub: Any) -> None:
            sub.add_parser("parse")

        @staticmethod
        def run(args: argparse.Namespace) -> int:
            seen.append(gc.get_threshold())
            return 0

    monkeypatch.setattr(cli, "command", lambda name: Command)
    before = gc.get_threshold()
    assert cli.main(["parse"]) == 0
    assert seen == [(max(cli.GC_THRESHOLD, before[0]), *before[1:])]


def test_a_command_leaves_the_collector_as_it_found_it(capsys: pytest.CaptureFixture[str]) -> None:
    before, enabled = gc.get_threshold(), gc.isenabled()
    assert cli.main(["parse", str(RUNBOOKS / "octoacme-release.md")]) == 0
    assert gc.get_threshold() == before and gc.isenabled() == enabled
    assert "octoacme" in capsys.readouterr().out.lower()


def test_a_caller_running_the_command_line_keeps_its_collector(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main()` with no argv (a wrapper script, runpy) returns to a caller that goes on:
    the collector is off only once the process exits."""
    import atexit

    registered: list[Any] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr("sys.argv", ["relbook", "parse", str(RUNBOOKS / "octoacme-release.md")])
    assert cli.main() == 0
    assert gc.isenabled()
    assert registered == [gc.disable]
    capsys.readouterr()


def test_argparse_translates_again_for_other_callers(capsys: pytest.CaptureFixture[str]) -> None:
    """relbook takes argparse's words as written while it parses its own command line,
    and leaves argparse's gettext in place for the rest of the process."""
    translate = argparse._  # type: ignore[attr-defined]
    assert cli.main(["parse", str(RUNBOOKS / "octoacme-release.md")]) == 0
    with pytest.raises(SystemExit):
        cli.main(["parse", str(RUNBOOKS / "octoacme-release.md"), "--no-such-option"])
    assert argparse._ is translate  # type: ignore[attr-defined]
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
