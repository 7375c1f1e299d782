"""Run options are declared once (relbook.options): the `relbook run` arguments, the
release notebook's parameters cell and the parameters papermill passes stay in step."""

from __future__ import annotations

import argparse
import dataclasses

from relbook import cli
from relbook.notebook import PARAMETER_NAMES, release_notebook
from relbook.notebook.nbsession import options as notebook_options
from relbook.notebook.pmengine import parameters
from relbook.options import NOTEBOOK_OPTIONS, OPTIONS
from relbook.parse import parse_runbook
from relbook.run import RunOptions

# arguments of `relbook run` that are not run options of their own
NOT_OPTIONS = {"runbook", "help", "param", "params", "job", "approvals", "environment"}


def _run_parser() -> argparse.ArgumentParser:
    sub = argparse.ArgumentParser().add_subparsers(dest="command")
    cli.command("run").add(sub)
    return sub.choices["run"]


def test_every_declared_flag_is_an_argument_of_run_as_declared() -> None:
    actions = {a.option_strings[-1] if a.option_strings else a.dest: a
               for a in _run_parser()._actions}  # fmt: skip
    for o in OPTIONS:
        if not o.flag:
            continue
        a = actions[o.flag]
        assert a.help == o.help, o.name
        assert a.dest == o.arg.get("dest", o.name), o.name
        if o.kind == "bool":
            assert a.const is True and a.default is False, o.name
        assert a.default == o.arg.get("default", a.default), o.name
    declared = {o.arg.get("dest", o.name) for o in OPTIONS if o.flag}
    assert {a.dest for a in actions.values()} - declared == NOT_OPTIONS


def test_options_name_run_options_fields_with_the_same_defaults() -> None:
    fields = {f.name: f for f in dataclasses.fields(RunOptions)}
    for o in OPTIONS:
        if o.name == "answers_file":  # read into `answers`
            continue
        f = fields[o.name]
        if o.name == "version":  # required: no default
            continue
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
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
