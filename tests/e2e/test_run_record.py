"""The record: corrupt, hand-edited or unwritable records are refused and kept;
changed runbooks, finished releases, contingency sections, new attempts."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import env, journal, lines, notebook, outcomes, relbook, run, write_runbook

PAUSING = """
    # Small release

    ## Steps

    ```bash
    echo one >> "$MARKS/one"
    ```

    - [ ] Approve the release

    ```bash
    echo three >> "$MARKS/three"
    ```
"""


@pytest.fixture
def paused(origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """A release paused (exit 3) at its manual step; returns (args, notebook path)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("MARKS", str(marks))
    rb = write_runbook(tmp_path / "small.md", PAUSING)
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(*args) == 3
    capsys.readouterr()
    return args, tmp_path / "rec" / "small" / "1.3.0.ipynb"


def snapshot(nb: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in nb.parent.iterdir() if p.is_file()}


def refused(args: list, capsys, *extra: str) -> str:
    assert run(*args, "--yes", *extra) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("relbook: error:")
    return err


def test_truncated_notebook_is_refused_and_kept(paused, tmp_path: Path, capsys) -> None:
    args, nb = paused
    nb.write_bytes(nb.read_bytes()[: nb.stat().st_size // 2])
    before = snapshot(nb)
    err = refused(args, capsys)
    assert str(nb) in err and "corrupt" in err and "move it aside" in err
    assert snapshot(nb) == before
    assert lines(tmp_path / "marks" / "three") == 0


def test_hand_edited_notebook_is_refused_and_kept(paused, capsys) -> None:
    args, nb = paused
    data = json.loads(nb.read_text())
    data["cells"][1]["source"] = "echo something else"
    nb.write_text(json.dumps(data, indent=1))
    before = snapshot(nb)
    err = refused(args, capsys)
    assert str(nb) in err and "edited by hand" in err
    assert snapshot(nb) == before


def test_notebook_saved_again_by_jupyter_still_resumes(paused, tmp_path: Path) -> None:
    import nbformat

    args, nb = paused
    nbformat.write(nbformat.read(str(nb), as_version=4), str(nb))  # as Jupyter saves it
    assert run(*args, "--yes") == 0
    assert lines(tmp_path / "marks" / "one") == 1 and lines(tmp_path / "marks" / "three") == 1


def test_hand_edited_journal_is_refused_and_kept(paused, capsys) -> None:
    args, nb = paused
    path = nb.with_name("1.3.0.journal.jsonl")
    text = path.read_text().splitlines(keepends=True)
    n = next(i for i, line in enumerate(text) if '"event": "outcome"' in line)
    text[n] = text[n].replace('"exit_code": 0', '"exit_code": 1')
    path.write_text("".join(text))
    before = snapshot(nb)
    err = refused(args, capsys)
    assert f"{path}:{n + 1}:" in err and "hash chain" in err
    assert snapshot(nb) == before


def test_journal_cut_short_is_refused_and_kept(paused, tmp_path: Path, capsys) -> None:
    args, nb = paused
    path = nb.with_name("1.3.0.journal.jsonl")
    kept = path.read_text().splitlines(keepends=True)
    n = next(i for i, line in enumerate(kept) if '"event": "outcome"' in line)
    path.write_text("".join(kept[:n]) + kept[n][:40])  # steps.1 done, but not in the journal
    before = snapshot(nb)
    err = refused(args, capsys)
    assert str(path) in err and "steps.1" in err and "cut short" in err
    assert snapshot(nb) == before
    assert lines(tmp_path / "marks" / "one") == 1  # not run again


def test_journal_without_final_newline_is_kept_whole(paused, tmp_path: Path) -> None:
    args, nb = paused
    path = nb.with_name("1.3.0.journal.jsonl")
    path.write_text(path.read_text().rstrip("\n"))  # an editor dropped the newline
    events = len(journal(path))
    assert run(*args, "--yes") == 0
    assert len(journal(path)) > events
    assert lines(tmp_path / "marks" / "one") == 1


def test_torn_journal_line_from_a_crash_is_dropped(paused, tmp_path: Path) -> None:
    args, nb = paused
    path = nb.with_name("1.3.0.journal.jsonl")
    with path.open("a") as f:
        f.write('{"event": "start", "step": "ste')  # the process died mid-write
    assert run(*args, "--dry-run") == 0
    assert path.read_text().endswith('"ste')  # a dry run repairs nothing
    assert run(*args, "--yes") == 0
    journal(path)  # every line is whole again
    assert lines(tmp_path / "marks" / "three") == 1


FILLING = """
    # Filling release

    ## Steps

    ```bash
    echo one >> "$MARKS/one"
    ```

    ```bash
    seq 1 8000
    ```

    ```bash
    echo three >> "$MARKS/three"
    ```
"""


def _limit_file_size(limit: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_disk_full_while_recording(origin_repo: Repo, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    rb = write_runbook(tmp_path / "filling.md", FILLING)
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    nb = tmp_path / "rec" / "filling" / "1.3.0.ipynb"
    # no file may grow past 16 KiB: step 2's 38 KiB of output cannot be recorded
    full = relbook(*args, "--yes", env=env(MARKS=str(marks)), preexec_fn=_limit_file_size(16384))
    assert full.returncode == 2, full.stderr
    assert "File too large" in full.stderr and "Traceback" not in full.stderr
    assert full.stderr.startswith("relbook: error:") and full.stderr.count("\n") == 1
    assert lines(marks / "one") == 1 and lines(marks / "three") == 0  # nothing further ran
    before = notebook(nb)  # the previous notebook is intact and valid
    assert before.metadata["relbook"]["result"] == "running"
    journal(nb.with_name("1.3.0.journal.jsonl"))  # whole events only

    again = relbook(*args, "--yes", env=env(MARKS=str(marks)))  # space is back
    assert again.returncode == 0, again.stderr
    assert "interrupted" in again.stdout
    assert [lines(marks / "one"), lines(marks / "three")] == [1, 1]
    assert outcomes(nb)["steps.2"]["output"].endswith("8000\n")


def test_disk_full_while_writing_the_notebook(paused, tmp_path: Path) -> None:
    args, nb = paused
    before = nb.read_bytes()
    # the notebook may not grow at all: resuming records one more event in it
    full = relbook(
        *args,
        "--yes",
        env=env(MARKS=str(tmp_path / "marks")),
        preexec_fn=_limit_file_size(len(before)),
    )
    assert full.returncode == 2, full.stderr
    assert "File too large" in full.stderr and "Traceback" not in full.stderr
    assert str(nb) in full.stderr
    assert nb.read_bytes() == before
    assert not list(nb.parent.glob(".*.tmp"))  # no temporary file left behind
    assert lines(tmp_path / "marks" / "three") == 0  # no further step started
    assert relbook(*args, "--yes", env=env(MARKS=str(tmp_path / "marks"))).returncode == 0
    assert [lines(tmp_path / "marks" / n) for n in ("one", "three")] == [1, 1]


CRLF_RUNBOOK = (
    "# Line ending release\n\n## Steps\n\n```bash\n"
    'echo "alpha" > "$OUT/plain.txt"\n'
    'if [[ "$(printf x)" == x ]]; then echo same; fi\n'
    "```\n"
)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode(), id="bom"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(), id="both"),
    ],
)
def test_crlf_and_bom_run_the_same_commands(
    encode, origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = {}
    for name, data in (("lf", CRLF_RUNBOOK.encode()), ("other", encode(CRLF_RUNBOOK))):
        out = tmp_path / f"out-{name}"
        out.mkdir()
        monkeypatch.setenv("OUT", str(out))
        rb = tmp_path / f"{name}.md"
        rb.write_bytes(data)
        rec = tmp_path / "rec"
        assert run(rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", rec) == 0
        assert [p.name for p in out.iterdir()] == ["plain.txt"]
        assert (out / "plain.txt").read_text() == "alpha\n"
        step = outcomes(rec / name / "1.3.0.ipynb")["steps.1"]
        assert step["output"] == "same\n" and "\r" not in step["source"]
        sources[name] = step["source"]
    assert sources["lf"] == sources["other"]


CHANGING = """
    # Changing release

    ## Steps

    ```bash
    echo {word} >> "$MARKS/one"
    ```

    - [ ] Approve the release
"""


def test_changed_step_is_refused_until_allowed(
    origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("MARKS", str(marks))
    rb = tmp_path / "changing.md"
    write_runbook(rb, CHANGING.replace("{word}", "one"))
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    assert run(*args) == 3
    capsys.readouterr()
    nb = tmp_path / "rec" / "changing" / "1.3.0.ipynb"
    write_runbook(rb, CHANGING.replace("{word}", "uno"))
    before = snapshot(nb)
    err = refused(args, capsys)
    assert f"{rb}:5 steps.1" in err and "--allow-changed" in err
    assert snapshot(nb) == before
    assert run(*args, "--yes", "--allow-changed") == 0
    assert (marks / "one").read_text() == "one\n"  # done before the change: not re-run
    assert outcomes(nb)["steps.2"]["status"] == "done"
    data = json.loads(nb.read_text())
    [changed] = [o for o in data["metadata"]["relbook"]["overrides"] if "changed" in o["what"]]
    assert changed["what"] == "--allow-changed" and f"{rb}:5 steps.1" in changed["why"]
    assert f"| Override | `--allow-changed`: steps edited since the release began: {rb}:5" in (
        "".join(data["cells"][0]["source"])
    )


SECTIONS = """
    # Sectioned release

    ## Release

    ```bash
    echo release >> "$MARKS/release"
    ```

    ## Rollback Procedures

    ### Emergency Rollback

    ```bash
    echo rollback >> "$MARKS/rollback"
    ```
"""


def test_contingency_section_finished_release_and_new_attempt(
    origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("MARKS", str(marks))
    rb = write_runbook(tmp_path / "sections.md", SECTIONS)
    args = [rb, "--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    nb = tmp_path / "rec" / "sections" / "1.3.0.ipynb"
    assert run(*args, "--yes") == 0
    assert [lines(marks / "release"), lines(marks / "rollback")] == [1, 0]
    assert list(outcomes(nb)) == ["release.1"]

    assert run(*args, "--yes", "--section", "Emergency Rollback") == 0
    assert [lines(marks / "release"), lines(marks / "rollback")] == [1, 1]
    got = outcomes(nb)
    assert list(got) == ["release.1", "emergency-rollback.1"]
    assert got["emergency-rollback.1"]["status"] == "done"
    assert not list(nb.parent.glob("*attempt*"))
    capsys.readouterr()

    finished = nb.read_bytes()
    err = refused(args, capsys)
    assert "already released" in err and "--new-attempt" in err
    assert nb.read_bytes() == finished
    assert lines(marks / "release") == 1

    assert run(*args, "--yes", "--new-attempt") == 0
    second = nb.with_name("1.3.0.attempt-2.ipynb")
    assert notebook(second).metadata["relbook"]["attempt"] == 2
    assert list(outcomes(second)) == ["release.1"]
    assert lines(marks / "release") == 2
    assert nb.read_bytes() == finished
