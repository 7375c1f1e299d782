"""Sign-offs are evidence: --yes never signs, signers sign from their own checkout and
git identity with their SSH key, allowed_signers decides what counts, and the run
continues past a sign-off once it is signed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from relbook.cli import main
from relbook.record import Journal, read_journal
from tests.conftest import Repo, git
from tests.e2e.runhelp import (
    GUIDE,
    SRC,
    command,
    env,
    outcomes,
    release_args,
    run,
    write_runbook,
)

pytestmark = pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs ssh-keygen")


class Signer:
    """A second person: their own HOME (git identity, SSH key) and their own checkout."""

    def __init__(self, base: Path, origin: Path, name: str, email: str) -> None:
        self.name, self.email = name, email
        self.home = base / f"home-{email.split('@')[0]}"
        self.home.mkdir()
        self.key = self.home / "id_ed25519"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(self.key)],
            check=True,
        )
        (self.home / ".gitconfig").write_text(
            f"[user]\n\tname = {name}\n\temail = {email}\n\tsigningkey = {self.key}.pub\n"
            "[gpg]\n\tformat = ssh\n"
        )
        self.checkout = base / f"checkout-{email.split('@')[0]}"
        git(base, "clone", "-q", str(origin), str(self.checkout))

    @property
    def public(self) -> str:
        return Path(f"{self.key}.pub").read_text().strip()

    def sign(self, record: Path, step: str, *extra: str) -> subprocess.CompletedProcess:
        """`relbook sign RECORD STEP` as this person, in their checkout."""
        e = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        e.update(HOME=str(self.home), PYTHONPATH=str(SRC))
        argv = [sys.executable, "-m", "relbook", "sign", str(record), step, *extra]
        return subprocess.run(
            argv, cwd=self.checkout, env=e, capture_output=True, text=True, timeout=60
        )


@pytest.fixture
def people(origin_repo: Repo, tmp_path: Path) -> dict[str, Signer]:
    return {
        "sam": Signer(tmp_path, origin_repo.origin, "Sam Security", "sam@example.com"),
        "olga": Signer(tmp_path, origin_repo.origin, "Olga Ops", "olga@example.com"),
    }


@pytest.fixture
def guarded(tmp_path: Path, people: dict[str, Signer]) -> Path:
    """The shipped guide, its front matter naming an allowed_signers file: Sam signs the
    technical and security reviews, Olga the operations sign-off (and git commits)."""
    folder = tmp_path / "guide"
    folder.mkdir()
    sam, olga = people["sam"], people["olga"]
    (folder / "allowed_signers").write_text(
        "# who signs releases\n"
        f'{sam.email} namespaces="relbook-signoff:release-approval.1,'
        f'relbook-signoff:release-approval.2" {sam.public}\n'
        f'{olga.email} namespaces="git,relbook-signoff:release-approval.3" {olga.public}\n'
    )
    guide = folder / "release-management.md"
    guide.write_text("---\nallowed_signers: allowed_signers\n---\n" + GUIDE.read_text())
    return guide


def _args(repo: Repo, records: Path, guide: Path) -> list:
    return [guide, *release_args(repo, records, "--yes")[1:]]


def test_yes_pauses_at_the_first_signoff_of_the_shipped_guide(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    records = tmp_path / "records"
    assert run(*release_args(origin_repo, records, "--yes")) == 3
    err = capsys.readouterr().err
    assert "release-management.md:63: sign-off 'release-approval.1' waits for its signer" in err
    assert "--yes confirms, but never signs" in err
    record = records / "release-management" / "1.2.3.ipynb"
    assert f"relbook sign {record} release-approval.1" in err
    got = outcomes(record)
    assert got["release-testing.5"]["status"] == "done"  # --yes still confirms manual steps
    assert got["release-approval.1"]["status"] == "pending"
    assert got["release-approval.1"]["signer"] == ""  # never the operator
    assert origin_repo.origin_git("tag", "-l", "v1.2.3") == ""  # nothing after it ran


def test_signers_sign_from_their_own_checkouts_and_the_run_goes_on(
    origin_repo: Repo, tmp_path: Path, people: dict[str, Signer], guarded: Path, capsys
) -> None:
    records = tmp_path / "records"
    args = _args(origin_repo, records, guarded)
    record = records / "release-management" / "1.2.3.ipynb"
    assert run(*args) == 3
    err = capsys.readouterr().err
    assert f"May sign it ({guarded.parent / 'allowed_signers'}): sam@example.com." in err

    signed = people["sam"].sign(record, "release-approval.1")
    assert signed.returncode == 0, signed.stderr
    assert "signed by Sam Security <sam@example.com> (key SHA256:" in signed.stdout
    assert (
        ", verified)" in signed.stdout and "to continue the release: relbook run" in signed.stdout
    )
    # the record shows it before the run resumes, and still matches its journal
    assert "signed since: signed by Sam Security" in outcomes_text(record, "release-approval.1")
    assert main(["render", "report", str(record), "-o", str(tmp_path / "r0.html")]) == 0

    assert run(*args) == 3  # the same command: past the first sign-off, at the second
    err = capsys.readouterr().err
    assert "sign-off 'release-approval.2' waits for its signer" in err
    first = outcomes(record)["release-approval.1"]
    assert first["status"] == "done" and first["signer"] == "Sam Security"
    assert first["extra"]["signature"]["verified"] and first["operator"] == "Rel Tester"

    assert people["sam"].sign(record, "13").returncode == 0  # its number in the run ([13/21])
    assert people["olga"].sign(record, "Operations team sign-off").returncode == 0
    capsys.readouterr()
    assert run(*args) == 0
    assert origin_repo.origin_git("tag", "-l", "v1.2.3") == "v1.2.3"
    got = outcomes(record)
    signers = {s: got[s]["signer"] for s in ("release-approval.1", "release-approval.2")}
    assert signers == {"release-approval.1": "Sam Security", "release-approval.2": "Sam Security"}
    assert got["release-approval.3"]["signer"] == "Olga Ops"

    report = tmp_path / "report.html"
    assert main(["render", "report", str(record), "-o", str(report)]) == 0
    page = report.read_text()
    assert page.count(", verified)") == 3 and "Olga Ops &lt;olga@example.com&gt;" in page
    capsys.readouterr()
    assert main(["render", "checklist", str(guarded), "--record", str(record)]) == 0
    checklist = capsys.readouterr().out
    assert "Operations team sign-off _(sign-off)_ — signed by Olga Ops <olga@example.com>" in (
        checklist
    )
    summary = notebook_summary(record)
    assert "release-approval.3: signed by Olga Ops <olga@example.com> (key SHA256:" in summary


def test_a_key_not_in_allowed_signers_or_the_wrong_signoff_does_not_count(
    origin_repo: Repo, tmp_path: Path, people: dict[str, Signer], guarded: Path, capsys
) -> None:
    records = tmp_path / "records"
    args = _args(origin_repo, records, guarded)
    record = records / "release-management" / "1.2.3.ipynb"
    assert run(*args) == 3
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    wrong_key = people["sam"].sign(record, "release-approval.1", "--key", str(other))
    assert wrong_key.returncode == 1
    assert "not verified: its key is not in allowed_signers; not counted" in wrong_key.stdout
    assert "does not count" in wrong_key.stderr
    wrong_step = people["olga"].sign(record, "release-approval.1")  # she signs .3 only
    assert wrong_step.returncode == 1
    assert "does not let olga@example.com sign release-approval.1" in wrong_step.stdout
    capsys.readouterr()

    assert run(*args) == 3  # neither counts: still paused there
    err = capsys.readouterr().err
    assert "sign-off 'release-approval.1' waits for its signer" in err
    assert "In the record: signature by Sam Security <sam@example.com>" in err
    assert "its key is not in allowed_signers" in err
    got = outcomes(record)["release-approval.1"]
    assert got["status"] == "pending" and got["signer"] == ""
    assert [s["counts"] for s in got["extra"]["signatures"]] == [False, False]


def test_a_signature_over_another_version_does_not_count(
    origin_repo: Repo, tmp_path: Path, people: dict[str, Signer], guarded: Path, capsys
) -> None:
    from relbook.record import replay
    from relbook.run.signatures import Identity
    from relbook.run.signoff import sign_event

    records = tmp_path / "records"
    args = _args(origin_repo, records, guarded)
    assert run(*args) == 3
    journal = records / "release-management" / "1.2.3.journal.jsonl"
    events = read_journal(journal)
    meta = replay(events).meta
    sam = people["sam"]
    other = {**meta, "params": {**meta["params"], "version": "1.2.4"}}
    who = Identity(sam.name, sam.email, str(sam.key))
    j = Journal(journal, events)  # as if carried over from another release's record
    j.append(sign_event(other, "release-approval.1", "Technical review", who, "relbook sign"))
    j.close()
    capsys.readouterr()
    assert run(*args) == 3
    err = capsys.readouterr().err
    assert "not verified: signed over version 1.2.4, not 1.2.3; not counted" in err
    assert outcomes(records / "release-management" / "1.2.3.ipynb")["release-approval.1"][
        "status"
    ] == ("pending")


RUNBOOK = """
    # Signed release

    ## Build

    ```bash
    echo built > BUILT
    ```

    ## Approval

    - [ ] Security sign-off
