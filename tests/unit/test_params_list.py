"""`relbook params` says, for every placeholder, its file:line, what it stands for and
why relbook reads it so; --json gives the same as a document."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from relbook.cli import main

GUIDE = """\
---
params:
  release_issue: "42"
---
# Release

## Steps

```bash
git checkout -b release-X.Y
git tag v2.3.1 <commit-sha>
echo "next is 2.3.2" && echo "$VERSION"
gh issue comment __RELEASE_ISSUE__ --body "[Brief description]"
```
"""


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    path = tmp_path / "guide.md"
    path.write_text(textwrap.dedent(GUIDE))
    return path


def _rows(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict]:
    assert main(["params", *args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "relbook.params/1"
    return {r["literal"]: r for r in doc["placeholders"]}


def test_each_placeholder_with_its_meaning_and_why(
    guide: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["params", str(guide), "--version", "4.5.6", "-p", "commit_sha=1a2b"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("parameter")  # the table of parameters stays first
    assert f"used at {guide}:11" in out
    lines = out.split("placeholders (what each stands for, and why):\n")[1].split("\n")
    text = "\n".join(lines)
    assert (
        f"{guide}:10: X.Y -> the release series (major.minor) 4.5, in release-X.Y: release-4.5"
        in text
    )
    assert f"{guide}:11: 2.3.1 -> the new version 4.5.6, in v2.3.1: v4.5.6" in text
    assert "why: shape match: the guide's example version 2.3.1" in text
    given = "a run parameter: give it with -p commit_sha=VALUE (given: 1a2b)"
    assert f"{guide}:11: <commit-sha> -> {given}" in text
    assert "why: name match: <commit-sha> names no release value" in text
    assert f"{guide}:12: 2.3.2 -> the next patch version 4.5.7" in text
    assert "why: derived form: the example version's patch + 1 (2.3.1)" in text
    assert (
        f"{guide}:12: $VERSION -> the guide's variable $VERSION, set to the new version 4.5.6"
        in text
    )
    assert (
        "a shell variable that nothing in the guide sets; name match: VERSION names version" in text
    )
    assert "-> a run parameter: give it with -p release_issue=VALUE (given: 42)" in text


def test_json_fields(guide: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(capsys, str(guide), "--version", "4.5.6")
    sha = rows["<commit-sha>"]
    assert (sha["line"], sha["means"], sha["how"], sha["value"]) == (
        11,
        "input",
        "-p commit_sha=VALUE",
        None,
    )
    issue = rows["__RELEASE_ISSUE__"]
    assert (issue["value"], issue["source"]) == ("42", "front matter")
    assert rows["2.3.1"]["value"] == "4.5.6" and rows["2.3.1"]["means"] == "version"
    assert rows["[Brief description]"]["why"] == "bracketed text that names a description"
    without = _rows(capsys, str(guide))  # no version: what each stands for, no values
    assert without["2.3.1"]["meaning"] == "the new version" and without["2.3.1"]["value"] is None
