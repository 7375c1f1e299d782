"""A real run of guides that write their repairs and a recap beside the procedure: the
repairs never run in the release flow, and the recap's items are not done a second time."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import outcomes, run, write_runbook

REPAIRS = """
    # Releasing

    1. Generate the changelog:

       ```bash
       echo "## $RELBOOK_VERSION" > CHANGES
       ```

    1. If the script fails, write it by hand:
       1. Start from an empty file:

          ```bash
          : > CHANGES
          ```

    1. Tag the release:

       ```bash
       git tag -a "v$RELBOOK_VERSION" -m "v$RELBOOK_VERSION"
       ```

       If the tag push fails, delete the tag and start over:

       ```bash
       git tag -d "v$RELBOOK_VERSION"
       ```
"""

RECAP = """
    # Releasing

    ## 1. Build

    Write the release date into `CHANGES`.

    ```bash
    echo "built $RELBOOK_VERSION" >> BUILT
    ```

    ## 2. Tag

    ```bash
    git tag -a "v$RELBOOK_VERSION" -m "v$RELBOOK_VERSION"
    ```

    ## Summary Checklist

    - [ ] Write the release date into `CHANGES`
    - [ ] Build: `echo built >> BUILT`
    - [ ] Tag the release
"""


def _args(repo: Repo, tmp_path: Path) -> list:
    return ["--version", "1.2.3", "--repo", repo.path, "--records", tmp_path / "rec"]


def test_the_steps_of_a_repair_never_run_in_the_release(origin_repo: Repo, tmp_path: Path):
    rb = write_runbook(tmp_path / "repairs.md", REPAIRS)
    assert run(rb, *_args(origin_repo, tmp_path), "--yes") == 0
    assert (origin_repo.path / "CHANGES").read_text() == "## 1.2.3\n"  # not emptied again
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"  # and not deleted
    got = outcomes(tmp_path / "rec" / "repairs" / "1.2.3.ipynb")
    assert sorted(got) == ["releasing.1", "releasing.4"]


def test_a_recap_checklist_is_not_a_second_release(origin_repo: Repo, tmp_path: Path, capsys):
    rb = write_runbook(tmp_path / "recap.md", RECAP)
    args = _args(origin_repo, tmp_path)
    assert run(rb, *args, "--dry-run", "--json") == 0
    plan = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["line"], s["kind"]) for s in plan] == [(5, "manual"), (7, "shell"), (13, "shell")]
    assert run(rb, *args, "--yes") == 0
    assert (origin_repo.path / "BUILT").read_text() == "built 1.2.3\n"
    assert origin_repo.git("tag", "--list", "v1.2.3") == "v1.2.3"


HEADINGS = """
    # Releasing

    ## Publish

    ```bash
    echo "published $RELBOOK_VERSION" > PUBLISHED
    ```

    ## Rollback

    ### Delete the published image

    The registry has a button for it.

    ## Announce

    ### Post to the mailing list

    The list is announce@example.com.
"""


def test_a_heading_step_stays_in_the_section_it_heads(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    rb = write_runbook(tmp_path / "headings.md", HEADINGS)
    assert run(rb, *_args(origin_repo, tmp_path), "--dry-run", "--json") == 0
    plan = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["line"], s["id"], s["status"]) for s in plan] == [
        (5, "publish.1", "planned"),
        (11, "delete-the-published-image.1", "skipped"),  # contingency: only with --section
        (17, "post-to-the-mailing-list.1", "planned"),
    ]  # the rollback's own step, not the next section's step of the release