"""


def test_a_waiting_run_takes_the_signature_in_and_a_prompt_signs_only_as_the_operator(
    origin_repo: Repo, tmp_path: Path, people: dict[str, Signer]
) -> None:
    rb = write_runbook(tmp_path / "signed.md", RUNBOOK)
    records = tmp_path / "rec"
    args = ["--version", "1.3.0", "--repo", origin_repo.path, "--records", records]
    argv = command(rb, *args)
    child = pexpect.spawn(argv[0], argv[1:], env=env(), encoding="utf-8", timeout=30)
    child.logfile_read = io.StringIO()
    child.expect("Security sign-off")
    child.expect(r"\(d\)one, \(s\)kip, \(f\)ail, \(n\)ote, \(q\)uit\? ")
    child.sendline("d")
    child.expect(r"Signed by \(name\): ")
    child.sendline("Sam Security")  # not the operator: Sam signs for himself
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3, child.logfile_read.getvalue()
    assert "a run signs only as its operator" in child.logfile_read.getvalue()

    # the same command, waiting at the sign-off while it holds the record
    argv = command(rb, *args, "--wait-signoffs", "60")
    child = pexpect.spawn(argv[0], argv[1:], env=env(), encoding="utf-8", timeout=60)
    child.logfile_read = io.StringIO()
    child.expect("waiting up to 60s for its signer: relbook sign ")
    record = records / "signed" / "1.3.0.ipynb"
    signed = people["sam"].sign(record, "approval.1")
    assert signed.returncode == 0, signed.stderr
    assert "a relbook run holds the record (pid " in signed.stdout
    assert "the signature waits beside it" in signed.stdout
    child.expect(pexpect.EOF)  # nothing asked: the run took the signature in and went on
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    got = outcomes(record)["approval.1"]
    assert got["status"] == "done" and got["signer"] == "Sam Security"
    assert got["extra"]["signature"]["key"].startswith("SHA256:")
    events = read_journal(record.with_name("1.3.0.journal.jsonl"))
    assert [e.get("via") for e in events if e["event"] == "signature"] == ["inbox"]
    assert not list(record.with_name("1.3.0.signatures").iterdir())  # taken in


def outcomes_text(record: Path, step: str) -> str:
    """What the step's cell shows."""
    from tests.e2e.runhelp import notebook

    cell = next(
        c for c in notebook(record).cells if c.metadata.get("relbook", {}).get("step_id") == step
    )
    return cell.source


def notebook_summary(record: Path) -> str:
    from tests.e2e.runhelp import notebook

    return notebook(record).cells[0].source


def test_a_runbook_naming_a_missing_allowed_signers_is_refused_before_any_step(
    origin_repo: Repo, tmp_path: Path, guarded: Path, capsys
) -> None:
    (guarded.parent / "allowed_signers").unlink()
    records = tmp_path / "records"
    assert run(*_args(origin_repo, records, guarded)) == 2
    err = capsys.readouterr().err
    assert f"{guarded}:2: allowed_signers: " in err and "is not a file" in err
    assert not list(records.rglob("*.jsonl"))  # nothing recorded, nothing ran
