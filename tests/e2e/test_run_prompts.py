"""Manual steps: prompts on a real pseudo-terminal, answers files, and pausing
when nobody can answer."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pexpect
import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import command, env, notebook, outcomes, run, write_runbook

RUNBOOK = """
    # Interactive release

    ## Checks

    - [ ] First check
    - [ ] Second check
    - [ ] Third check (if needed)

    ## Build

    ```bash
    # Update version numbers and documentation
    # Commit changes
    git add .
    git commit -q -m "Bump to $RELBOOK_VERSION"
    ```

    ## Approval

    - [ ] Operations team sign-off
"""
CHOICES = r"\(d\)one, \(s\)kip, \(f\)ail, \(n\)ote, \(q\)uit\? "


@pytest.fixture
def setup(origin_repo: Repo, tmp_path: Path):
    rb = write_runbook(tmp_path / "interactive.md", RUNBOOK)
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    return rb, args, tmp_path / "rec" / "interactive" / "1.3.0.ipynb"


def terminal(rb: Path, args: list, **extra: str) -> pexpect.spawn:
    """relbook on a pseudo-terminal, as an operator would run it."""
    argv = command(rb, *args)
    e = env(**extra)
    if "NO_COLOR" not in extra:
        e.pop("NO_COLOR", None)
    child = pexpect.spawn(argv[0], argv[1:], env=e, encoding="utf-8", timeout=30)
    child.logfile_read = io.StringIO()  # everything the operator saw
    return child


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_operator_answers_on_a_terminal(setup, origin_repo: Repo) -> None:
    rb, args, nb = setup
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"\[1/5\] Checks > First check")
    child.expect(CHOICES)
    child.sendline("n")
    child.expect("Note: ")
    child.sendline("dashboards look calm")
    child.expect(CHOICES)
    child.sendline("d")
    child.expect(r"\[2/5\] Checks > Second check")
    child.expect(CHOICES)
    child.sendline("s")
    child.expect(r"Reason for skipping \(required\): ")
    child.sendline("")  # a skip needs a reason: asked again
    child.expect(r"Reason for skipping \(required\): ")
    child.sendline("covered by the first check")
    child.expect(r"Third check \(if needed\)  \[optional\]")
    child.expect(CHOICES)
    child.sendline("d")
    child.expect(r"Update version numbers")
    child.expect(r"\(a\)utomate: bump VERSION: 1\.2\.2 -> 1\.3\.0; " + CHOICES)
    child.sendline("a")
    child.expect(r"ok \d+\.\ds")
    child.expect(r"Operations team sign-off")
    child.expect(CHOICES)
    child.sendline("d")
    child.expect(r"Signed by \(name\): ")
    child.sendline("")  # Enter signs nothing: nobody is assumed, the operator neither
    child.expect("a sign-off needs its signer")
    child.expect(CHOICES)
    child.sendline("d")
    child.expect(r"Signed by \(name\): ")
    child.sendline("Rel Tester")  # the operator signs their own sign-off
    assert finish(child) == 0, child.logfile_read.getvalue()
    assert "\x1b[" not in child.logfile_read.getvalue()  # NO_COLOR

    got = outcomes(nb)
    assert got["checks.1"]["status"] == "done" and got["checks.1"]["note"] == "dashboards look calm"
    assert got["checks.2"]["status"] == "skipped"
    assert got["checks.2"]["reason"] == "covered by the first check"
    assert got["checks.3"]["status"] == "done"
    build = got["build.1"]
    assert build["status"] == "done"
    assert build["extra"]["instructions"][0]["note"].startswith("automated: bump VERSION")
    assert got["approval.1"]["kind"] == "signoff" and got["approval.1"]["signer"] == "Rel Tester"
    signature = got["approval.1"]["extra"]["signature"]
    assert signature["how"] == "operator at the run" and signature["counts"]
    assert origin_repo.git("show", "HEAD:VERSION") == "1.3.0"
    assert origin_repo.git("log", "-1", "--format=%s") == "Bump to 1.3.0"
    assert origin_repo.git("status", "--porcelain") == ""


def test_fail_stops_the_release(setup) -> None:
    rb, args, nb = setup
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(CHOICES)
    child.sendline("f")
    child.expect(r"What went wrong\? ")
    child.sendline("dashboards are red")
    assert finish(child) == 1
    got = outcomes(nb)
    assert got["checks.1"]["status"] == "failed"
    assert got["checks.1"]["reason"] == "dashboards are red"
    assert got["checks.2"]["status"] == "pending"


def test_quit_pauses_and_colour_shows_on_a_terminal(setup) -> None:
    rb, args, nb = setup
    child = terminal(rb, args)  # no NO_COLOR: colour on a terminal
    child.expect(CHOICES)
    child.sendline("d")
    child.expect(CHOICES)
    child.sendline("q")
    child.expect(pexpect.EOF)
    text = child.logfile_read.getvalue()
    child.close()
    assert child.exitstatus == 3
    assert "\x1b[1m[1/5] Checks > First check" in text
    assert "checks.2" in text and "you quit at the prompt" in text
    assert "Run on a terminal" not in text  # it is one
    got = outcomes(nb)
    assert got["checks.1"]["status"] == "done" and got["checks.2"]["status"] == "pending"


# -- no terminal ----------------------------------------------------------------


def test_no_terminal_pauses_at_the_first_manual_step(setup, capsys) -> None:
    rb, args, nb = setup
    assert run(rb, *args) == 3
    captured = capsys.readouterr()
    assert "\x1b[" not in captured.out  # not a terminal: no colour
    err = captured.err
    assert "interactive.md:5: waiting for manual step 'checks.1': First check" in err
    assert "--answers FILE" in err and "--yes" in err and "the same command resumes" in err
    got = outcomes(nb)
    assert got["checks.1"]["status"] == "pending"
    assert nb.parent.joinpath("1.3.0.journal.jsonl").exists()


def test_answers_file_by_id_and_by_text(setup, tmp_path: Path, origin_repo: Repo) -> None:
    rb, args, nb = setup
    answers = tmp_path / "answers.yml"
    answers.write_text(
        "checks.1: done\n"
        "Second check: 'skip: not this release'\n"
        "checks.3: {status: done, note: ran the extra check}\n"
        "update version numbers and documentation: automate\n"
        "approval.1: {status: done, signer: Ola Ops}\n"
    )
    assert run(rb, *args, "--answers", answers) == 3  # an answers file never signs
    got = outcomes(nb)
    assert got["checks.2"]["status"] == "skipped"
    assert got["checks.2"]["reason"] == "not this release"
    assert got["checks.3"]["note"] == "ran the extra check"
    assert got["approval.1"]["status"] == "pending" and got["approval.1"]["signer"] == ""
    assert origin_repo.git("show", "HEAD:VERSION") == "1.3.0"


def test_answers_fail_exits_1(setup, tmp_path: Path, capsys) -> None:
    rb, args, nb = setup
    answers = tmp_path / "answers.yml"
    answers.write_text("checks.1: done\nchecks.2: 'fail: scanner found a critical issue'\n")
    assert run(rb, *args, "--answers", answers) == 1
    err = capsys.readouterr().err
    assert "checks.2" in err and "Traceback" not in err
    got = outcomes(nb)
    assert got["checks.2"]["status"] == "failed"
    assert got["checks.2"]["reason"] == "scanner found a critical issue"
    assert got["checks.3"]["status"] == "pending"


def test_answers_skip_without_reason_is_bad_input(setup, tmp_path: Path, capsys) -> None:
    rb, args, nb = setup
    answers = tmp_path / "answers.yml"
    answers.write_text("checks.1: skip\n")
    assert run(rb, *args, "--answers", answers) == 2
    err = capsys.readouterr().err
    assert "checks.1" in err and "reason" in err and "Traceback" not in err


def test_yes_confirms_as_the_operator(setup, capsys) -> None:
    rb, args, nb = setup
    assert run(rb, *args, "--yes", "--operator", "Robin Release") == 3  # --yes never signs
    first = capsys.readouterr()
    out, err = first.out, first.err
    assert "sign-off 'approval.1' waits for its signer" in err and "--yes confirms" in err
    assert "relbook sign " in err and "approval.1" in err and "--signer NAME" in err
    assert outcomes(nb)["approval.1"]["signer"] == ""
    # the operator signs their own sign-off (as nobody else: --signer is checked)
    assert run(rb, *args, "--yes", "--operator", "Robin Release", "--signer", "Dana") == 2
    assert "a run signs only as its operator" in capsys.readouterr().err
    assert run(rb, *args, "--yes", "--operator", "Robin Release", "--signer", "Robin Release") == 0
    # 1.3.0 over a history with no commits since v1.2.2: a larger bump than it implies
    assert out.startswith("warning: version 1.3.0 is a minor release, larger than its history")
    lines = [line for line in out.splitlines() if not line.startswith("warning:")]
    assert "[1/5] Checks > First check" in lines[1]
    assert any(line.startswith("  ... ok ") and line.endswith("s") for line in lines)
    got = outcomes(nb)
    assert got["checks.1"]["note"] == "confirmed non-interactively by Robin Release"
    assert got["approval.1"]["signer"] == "Robin Release"
    assert all(o["operator"] == "Robin Release" for o in got.values())


def test_interrupted_step_is_rerun_only_when_confirmed(origin_repo: Repo, tmp_path: Path) -> None:
    import signal
    import subprocess

    from tests.e2e.runhelp import spawn, wait_for

    counter = tmp_path / "counter"
    rb = write_runbook(
        tmp_path / "slow.md",
        f"""
        # Slow release

        ## Steps

        ```bash
        echo run >> {counter}
        sleep "${{SLOW:-0}}"
        ```
        """,
    )
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", tmp_path / "rec"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = spawn(rb, *args, "--yes", env=env(SLOW="30"), **quiet)
    wait_for(counter.exists, what="the step to start")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)

    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"step steps\.1 was interrupted when relbook stopped last time")
    child.expect(r"Re-run it\? \[y/N\] ")
    child.sendline("n")
    assert finish(child) == 3
    assert counter.read_text() == "run\n"

    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"Re-run it\? \[y/N\] ")
    child.sendline("y")
    assert finish(child) == 0
    assert counter.read_text() == "run\nrun\n"


def test_risky_step_asks_before_touching_the_remote(setup, tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path / "push.md",
        """
        # Push release

        ## Steps

        ```bash
        git push origin main
        ```
        """,
    )
    _, args, _ = setup
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"touches a remote or deletes something \(lines 6\)\. Run it\? \[y/N\] ")
    child.sendline("")  # the default is no: the run stops here, nothing is pushed
    assert finish(child) == 3
    got = outcomes(tmp_path / "rec" / "push" / "1.3.0.ipynb")["steps.1"]
    assert got["status"] == "pending" and got["extra"]["declined"] is True


def test_ctrl_c_at_a_prompt_exits_130(setup) -> None:
    rb, args, nb = setup
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(CHOICES)
    child.sendintr()
    assert finish(child) == 130
    assert "Traceback" not in child.logfile_read.getvalue()
    assert outcomes(nb)["checks.1"]["status"] == "interrupted"
    assert notebook(nb).metadata["relbook"]["result"] == "interrupted"
    # a manual step is simply asked again
    child = terminal(rb, args, NO_COLOR="1")
    child.expect(r"\[1/5\] Checks > First check")
    child.expect(CHOICES)
    child.sendline("q")
    assert finish(child) == 3
