"""The record shows the guide's commands, filled in, as the operator would have typed
them; relbook's wrapping (variable references, resume guards, trace markers) stays in the
metadata. A resumed run shows the commands it skipped as already done, with the check."""

from __future__ import annotations

import json
import re
from pathlib import Path

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import GUIDE, SIGNER, release_args, run

WRAPPING = re.compile(r"RELBOOK_|TRACE_FD|merge-base|rev-parse|ls-remote|printf|\bfi\b|\\0relbook")
HOOK = """#!/bin/sh
while read old new ref; do
  case "$ref" in refs/tags/v1.2.3) echo "pre-receive hook declined"; exit 1;; esac
done
"""


def _cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _deploy(path: Path) -> dict:
    return next(c for c in _cells(path) if "git merge release/v1.2.3" in "".join(c["source"]))


def test_the_shipped_guide_record_holds_its_filled_commands(origin_repo: Repo, tmp_path: Path):
    records = tmp_path / "records"
    assert run(*release_args(origin_repo, records, "--yes", *SIGNER)) == 0
    rec = records / "release-management" / "1.2.3.ipynb"
    cells = _cells(rec)
    assert len(cells) == 2
    for cell in cells:
        source = "".join(cell["source"])
        assert not WRAPPING.search(source), source
        commands = cell["metadata"]["relbook"]["extra"]["commands"]
        guide = GUIDE.read_text().split("\n")
        for c in commands:  # each command with its file:line, filled in
            assert c["text"] in source and c["where"] == f"{GUIDE}:{c['line']}"
            written = guide[c["line"] - 1].strip()
            assert c["text"] == written.replace("1.2.3", "1.2.3").replace(
                "[Brief description]", "Faster rollbacks"
            )
        assert "RELBOOK_" in cell["metadata"]["relbook"]["extra"]["script"]
    assert 'git tag -a v1.2.3 -m "Release v1.2.3: Faster rollbacks"' in "".join(
        _deploy(rec)["source"]
    )


def test_a_resumed_run_shows_what_it_skipped_as_done_and_why(
    origin_repo: Repo, tmp_path: Path, capsys
):
    hook = origin_repo.origin / "hooks" / "pre-receive"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    records = tmp_path / "records"
    args = release_args(origin_repo, records, "--yes", *SIGNER)
    assert run(*args) == 1  # the tag push is declined
    hook.unlink()
    capsys.readouterr()
    assert run(*args) == 0
    out = capsys.readouterr().out
    merged = "skipped: already done (release/v1.2.3 already merged: `git merge-base"
    tagged = "skipped: already done (tag v1.2.3 exists: `git rev-parse"
    pushed = "skipped: already done (main already on origin: `git ls-remote origin main`"
    for said in (merged, tagged, pushed):  # on the screen, right after the command's echo
        assert said in out
    assert out.index("$ git merge release/v1.2.3") < out.index(merged)
    assert out.index("$ git tag -a v1.2.3") < out.index(tagged)
    rec = records / "release-management" / "1.2.3.ipynb"
    cell = _deploy(rec)
    source = "".join(cell["source"])
    assert f"# {merged}" in source and f"# {tagged}" in source
    assert source.index(f"# {tagged}") < source.index('git tag -a v1.2.3 -m "Release v1.2.3')
    assert "RELBOOK_" not in source and "printf" not in source
    done = [c for c in cell["metadata"]["relbook"]["extra"]["commands"] if "status" in c]
    assert [c["text"] for c in done] == [
        "git merge release/v1.2.3",
        "git push origin main",
        'git tag -a v1.2.3 -m "Release v1.2.3: Faster rollbacks"',
    ]
    status = next(o for o in cell["outputs"] if o["output_type"] == "display_data")
    assert "skipped as already done: line 72, line 73, line 76" in status["data"]["text/plain"]
    assert main(["render", "checklist", str(GUIDE), "--record", str(rec)]) == 0
    checklist = capsys.readouterr().out
    assert (
        f"- `git merge release/v1.2.3` ({GUIDE}:72): skipped: already done "
        "(release/v1.2.3 already merged:"
    ) in checklist
    assert main(["render", "report", str(rec)]) == 0
    html = capsys.readouterr().out
    assert 'git merge release/v1.2.3  <span class="meta"># skipped: already done' in html
    assert "RELBOOK_VERSION" not in html.split('id="parameters"')[0]
