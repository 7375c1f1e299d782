"""Run options are declared once (relbook.options): the `relbook run` and `relbook
drill` arguments, the release notebook's parameters cell and the parameters papermill
passes stay in step; a flag added to, changed in or dropped from one of them and not
the declaration fails here."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from relbook import cli, datatype
from relbook.cli.drill import drill_options
from relbook.drill import DrillOptions
from relbook.notebook import PARAMETER_NAMES, release_notebook
from relbook.notebook.nbsession import options as notebook_options
from relbook.notebook.pmengine import parameters
from relbook.options import DRILL_OPTIONS, NOTEBOOK_OPTIONS, OPTIONS, Option, option
from relbook.parse import parse_runbook
from relbook.run import RunOptions

# arguments of `relbook run` (`relbook drill`) that are not run (drill) options of their own
NOT_OPTIONS = {"runbook", "help", "param", "params", "job", "approvals", "environment"}
NOT_DRILL_OPTIONS = {"runbook", "help", "param", "params", "list_scenarios"}


def _parser(command: str) -> argparse.ArgumentParser:
    sub = argparse.ArgumentParser().add_subparsers(dest="command")
    cli.command(command).add(sub)
    return sub.choices[command]


@pytest.mark.parametrize(
    ("command", "table", "others"),
    [("run", OPTIONS, NOT_OPTIONS), ("drill", DRILL_OPTIONS, NOT_DRILL_OPTIONS)],
)
def test_every_declared_flag_is_an_argument_as_declared(
    command: str, table: tuple[Option, ...], others: set[str]
) -> None:
    actions = {a.option_strings[-1] if a.option_strings else a.dest: a
               for a in _parser(command)._actions}  # fmt: skip
    for o in table:
        if not o.flag:
            continue
        a = actions[o.flag]
        assert a.help == o.help, o.name
        assert a.dest == o.arg.get("dest", o.name), o.name
        if o.kind == "bool":
            assert a.const is True and a.default is False, o.name
        assert a.default == o.arg.get("default", a.default), o.name
        assert a.metavar == o.arg.get("metavar"), o.name
        assert a.choices == o.arg.get("choices"), o.name
    declared = {o.arg.get("dest", o.name) for o in table if o.flag}
    assert {a.dest for a in actions.values()} - declared == others


def test_the_drill_shares_the_run_options_as_the_run_declares_them() -> None:
    """An option both take is one declaration: its flag and argparse arguments are the
    run's; only what it means in a drill (help, default) is said again."""
    run_names = {o.name for o in OPTIONS}
    shared = [o for o in DRILL_OPTIONS if o.name in run_names]
    assert {o.name for o in shared} >= {"version", "repo", "records", "answers_file"}
    for o in shared:
        run = option(o.name)
        assert (o.flag, o.arg, o.notebook) == (run.flag, run.arg, run.notebook), o.name
    own = {o.flag for o in DRILL_OPTIONS if o.name not in run_names}
    assert own.isdisjoint(o.flag for o in OPTIONS if o.flag)  # no flag declared twice


def test_drill_options_name_drill_options_fields_with_the_same_defaults() -> None:
    fields = {f.name: f for f in dataclasses.fields(DrillOptions)}
    names = {"answers" if o.name == "answers_file" else o.name for o in DRILL_OPTIONS}
    assert set(fields) - names == {"params"}  # -p and --params, as for every command
    for o in DRILL_OPTIONS:
        if o.name in ("version", "answers_file"):  # required; read into `answers`
            continue
        f = fields[o.name]
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        assert default == o.default, o.name


def test_the_drill_arguments_reach_its_options(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("tag: done\n")
    argv = ["g.md", "--version", "1.2.3", "--description", "D", "--repo", "src",
            "--date", "2026-06-15", "-p", "sha=abc", "--scenario", "tag-exists",
            "--tabletop", "--answers", str(answers), "--keep", "--records", "recs",
            "--operator", "bob"]  # fmt: skip
    args = _parser("drill").parse_args(argv)
    args.argv = ["drill", *argv]
    got: Any = drill_options(args)
    assert got == DrillOptions(
        version="1.2.3", description="D", repo="src", date="2026-06-15", params={"sha": "abc"},
        scenario="tag-exists", tabletop=True, answers={"tag": "done"}, keep=True,
        records="recs", operator="bob", command="relbook drill " + " ".join(argv),
    )  # fmt: skip
    bare = _parser("drill").parse_args(["g.md", "--version", "1.2.3"])
    bare.argv = ["drill", "g.md", "--version", "1.2.3"]
    assert drill_options(bare) == DrillOptions(
        version="1.2.3", command="relbook drill g.md --version 1.2.3"
    )


def test_options_name_run_options_fields_with_the_same_defaults() -> None:
    fields = {f.name: f for f in datatype.fields(RunOptions)}
    for o in OPTIONS:
        if o.name == "answers_file":  # read into `answers`
            continue
        f = fields[o.name]
        if o.name == "version":  # required: no default
            continue
        default = f.default_factory() if f.default is datatype.MISSING else f.default
        assert default == o.default, o.name


def test_the_parameters_cell_is_made_of_the_notebook_options() -> None:
    rb = parse_runbook("# Guide\n\n## Release\n\n```bash\necho hi\n```\n", "guide.md")
    nb = release_notebook(rb)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = cell.source.splitlines()[1:]
    assert lines == [f"{o.name}: {o.annotation} = {o.default!r}  # {o.comment}"
                     for o in NOTEBOOK_OPTIONS]  # fmt: skip
    setup = next(c for c in nb.cells if "relbook-setup" in c.metadata.get("tags", []))
    assert all(f"    {o.name}={o.name}," in setup.source for o in NOTEBOOK_OPTIONS)
    assert list(PARAMETER_NAMES) == [o.name for o in NOTEBOOK_OPTIONS]


def test_papermill_parameters_round_trip_to_the_same_run_options() -> None:
    opts = RunOptions(
        version="1.2.3",
        description="Faster",
        repo="/src/app",
        records="recs",
        yes=True,
        answers={"tag": "done"},
        timeout=90.0,
        operator="alice",
        date="2026-06-15",
        mask=["TOKEN"],
        allow_dirty=True,
        new_attempt=True,
        override_blackout="hotfix",
        command="papermill in.ipynb out.ipynb",
    )
    given = parameters(opts)
    assert list(given) == [o.name for o in NOTEBOOK_OPTIONS]
    # papermill passes text for -p NAME VALUE: the notebook reads it back the same
    as_text = {k: v if isinstance(v, (dict, list)) or v is None else str(v)
               for k, v in given.items()}  # fmt: skip
    for passed in (given, as_text):
        back = notebook_options(passed)
        for o in NOTEBOOK_OPTIONS:
            if o.name != "answers_file":
                assert getattr(back, o.name) == getattr(opts, o.name), o.name


def test_a_notebook_timeout_reads_like_the_command_line() -> None:
    assert notebook_options({"version": "1.0.0", "timeout": "10m"}).timeout == 600
