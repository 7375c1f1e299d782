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
# what executes steps: a dry run and a parse execute none
ENGINE = {
    "relbook.engines.local",
    "relbook.engines.protocol",
    "relbook.engines.pump",
    "relbook.engines.server",
    "relbook.run.session",
    "relbook.run.signoff",
    "relbook.run.steps",
    "relbook.run.undo",
}
SRC = str(Path(__file__).resolve().parents[2] / "src")
# what a parse and a dry run do without: OpenSSL (hashlib: relbook.digest hashes the
# guide), shutil and the compression modules (argparse's terminal width: cli.HelpFormatter)
START_UP = {"hashlib", "_hashlib", "shutil", "bz2", "lzma"}
# what a parse does without: pathlib (with ntpath and fnmatch: the parse path uses
# os.path), locale (gettext's, for argparse's words: relbook's command line is English)
PARSE_FREE = {"pathlib", "ntpath", "fnmatch", "locale"}


def _loaded(code: str) -> set[str]:
    """Every module in sys.modules after running `code` in a fresh interpreter (lazy
    imports done through a module's __getattr__ included)."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def _modules(code: str) -> set[str]:
    """Top-level packages imported after running `code` in a fresh interpreter."""
    return {m.split(".")[0] for m in _loaded(code)}


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
    every = _loaded(code)
    loaded = {m.split(".")[0] for m in every}
    assert "mistune" in loaded
    assert not loaded & (HEAVY | {"socket", "uuid"}), loaded & (HEAVY | {"socket", "uuid"})
    assert not {m for m in every if m.startswith(("relbook.run", "relbook.engines"))}
    assert not every & START_UP, every & START_UP
    assert not every & PARSE_FREE, every & PARSE_FREE


def test_each_subcommand_module_registers_its_own_command():
    """relbook.cli.<name>.add must add the subcommand <name>: the CLI builds only the one
    asked for, importing only its module."""
    import argparse

    from relbook import cli

    for name in cli.COMMANDS:
        p = argparse.ArgumentParser()
        sub = p.add_subparsers(dest="command")
        cli.command(name).add(sub)
        assert list(sub.choices) == [name]
        assert callable(cli.command(name).run)


def test_a_command_imports_only_its_own_module():
    """`relbook parse --help` does not import the run or drill subcommand modules."""
    code = "import relbook.cli\ntry:\n    relbook.cli.main(['parse', '--help'])\n"
    code += "except SystemExit:\n    pass"
    probe = (
        f"{code}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('relbook.cli.')))"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    loaded = out.stdout.splitlines()[-1]
    assert "relbook.cli.parse" in loaded
    assert "relbook.cli.run'" not in loaded and "relbook.cli.drill" not in loaded, loaded


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


def test_dry_run_of_the_shipped_guide_fills_its_values_without_jinja2(tmp_path: Path):
    """Bare {{ name }} placeholders are filled directly; jinja2 (and socket, uuid)
    load only where a template needs them or a real run records its host."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    subprocess.run([*git, "tag", "v1.2.2"], check=True)
    argv = ["run", str(RUNBOOKS / "release-management.md"), "--version", "1.2.3", "--dry-run"]
    argv += ["--date", "2026-06-15", "--repo", str(repo)]
    code = f"import relbook.cli\nassert relbook.cli.main({argv!r}) == 0"
    every = _loaded(code)
    loaded = {m.split(".")[0] for m in every}
    assert not loaded & (HEAVY - {"semver"} | {"socket", "uuid"}), loaded & (HEAVY | {"socket"})
    assert not every & ENGINE, every & ENGINE  # a dry run executes nothing
    assert not every & START_UP, every & START_UP
    assert "difflib" not in every  # a typo's suggestion: only for a name nothing fills


def test_a_dry_run_asks_git_only_what_it_shows(tmp_path: Path):
    """The shipped guide's dry run runs four git commands (the work tree, its tags, the
    origin, the commits since the last release; the first three side by side, while the
    guide is read) and never asks who the operator is."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    subprocess.run([*git, "tag", "v1.2.2"], check=True)
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    shims, log = tmp_path / "bin", tmp_path / "git.log"
    shims.mkdir()
    (shims / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real.stdout.strip()} "$@"\n')
    (shims / "git").chmod(0o755)
    argv = [sys.executable, "-m", "relbook", "run", str(RUNBOOKS / "release-management.md")]
    argv += ["--version", "1.2.3", "--dry-run", "--date", "2026-06-15", "--repo", str(repo)]
    env = {**os.environ, "PYTHONPATH": SRC, "PATH": f"{shims}:{os.environ['PATH']}"}
    subprocess.run(argv, env=env, capture_output=True, check=True)
    asked = [line.split()[0] for line in log.read_text().splitlines()]
    assert sorted(asked) == ["config", "for-each-ref", "log", "rev-parse"], log.read_text()
    assert "user.name" not in log.read_text()


def test_a_run_reads_head_at_its_end_without_the_work_trees_status(tmp_path: Path):
    """The record's HEAD after the run is one `rev-parse`: `git status` (the dirty check
    before the run) is the call that is slow on a large repository, and is made once."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    guide = tmp_path / "guide.md"
    guide.write_text("# Release\n\n## Steps\n\n```bash\necho hello\n```\n")
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    shims, log = tmp_path / "bin", tmp_path / "git.log"
    shims.mkdir()
    (shims / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real.stdout.strip()} "$@"\n')
    (shims / "git").chmod(0o755)
    argv = [sys.executable, "-m", "relbook", "run", str(guide), "--version", "1.0.0", "--yes"]
    argv += ["--repo", str(repo), "--records", str(tmp_path / "records"), "--operator", "t"]
    env = {**os.environ, "PYTHONPATH": SRC, "PATH": f"{shims}:{os.environ['PATH']}"}
    subprocess.run(argv, env=env, capture_output=True, check=True)
    asked = log.read_text().splitlines()
    assert sum(line.startswith("status ") for line in asked) == 1, asked
    assert asked[-1] == "rev-parse -q --verify HEAD^{commit}", asked
