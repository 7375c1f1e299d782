"""`relbook run` on the shipped release guide, against a real repo with a bare origin."""

from __future__ import annotations

import tempfile
from pathlib import Path

from relbook.cli import main
from relbook.parse import read_runbook
from relbook.record import read_record
from tests.conftest import Repo
from tests.e2e.runhelp import GUIDE, SIGNER, journal, notebook, outcomes, release_args, run


def release(repo: Repo, records: Path, version: str = "1.2.3", *extra: str) -> int:
    return run(*release_args(repo, records, "--yes", *SIGNER, *extra, version=version))


def test_release_end_to_end(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    records = tmp_path / "records"
    assert release(origin_repo, records) == 0
    out = capsys.readouterr().out
    o = origin_repo.origin_git
    assert o("show", "main:VERSION") == "1.2.3"
    assert o("log", "-1", "--format=%s", "main") == "Prepare release v1.2.3"
    assert o("cat-file", "-t", "v1.2.3") == "tag"  # annotated
    assert o("tag", "-l", "--format=%(contents:subject)", "v1.2.3") == (
        "Release v1.2.3: Faster rollbacks"
    )
    assert o("branch", "--list", "release/*") == ""
    assert origin_repo.git("branch", "--list", "release/*") == ""

    path = records / "release-management" / "1.2.3.ipynb"
    nb = notebook(path)
    assert nb.metadata["relbook"]["result"] == "done"
    assert nb.cells[0].cell_type == "markdown" and "Faster rollbacks" in nb.cells[0].source
    got = outcomes(path)
    rb = read_runbook(GUIDE)
    flow = [s.id for s in rb.flow()]
    assert list(got) == flow  # every step of the normal flow, in order, nothing else
    statuses = {got[i]["status"] for i in flow}
    assert statuses == {"done", "not-applicable"}
    for cell in nb.cells[1:]:
        meta = cell.metadata["relbook"]
        assert meta["line"] > 0 and meta["started"] and meta["operator"] == "Rel Tester"
        assert f"release-management.md:{meta['line']}" in (
            cell.source if cell.cell_type == "markdown" else cell.outputs[-1].data["text/plain"]
        )
    record = read_record(path)  # the public reader agrees with the notebook
    assert [o.step_id for o in record.outcomes] == flow
    deploy = next(o for o in record.outcomes if o.step_id == "release-deployment.1")
    # the guide's command as the operator would have typed it; the bash that ran in metadata
    assert 'git tag -a v1.2.3 -m "Release v1.2.3: Faster rollbacks"' in deploy.source
    assert 'git tag -a v"${RELBOOK_VERSION}"' in deploy.extra["script"]
    assert {"line": 77, "where": f"{GUIDE}:77", "text": "git push origin v1.2.3"} in (
        deploy.extra["commands"]
    )
    assert "[new tag]         v1.2.3 -> v1.2.3" in deploy.output
    assert (path.parent / deploy.log).read_text().count("[new tag]") == 1
    rollback = [s for s in rb.steps if s.contingency]
    assert rollback and not any(s.id in got for s in rollback)
    assert "hotfix/rollback" not in origin_repo.git("branch", "--list", "--all")
    assert origin_repo.git("tag", "-l", "v1.2.4") == ""
    assert "[21/21]" in out and "record:" in out


def test_description_reaches_tag_as_text(origin_repo: Repo, tmp_path: Path, monkeypatch) -> None:
    evil = '$(touch pwned); "x'
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    rc = run(
        GUIDE,
        "--version",
        "1.2.3",
        "--description",
        evil,
        "--repo",
        origin_repo.path,
        "--records",
        tmp_path / "records",
        "--yes",
        *SIGNER,
    )
    assert rc == 0
    msg = origin_repo.origin_git("tag", "-l", "--format=%(contents:subject)", "v1.2.3")
    assert msg == f"Release v1.2.3: {evil}"
    assert not list(tmp_path.rglob("pwned"))  # repo, origin, records, cwd
    for where in (Path(tempfile.gettempdir()), Path.home(), Path.cwd()):
        assert not (where / "pwned").exists()


def test_major_approval_depends_on_the_version(origin_repo: Repo, tmp_path: Path) -> None:
    records = tmp_path / "records"
    assert release(origin_repo, records) == 0
    rb = read_runbook(GUIDE)
    approval = next(s for s in rb.steps if s.text.startswith("Management approval"))
    patch = outcomes(records / "release-management" / "1.2.3.ipynb")[approval.id]
    assert patch["status"] == "not-applicable"
    assert patch["reason"] == "applies to major releases; 1.2.3 is a patch release"

    assert release(origin_repo, records, "2.0.0") == 0
    major = outcomes(records / "release-management" / "2.0.0.ipynb")[approval.id]
    assert major["status"] == "done" and major["signer"] == "Rel Tester"  # --signer, not --yes
    assert major["extra"]["signature"]["how"] == "operator at the run"


def test_major_approval_is_asked_without_a_terminal(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb = read_runbook(GUIDE)
    approval = next(s for s in rb.steps if s.text.startswith("Management approval"))
    before = [s for s in rb.flow()][: [s.id for s in rb.flow()].index(approval.id)]
    answers = tmp_path / "answers.yml"
    answers.write_text("".join(f"{s.id}: done\n" for s in before))
    records = tmp_path / "records"
    args = ["--repo", origin_repo.path, "--records", records, "--answers", answers]
    assert run(GUIDE, "--version", "2.0.0", *args) == 3
    err = capsys.readouterr().err
    # first the instruction inside the branch block, named with its own line
    assert "waiting for instruction 'release-branch-creation.1#1'" in err
    assert "release-management.md:48:" in err
    with answers.open("a") as f:
        f.write("Update version numbers and documentation: automate\n")
    assert run(GUIDE, "--version", "2.0.0", *args) == 3
    err = capsys.readouterr().err
    assert origin_repo.origin_git("show", "release/v2.0.0:VERSION") == "2.0.0"
    # the answers say done, but answers never sign: the first sign-off waits for its signer
    assert "sign-off 'release-approval.1' waits for its signer" in err
    record = records / "release-management" / "2.0.0.ipynb"
    for step in ("release-approval.1", "release-approval.2", "release-approval.3"):
        assert main(["sign", str(record), step]) == 0  # each signer signs (here, one identity)
    assert run(GUIDE, "--version", "2.0.0", *args) == 3
    err = capsys.readouterr().err
    assert "Management approval for major releases" in err and approval.id in err
    got = outcomes(records / "release-management" / "2.0.0.ipynb")
    assert got[approval.id]["status"] == "pending"


def test_dry_run_fills_in_and_marks_but_runs_nothing(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    head = origin_repo.git("rev-parse", "HEAD")
    records = tmp_path / "records"
    rc = run(*release_args(origin_repo, records, "--dry-run"))
    assert rc == 0
    out = capsys.readouterr().out
    assert 'git tag -a v1.2.3 -m "Release v1.2.3: Faster rollbacks"' in out
    marked = {line.strip() for line in out.splitlines() if line.strip().startswith("$")}
    assert any("git push origin v1.2.3  [remote]" in m for m in marked)
    delete = "git push origin --delete release/v1.2.3  [remote, destructive]"
    assert any(delete in m for m in marked)
    # `git branch -d` only deletes a merged branch (lint agrees: not destructive)
    assert any(m.startswith("$ git branch -d release/v1.2.3  (") for m in marked)
    assert "git checkout main  (" in out  # harmless commands carry no mark
    assert "bump VERSION: 1.2.2 -> 1.2.3" in out
    assert "not applicable: applies to major releases" in out
    # the rollback section is no step of the plan; the dry run names it and how to run it
    rows = [ln for ln in out.split("\n") if ln.startswith("[")]
    assert not any("Emergency Rollback" in r for r in rows)
    standing_by = [ln for ln in out.split("\n") if ln.startswith("not in this run: ")]
    assert len(standing_by) == 1 and "'Emergency Rollback'" in standing_by[0]
    assert standing_by[0].endswith("run one with --section NAME")
    # nothing happened
    assert origin_repo.git("rev-parse", "HEAD") == head
    assert (origin_repo.path / "VERSION").read_text() == "1.2.2\n"
    assert origin_repo.git("branch", "--list", "release/*") == ""
    assert origin_repo.origin_git("tag", "-l") == "v1.2.2"
    assert not records.exists()


def test_tag_already_on_origin_is_refused(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    origin_repo.git("tag", "-a", "v1.2.3", "-m", "someone else")
    origin_repo.git("push", "-q", "origin", "v1.2.3")
    origin_repo.git("tag", "-d", "v1.2.3")
    records = tmp_path / "records"
    assert release(origin_repo, records) == 2
    err = capsys.readouterr().err
    assert "v1.2.3" in err and "origin" in err and "Traceback" not in err
    assert err.startswith("relbook: error:") and err.count("\n") == 1
    assert not list(records.rglob("*.ipynb")) and not list(records.rglob("*.jsonl"))
    assert origin_repo.git("branch", "--list", "release/*") == ""


def test_versions_compare_as_numbers(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    origin_repo.git("tag", "-a", "v1.10.0", "-m", "Release v1.10.0")
    assert release(origin_repo, tmp_path / "records", "1.9.5") == 2
    err = capsys.readouterr().err
    assert "1.9.5" in err and "v1.10.0" in err and "Traceback" not in err
    assert not list((tmp_path / "records").rglob("*.ipynb"))


def test_dirty_tree_is_refused_unless_allowed(origin_repo: Repo, tmp_path: Path, capsys) -> None:
    (origin_repo.path / "scratch.txt").write_text("not for the release\n")
    records = tmp_path / "records"
    assert release(origin_repo, records) == 2
    err = capsys.readouterr().err
    assert "uncommitted changes" in err and "--allow-dirty" in err
    assert not (records / "release-management" / "1.2.3.ipynb").exists()
    assert release(origin_repo, records, "1.2.3", "--allow-dirty") == 0
    # the guide runs `git add .`: with --allow-dirty the stray file was released too
    assert origin_repo.origin_git("show", "main:scratch.txt") == "not for the release"
    events = journal(records / "release-management" / "1.2.3.journal.jsonl")
    meta = events[0]["meta"]
    assert meta["repo"]["dirty"] == "yes"
    finish = [e for e in events if e["event"] == "finish"][-1]
    assert finish["meta"]["head_after"] == origin_repo.git("rev-parse", "HEAD")
    assert meta["repo"]["head"] != finish["meta"]["head_after"]
