"""The record notebook: the cached writer and the plain builder agree, and the seal
tells content edits from mere re-serialization."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from relbook.model import Outcome, Status
from relbook.record import NotebookWriter, State, build_notebook, notebook_json, seal, sealed


def state(outcomes: dict[str, Outcome], running: list[str] | None = None) -> State:
    meta = {
        "runbook": {"path": "rb.md", "name": "rb", "title": "T"},
        "params": {"version": "1.0.0"},
    }
    return State(meta, ["s.1", "s.2", "s.3"], outcomes, running or [], "running", [])


def shell(step: str, out: str) -> Outcome:
    return Outcome(step, "shell", Status.DONE, text=step, line=3, source="echo hi", output=out)


def test_writer_matches_builder_and_follows_changes(tmp_path: Path) -> None:
    writer, path = NotebookWriter(), tmp_path / "r.ipynb"
    st = state({"s.1": shell("s.1", "hi\n")}, running=["s.2"])
    for _ in range(2):
        writer.write(path, st, {})
        assert path.read_text() == seal(notebook_json(build_notebook(st, {})))
        st.outcomes["s.2"] = shell("s.2", "second\n")  # a new outcome replaces a cell
        st.running = []
    text = path.read_text()
    assert sealed(text)
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert [c.metadata["relbook"]["status"] for c in nb.cells[1:]] == ["done", "done", "pending"]
    assert nb.cells[2].outputs[0]["text"] == "second\n"


def test_seal_detects_content_edits_not_layout(tmp_path: Path) -> None:
    text = seal(notebook_json(build_notebook(state({"s.1": shell("s.1", "hi\n")}), {})))
    nb = json.loads(text)
    assert sealed(json.dumps(nb, indent=1))  # layout only
    nb["cells"][1]["outputs"][0]["text"] = ["h", "i\n"]  # nbformat's list-of-lines form
    assert sealed(json.dumps(nb, indent=2))
    nb["cells"][1]["outputs"][0]["text"] = "ho\n"
    assert not sealed(json.dumps(nb))
    assert not sealed(text.replace('"digest": "', '"digest": "0', 1))
    assert not sealed(text[:-40])
