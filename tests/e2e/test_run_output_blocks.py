"""A block the text before it shows as output ("You should see something like this:",
"The output looks like this:") is text to read, never run, even when its lines read as
commands; a sentence that orders ("Check the tags with:") still introduces commands."""

from __future__ import annotations

from pathlib import Path

from relbook.parse import parse_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import run_beside_a_kept_file, write_runbook

GUIDE = """\
# Release

## Tag

```bash
git tag -a v1.2.3 -m "Release 1.2.3"
```

You should see something like this:

```
git version 2.43.0
touch pwned
```

Check the tags with:

```
git tag --list 'v1.2.*' > tags.txt
```

## Publish

1. Write the notes:

       echo notes > notes.txt

   The output looks like this:

       rm -rf important
"""


def test_output_blocks_are_no_steps(tmp_path: Path) -> None:
    rb = parse_runbook(write_runbook(tmp_path / "g.md", GUIDE).read_text(), "g.md")
    commands = [p.source for s in rb.steps for p in s.commands]
    assert commands == [
        'git tag -a v1.2.3 -m "Release 1.2.3"',
        "git tag --list 'v1.2.*' > tags.txt",
        "echo notes > notes.txt",
    ]


def test_output_blocks_never_run(origin_repo: Repo, tmp_path: Path):
    code = run_beside_a_kept_file(origin_repo, tmp_path, GUIDE)
    assert code == 0
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"
    assert (origin_repo.path / "tags.txt").read_text().split() == ["v1.2.2", "v1.2.3"]
    assert (origin_repo.path / "notes.txt").read_text() == "notes\n"
    assert not (origin_repo.path / "pwned").exists()
    assert (origin_repo.path / "important" / "keep").exists()
