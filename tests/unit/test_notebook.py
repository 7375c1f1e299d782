"""relbook render notebook, and the notebook's cells run in process (no kernel)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from relbook.cli import main
from relbook.errors import Paused, RelbookError
from relbook.nbsession import Session
from relbook.notebook import PARAMETER_NAMES
from relbook.notebook.nbsession import options
from relbook.parse import read_runbook
from relbook.record import read_record
from tests.conftest import RUNBOOKS

RUNBOOK = str(RUNBOOKS / "release-management.md")

SMALL = """\
# Small release

## Prepare
- [ ] Check the board

```bash
echo "building {{ version }}: {{ description }}"
```

## Ship
```bash
echo "shipping {{ version }}" >> shipped.txt
```
"""


def render(tmp_path: Path, runbook: str = RUNBOOK, *extra: str) -> nbformat.NotebookNode:
    out = tmp_path / "release.ipynb"
    assert main(["render", "notebook", runbook, "-o", str(out), *extra]) == 0
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb: nbformat.NotebookNode, tag: str = "") -> list[nbformat.NotebookNode]:
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [c for c in cells if tag in c.metadata.get("tags", [])] if tag else cells


def run_cells(nb: nbformat.NotebookNode, **params: object) -> dict[str, object]:
    """Run the notebook's code in this process, parameters injected as papermill does."""
    ns: dict[str, object] = {}
    for cell in code_cells(nb):
        exec(cell.source, ns)
        if "parameters" in cell.metadata.get("tags", []):
            ns.update(params)
    return ns


def small_runbook(tmp_path: Path) -> str:
    path = tmp_path / "small.md"
    path.write_text(SMALL)
    return str(path)


