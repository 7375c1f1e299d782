"""Lean start-up: heavy libraries load only in the commands that use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RUNBOOKS

HEAVY = {"jinja2", "nbformat", "papermill", "git", "yaml", "nbconvert", "ipykernel", "semver"}
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _modules(code: str) -> set[str]:
    """Top-level packages imported after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return {m.split(".")[0] for m in json.loads(out.stdout.splitlines()[-1])}


def test_import_cli_is_light():
    loaded = _modules("import relbook.cli")
    assert not loaded & (HEAVY | {"mistune"}), loaded & (HEAVY | {"mistune"})


def test_help_is_light():
    code = (
        "import relbook.cli\ntry:\n    relbook.cli.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert not _modules(code) & (HEAVY | {"mistune"})


@pytest.mark.parametrize("runbook", sorted(RUNBOOKS.glob("*.md")), ids=lambda p: p.name)
def test_parse_needs_only_mistune(runbook: Path):
    code = f"import relbook.cli\nrelbook.cli.main(['parse', {str(runbook)!r}, '--json'])"
    loaded = _modules(code)
    assert "mistune" in loaded
    assert not loaded & HEAVY, loaded & HEAVY


def test_each_parser_function_registers_its_own_command():
    """`_add_<name>` must add the subcommand <name>: the CLI builds only the one asked for."""
    import argparse

    from relbook import cli

    for add in cli.PARSERS:
        p = argparse.ArgumentParser()
        sub = p.add_subparsers(dest="command")
        add(sub)
        assert list(sub.choices) == [add.__name__.removeprefix("_add_")]


@pytest.mark.parametrize("argv", [["--help"], ["parse", "--help"], ["bogus"]])
def test_help_and_unknown_commands_still_list_everything(argv, capsys):  # noqa: ANN001
    from relbook import cli

    with pytest.raises(SystemExit):
        cli.main(argv)
    out = capsys.readouterr()
    text = out.out + out.err
    if argv == ["parse", "--help"]:
        assert "--json" in text
    else:
        assert all(name in text for name in ("parse", "params", "parameterize", "run", "lint"))
