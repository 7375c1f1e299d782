"""Every override is listed in the record's summary cell and the report's header: the
say-so that ran remote or destructive commands (answers file, --yes, a command answered
for although it undoes what the run made), beside the run's flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

GUIDE = """
# Release

## Tag

```bash
git tag -a v2.6.0 -m "Release v2.6.0"
git push origin v2.6.0
```

## Announce

```bash
echo announced
```

## Publish the branch

```bash
git push origin main
```

## Undo the tag

<!-- relbook: normal -->
```bash
git push origin :refs/tags/v2.6.0
```
"""


def test_risky_answers_and_undo_answers_are_overrides_in_record_and_report(
    origin_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = write_runbook(tmp_path / "guide.md", GUIDE)
    records = tmp_path / "records"
    answers = tmp_path / "answers.yaml"
    answers.write_text('tag.1: run\n"undo: git push origin :refs/tags/v2.6.0": run\n')
    args = [guide, "--version", "2.6.0", "--repo", origin_repo.path, "--records", records]
    assert run(*args, "--yes", "--answers", answers) == 0
    rec = records / "guide" / "2.6.0.ipynb"
    nb = json.loads(rec.read_text())
    found = [(o["what"], o["why"]) for o in nb["metadata"]["relbook"]["overrides"]]
    assert found == [
        ("an answers-file answer: tag.1", f"ran remote or destructive commands ({guide}:7) "
         "by Rel Tester"),
        ("--yes: publish-the-branch.1", f"ran remote or destructive commands ({guide}:19) "
         "by Rel Tester"),
        ("--yes: undo-the-tag.1", f"ran remote or destructive commands ({guide}:26) by Rel Tester"),
        ("undo answered: `git push origin :refs/tags/v2.6.0`",
         f"deletes or overwrites a ref this run made ({guide}:26)"),
    ]  # fmt: skip
    summary = "".join(nb["cells"][0]["source"])
    assert "| Override | `an answers-file answer: tag.1`: ran remote or destructive" in summary
    assert "| Override | `--yes: publish-the-branch.1`" in summary
    assert "| Override | `undo answered: `git push origin :refs/tags/v2.6.0``" in summary
    capsys.readouterr()
    assert main(["render", "report", str(rec)]) == 0
    html = capsys.readouterr().out
    assert "an answers-file answer: tag.1: ran remote or destructive commands" in html
    assert "undo answered: `git push origin :refs/tags/v2.6.0`: deletes or overwrites" in html