def test_parameters_cell_first_then_setup_a_cell_per_step_and_close(tmp_path):
    nb = render(tmp_path)
    code = code_cells(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert code[0].metadata.tags == ["parameters"]
    assert "Session(" in code[1].source and RUNBOOK.split("/")[-1] in code[1].source
    assert code[-1].source == "session.close()"
    steps = [c.metadata.relbook.step for c in code_cells(nb, "relbook-step")]
    assert steps == [s.id for s in read_runbook(RUNBOOK).flow()]
    assert len(steps) == 21 and "emergency-rollback.1" not in steps


def test_manual_steps_get_a_checkbox_cell_and_shell_steps_show_their_commands(tmp_path):
    nb = render(tmp_path)
    i = next(i for i, c in enumerate(nb.cells) if "Security review by security team" in c.source)
    assert nb.cells[i].cell_type == "markdown" and nb.cells[i].source.startswith("- [ ] **")
    assert "release-management.md:64" in nb.cells[i].source and "signoff" in nb.cells[i].source
    assert nb.cells[i + 1].source.endswith("session.step('release-approval.2')")
    shell = next(c for c in code_cells(nb, "relbook-step") if "git tag -a" in c.source)
    assert "#     git push origin v1.2.3" in shell.source
    assert shell.source.endswith("session.step('release-deployment.1')")


def test_every_parameter_is_defined_and_handed_to_the_session(tmp_path):
    nb = render(tmp_path, RUNBOOK, "--version", "v1.2.3", "--description", "Quarterly")
    ns: dict[str, object] = {}
    exec(code_cells(nb)[0].source, ns)
    assert set(PARAMETER_NAMES) <= set(ns)
    assert ns["version"] == "1.2.3" and ns["description"] == "Quarterly" and ns["yes"] is False
    setup = code_cells(nb)[1].source
    assert all(f"    {name}={name}," in setup for name in PARAMETER_NAMES)


def test_section_notebook_has_only_that_section(tmp_path):
    nb = render(tmp_path, RUNBOOK, "--section", "Emergency Rollback")
    steps = [c.metadata.relbook.step for c in code_cells(nb, "relbook-step")]
    assert steps == ["emergency-rollback.1"]
    assert "section='Emergency Rollback'" in code_cells(nb)[1].source


def test_render_to_stdout_and_bad_version(capsys):
    assert main(["render", "notebook", RUNBOOK]) == 0
    nbformat.validate(nbformat.reads(capsys.readouterr().out, as_version=4))
    assert main(["render", "notebook", RUNBOOK, "--version", "1.2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'1.2'" in err and "Traceback" not in err


def test_cells_run_the_release_and_write_the_record(tmp_path, capsys):
    nb = render(tmp_path, small_runbook(tmp_path))
    records = tmp_path / "records"
    ns = run_cells(
        nb, version="2.0.0", description="x", repo=str(tmp_path), records=str(records), yes=True
    )
    assert ns["session"].closed
    out = capsys.readouterr().out
    assert "[3/3] Ship" in out and "building 2.0.0: x" in out
    rec = read_record(records / "small" / "2.0.0.ipynb")
    assert rec.meta["result"] == "done" and rec.meta["engine"] == "papermill"
    assert [o.status.value for o in rec.outcomes] == ["done", "done", "done"]
    assert (tmp_path / "shipped.txt").read_text() == "shipping 2.0.0\n"


def test_manual_step_pauses_then_an_answer_resumes_without_rerunning(tmp_path):
    nb = render(tmp_path, small_runbook(tmp_path))
    params = {"version": "2.0.0", "repo": str(tmp_path), "records": str(tmp_path / "r")}
    with pytest.raises(Paused) as paused:
        run_cells(nb, **params)
    assert "small.md:4: waiting for manual step 'prepare.1'" in str(paused.value)
    assert paused.value._render_traceback_() == [f"Paused: {paused.value}"]
    assert read_record(tmp_path / "r/small/2.0.0.ipynb").meta["result"] == "paused"
    run_cells(nb, **params, answers={"prepare.1": "done: board is green"})  # lock was released
    rec = read_record(tmp_path / "r/small/2.0.0.ipynb")
    assert rec.meta["result"] == "done" and rec.outcomes[0].note == "board is green"
    run_cells(nb, **params, answers={"prepare.1": "done"}, new_attempt=True)
    assert (tmp_path / "shipped.txt").read_text().count("shipping") == 2


def test_options_take_papermill_values():
    opts = options(
        {"version": "2.0.0", "yes": "True", "timeout": "30", "mask": "A, B"},
        engine="papermill",
    )
    assert opts.yes is True and opts.timeout == 30.0 and opts.mask == ["A", "B"]
    assert opts.repo == "." and opts.records == "records"
    for bad, said in [
        ({"version": ""}, "parameter version is required"),
        ({"version": "1.0.0", "yes": "maybe"}, "must be True or False"),
        ({"version": "1.0.0", "timeout": "-1"}, "must be positive"),
        ({"version": "1.0.0", "verison": "1"}, "unknown parameter(s) verison"),
        ({"version": "1.0.0", "answers": "done"}, "must be a mapping"),
    ]:
        with pytest.raises(RelbookError, match=said.replace("(", r"\(").replace(")", r"\)")):
            options(bad)


def test_session_refuses_a_changed_runbook_and_unknown_steps(tmp_path):
    path = small_runbook(tmp_path)
    with pytest.raises(RelbookError, match="changed since this notebook was generated"):
        Session(path, sha256="0" * 64, version="1.0.0", repo=str(tmp_path))
    s = Session(path, version="1.0.0", repo=str(tmp_path), records=str(tmp_path / "r"), yes=True)
    with pytest.raises(RelbookError, match="not in this run's plan"):
        s.step("nope.1")
    assert s.close() == "incomplete"
    with pytest.raises(RelbookError, match="session is closed"):
        s.step("prepare.1")


def test_settle_records_a_step_whose_process_died(tmp_path):
    """A process killed in the middle of a step leaves a record that settle() closes."""
    runbook = tmp_path / "dies.md"
    runbook.write_text(
        "# Dies\n\n## Steps\n```bash\necho one\n```\n\n"
        "```bash\necho dying\nkill -9 $PPID\nsleep 5\n```\n\n```bash\necho three\n```\n"
    )
    code = textwrap.dedent(
        f"""
        from relbook.nbsession import Session
        s = Session({str(runbook)!r}, version="1.0.0", repo={str(tmp_path)!r},
                    records={str(tmp_path / "r")!r}, yes=True)
        for n in (1, 2, 3):
            s.step(f"steps.{{n}}")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == -9
    from relbook.model import Status
    from relbook.run import Runner, RunOptions
    from relbook.ui import TerminalUI

    rb = read_runbook(str(runbook))
    runner = Runner(rb, RunOptions(version="1.0.0", records=str(tmp_path / "r")), TerminalUI())
    runner.locate()
    with runner.lock():  # the dead kernel's locks were released by the OS
        lost = runner.settle(Status.INTERRUPTED, "the kernel died")
    assert [o.step_id for o in lost] == ["steps.2"]
    rec = read_record(runner.paths.notebook)
    nbformat.validate(nbformat.read(str(runner.paths.notebook), as_version=4))
    assert rec.meta["result"] == "failed"
    assert [(o.status.value, o.reason) for o in rec.outcomes] == [
        ("done", ""),
        ("interrupted", "the kernel died"),
        ("pending", ""),
    ]
    assert runner.settle(Status.INTERRUPTED, "again") == []  # a closed record stays as it is


def test_metrics_skip_the_papermill_notebooks_beside_a_record(tmp_path, capsys):
    work = tmp_path / "records" / "small" / "1.0.0.papermill"
    work.mkdir(parents=True)
    (work / "run-1.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    assert main(["metrics", str(tmp_path / "records")]) == 0
    assert "run-1.ipynb" not in capsys.readouterr().out


def test_cli_import_stays_lean():
    heavy = ["papermill", "jupyter_client", "nbclient", "nbformat", "relbook.notebook.pmengine"]
    code = f"import relbook.cli, sys; print(sorted(set({heavy}) & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
