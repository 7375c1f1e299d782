"""A code block after a sentence that says what to do if something fails is that
repair: a contingency step, never run in the release flow."""

from __future__ import annotations

from pathlib import Path

from relbook.parse import parse_runbook
from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

GUIDE = """\
# Release

1. Tag the release:

```bash
git tag -a v1.2.3 -m "Release 1.2.3"
```

2. Close the staging repository. If you run into an error about missing signatures,
   sign the files by hand with `touch`.

```bash
touch signed-by-hand
```

3. Run the checks. If any of them fail, fix them before going on.

```bash
git tag --list 'v1.2.*' > tags.txt
```

4. Upload the notes. If the upload fails, keep a copy with:

```bash
cp tags.txt kept.txt
```
"""


def test_a_block_after_its_repair_sentence_is_contingency(tmp_path: Path) -> None:
    rb = parse_runbook(write_runbook(tmp_path / "g.md", GUIDE).read_text(), "g.md")
    shell = {s.line: s.contingency for s in rb.steps if s.kind.value == "shell"}
    # the repair names its command, or introduces the block; a check that only says
    # "if any fail, fix them" keeps its own command in the release flow
    assert shell == {5: False, 12: True, 18: False, 24: True}


def test_a_repair_block_does_not_run_in_the_release(origin_repo: Repo, tmp_path: Path):
    guide = write_runbook(tmp_path / "guide.md", GUIDE)
    code = run(guide, "--version", "1.2.3", "--repo", origin_repo.path,
               "--records", tmp_path / "rec", "--yes")  # fmt: skip
    assert code == 0
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"
    assert (origin_repo.path / "tags.txt").exists()
    assert not (origin_repo.path / "signed-by-hand").exists()
    assert not (origin_repo.path / "kept.txt").exists()
