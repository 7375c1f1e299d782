"""Sign-off signatures: made by real ssh-keygen, judged against allowed_signers, and
appended to a record's journal without breaking its hash chain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from relbook.errors import RelbookError, Tampered
from relbook.record import Journal, read_journal, replay
from relbook.record.lock import record_lock
from relbook.record.signatures import signature_text
from relbook.record.verify import verify_record
from relbook.run.signatures import Identity, git_identity, may_sign
from relbook.run.signoff import allowed_signers, check, expected, sign_event

pytestmark = pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs ssh-keygen")

META = {
    "runbook": {"name": "release", "sha256": "ab" * 32, "path": "release.md"},
    "params": {"version": "1.2.3"},
    "attempt": 1,
}


def keypair(tmp_path: Path, name: str) -> Path:
    key = tmp_path / f"id_{name}"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def public(key: Path) -> str:
    return key.with_name(key.name + ".pub").read_text().strip()


@pytest.fixture
def alice(tmp_path: Path) -> Identity:
    return Identity("Alice", "alice@example.com", str(keypair(tmp_path, "alice")))


def allowed(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text("# who signs releases\n" + "".join(f"{ln}\n" for ln in lines))
    return path


def test_a_signature_by_an_allowed_key_is_verified(tmp_path: Path, alice: Identity) -> None:
    file = allowed(tmp_path, f"alice@example.com {public(Path(alice.key))}")
    event = sign_event(META, "approval.1", "Security review", alice, "relbook sign")
    assert event["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    got = check(event, expected(META, "approval.1", file))
    assert got["counts"] and got["verified"] and got["key"].startswith("SHA256:")
    assert (
        signature_text(got) == f"signed by Alice <alice@example.com> (key {got['key']}, verified)"
    )


def test_a_key_not_in_allowed_signers_does_not_count(tmp_path: Path, alice: Identity) -> None:
    bob = keypair(tmp_path, "bob")
    file = allowed(tmp_path, f"bob@example.com {public(bob)}")
    event = sign_event(META, "approval.1", "Security review", alice, "relbook sign")
    got = check(event, expected(META, "approval.1", file))
    assert not got["counts"] and not got["verified"]
    assert got["why"] == "its key is not in allowed_signers"
    assert "not verified: its key is not in allowed_signers; not counted" in signature_text(got)
    # alice's own key claimed for bob: the key is alice's in the file, not bob's
    file = allowed(tmp_path, f"alice@example.com {public(Path(alice.key))}")
    as_bob = sign_event(META, "approval.1", "x", Identity("Bob", "bob@example.com", alice.key), "")
    why = check(as_bob, expected(META, "approval.1", file))["why"]
    assert why == "its key is alice@example.com's in allowed_signers, not bob@example.com's"


def test_a_signature_over_another_release_does_not_count(tmp_path: Path, alice: Identity) -> None:
    file = allowed(tmp_path, f"alice@example.com {public(Path(alice.key))}")
    other = {**META, "params": {"version": "1.2.4"}}
    event = sign_event(other, "approval.1", "Security review", alice, "relbook sign")
    got = check(event, expected(META, "approval.1", file))
    assert not got["counts"] and got["why"] == "signed over version 1.2.4, not 1.2.3"
    assert "signed for step" in check(event | {}, expected(other, "approval.2", file))["why"]
    changed = {**other, "runbook": {"sha256": "cd" * 32}}
    assert "another runbook" in check(event, expected(changed, "approval.1", file))["why"]


def test_facts_edited_after_signing_do_not_count(tmp_path: Path, alice: Identity) -> None:
    event = sign_event(META, "approval.1", "Security review", alice, "relbook sign")
    event["facts"]["time"] = "2020-01-01T00:00:00+0000"  # the signed bytes differ now
    got = check(event, expected(META, "approval.1", None))
    assert not got["counts"] and "does not match the facts" in got["why"]


def test_namespaces_limit_a_principal_to_some_signoffs(tmp_path: Path, alice: Identity) -> None:
    ns = 'namespaces="git,relbook-signoff:release-approval.1"'
    file = allowed(tmp_path, f"alice@example.com {ns} {public(Path(alice.key))}")
    ok = sign_event(META, "release-approval.1", "Technical review", alice, "relbook sign")
    assert check(ok, expected(META, "release-approval.1", file))["verified"]
    no = sign_event(META, "release-approval.2", "Security review", alice, "relbook sign")
    got = check(no, expected(META, "release-approval.2", file))
    assert not got["counts"] and "does not let alice@example.com sign" in got["why"]
    assert may_sign(file, "release-approval.1") == ["alice@example.com"]
    assert may_sign(file, "release-approval.2") == []


def test_who_may_sign_reads_git_format(tmp_path: Path, alice: Identity) -> None:
    key = public(Path(alice.key))
    file = allowed(
        tmp_path,
        f'sec@example.com,lead@example.com namespaces="relbook-signoff:*.2" {key}',
        f'ops@example.com namespaces="relbook-signoff:*,!relbook-signoff:*.2" {key}',
        f"all@example.com {key}",
    )
    assert may_sign(file, "approval.2") == [
        "sec@example.com",
        "lead@example.com",
        "all@example.com",
    ]
    assert may_sign(file, "approval.3") == ["ops@example.com", "all@example.com"]


def test_without_ssh_key_or_allowed_signers(tmp_path: Path) -> None:
    plain = Identity("Carol", "carol@example.com")
    event = sign_event(META, "approval.1", "Security review", plain, "relbook sign")
    assert event["signature"] == ""
    free = check(event, expected(META, "approval.1", None))
    assert free["counts"] and not free["verified"]  # the runbook asks for no more
    assert "no SSH signature, unverified" in signature_text(free)
    file = allowed(tmp_path)
    strict = check(event, expected(META, "approval.1", file))
    assert not strict["counts"] and "not signed with an SSH key" in strict["why"]
    missing = check(event, expected(META, "approval.1", tmp_path / "nowhere"))
    assert not missing["counts"]


def test_allowed_signers_is_named_in_front_matter(tmp_path: Path) -> None:
    rb = tmp_path / "docs" / "release.md"
    assert allowed_signers(str(rb), {}) is None
    named = allowed_signers(str(rb), {"allowed_signers": "../.github/allowed_signers"})
    assert named is not None and named.resolve() == tmp_path / ".github" / "allowed_signers"
    assert allowed_signers(str(rb), {"allowed_signers": "/etc/signers"}) == Path("/etc/signers")


def test_git_identity_and_its_ssh_signing_key(tmp_path: Path, alice: Identity) -> None:
    repo = tmp_path / "checkout"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)

    def cfg(*a: str) -> None:
        subprocess.run(["git", "-C", str(repo), "config", *a], check=True)

    cfg("user.name", "Alice")
    cfg("user.email", "alice@example.com")
    assert git_identity(str(repo)).key == ""
    cfg("gpg.format", "ssh")
    cfg("user.signingkey", alice.key + ".pub")  # the public half, as git takes it
    who = git_identity(str(repo))
    assert (who.name, who.principal, who.key) == ("Alice", "alice@example.com", alice.key + ".pub")
    event = sign_event(META, "approval.1", "x", who, "relbook sign")  # private key beside it
    assert check(event, expected(META, "approval.1", None))["key"].startswith("SHA256:")


# -- relbook sign on a record ---------------------------------------------------------


def _paused_record(tmp_path: Path) -> Path:
    """A record paused at a sign-off, written the way a run writes it."""
    from relbook.model import Outcome, Status
    from relbook.record import NotebookWriter, outcome_to_dict, record_paths

    paths = record_paths(tmp_path / "records", "release", "1.2.3")
    j = Journal(paths.journal)
    j.append({"event": "begin", "time": "t0", "meta": META, "plan": ["checks.1", "approval.1"]})
    done = Outcome("checks.1", "manual", Status.DONE, text="Check", line=3, operator="op")
    j.append({"event": "outcome", "time": "t1", "outcome": outcome_to_dict(done)})
    j.append({"event": "start", "step": "approval.1", "time": "t2", "token": "x"})
    wait = Outcome("approval.1", "signoff", Status.PENDING, text="Security review", line=7)
    wait.extra["needs_signature"] = {"step": "approval.1"}
    j.append({"event": "outcome", "time": "t2", "outcome": outcome_to_dict(wait)})
    j.append({"event": "finish", "result": "paused", "time": "t3", "meta": {}})
    j.close()
    state = replay(read_journal(paths.journal))
    state.meta["journal"] = {"events": len(state.events), "h": state.events[-1]["h"]}
    NotebookWriter().write(paths.notebook, state, {})
    return paths.notebook


def test_sign_appends_to_the_chain_and_rewrites_the_notebook(tmp_path: Path, alice) -> None:
    from relbook.record import read_record
    from relbook.run.sign import sign_record

    nb = _paused_record(tmp_path)
    done = sign_record(str(nb), "approval.1", alice)
    assert done.step == "approval.1" and done.checked is None  # no runbook here to judge it
    events = read_journal(nb.with_name("1.2.3.journal.jsonl"))  # the chain still holds
    assert events[-1]["event"] == "signature" and events[-1]["facts"]["principal"] == (
        "alice@example.com"
    )
    assert verify_record(nb) == []  # the notebook matches its journal
    assert replay(events).signatures["approval.1"][0]["signature"]
    assert [o.step_id for o in read_record(nb).outcomes] == ["checks.1", "approval.1"]
    with pytest.raises(RelbookError, match="is a manual step, not a sign-off"):
        sign_record(str(nb), "checks.1", alice)
    with pytest.raises(RelbookError, match=r"no step 'nope'.*approval\.1 \(Security review\)"):
        sign_record(str(nb), "nope", alice)


def test_while_a_run_holds_the_record_the_signature_waits_beside_it(tmp_path: Path, alice) -> None:
    import json

    from relbook.run.sign import sign_record
    from relbook.run.signoff import inbox_of

    nb = _paused_record(tmp_path)
    journal = nb.with_name("1.2.3.journal.jsonl")
    before = journal.read_bytes()
    with record_lock(nb.with_name("1.2.3.lock"), runbook="release", version="1.2.3"):
        done = sign_record(str(nb), "approval.1", alice)
    assert journal.read_bytes() == before  # only the run holding the lock writes there
    assert done.holder.startswith("pid ") and Path(done.queued).parent == inbox_of(nb)
    event = json.loads(Path(done.queued).read_text())
    assert event["event"] == "signature" and event["step"] == "approval.1"
    assert check(event, expected(META, "approval.1", None))["key"].startswith("SHA256:")


def test_sign_refuses_a_record_that_does_not_match_its_journal(tmp_path: Path, alice) -> None:
    from relbook.run.sign import sign_record

    nb = _paused_record(tmp_path)
    nb.write_text(nb.read_text().replace("Security review", "Security reviev"))
    journal = nb.with_name("1.2.3.journal.jsonl")
    before = journal.read_bytes()
    with pytest.raises(Tampered, match="does not match its journal"):
        sign_record(str(nb), "approval.1", alice)
    assert journal.read_bytes() == before
