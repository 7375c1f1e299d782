"""A choice the guide says with directives, run for real: the operator is asked the
guide's question and takes one way; an answers file names the choice by its id."""

from __future__ import annotations

from pathlib import Path

import pexpect

from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook
from tests.e2e.test_run_prompts import terminal

SAID = """
    # Releasing

    ## Using the script
    <!-- relbook: choice=publish question="How do you publish?" -->

    ```bash
    echo scripted >> WAYS
    ```

    ## By hand
    <!-- relbook: choice=publish -->

    ```bash
    echo by-hand >> WAYS
    ```

    ## Announce

    ```bash
    echo announced >> WAYS
    ```
"""


def _said(origin_repo: Repo, tmp_path: Path) -> tuple[Path, list]:
    rb = write_runbook(tmp_path / "said.md", SAID)
    args = ["--version", "1.2.3", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    return rb, args


def test_the_operator_is_asked_the_guides_question(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _said(origin_repo, tmp_path)
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(
        r"publish \(How do you publish\?\): one of 2 ways\. Way 1: 'Using the script': take it\?"
    )
    child.sendline("n")
    child.expect(r"Way 2: 'By hand': take it\?")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    assert (origin_repo.path / "WAYS").read_text() == "by-hand\nannounced\n"


def test_an_answer_names_the_said_choice(origin_repo: Repo, tmp_path: Path) -> None:
    rb, args = _said(origin_repo, tmp_path)
    answers = tmp_path / "answers.yml"
    answers.write_text("publish: using the script\n")
    assert run(rb, *args, "--yes", "--answers", answers) == 0
    assert (origin_repo.path / "WAYS").read_text() == "scripted\nannounced\n"
