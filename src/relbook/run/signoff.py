"""Sign-offs are evidence: a sign-off step is done only when the record holds a
signature for it that counts.

Where a signature comes from: its signer, from their own checkout and git
identity (`relbook sign RECORD STEP`, a `signature` event in the journal); the
operator signing their own (`--signer NAME`, or a name typed at the prompt that
is the operator's); a GitHub environment's approval (`--approvals`, its reviewer).
`--yes` and answers files never sign: without a signature the run pauses there
(exit 3) and says how to get one. Whether it counts (`check`): it is over this
release's facts (runbook sha256, version, attempt, step), its SSH signature is good,
and, when the runbook names an `allowed_signers` file in its front matter, `ssh-keygen
-Y verify` accepts it for its principal in the step's namespace.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError
from relbook.model import Kind, Outcome, Status, Step
from relbook.record import now_iso
from relbook.record.signatures import signature_text
from relbook.run.answers import apply_answer, parse_answer
from relbook.run.messages import here
from relbook.run.signatures import (
    Identity,
    git_identity,
    key_of,
    may_sign,
    signoff_facts,
    ssh_sign,
    verify,
)


@dataclass(frozen=True)
class Expected:
    """What a signature for one step of this release must be over, and the allowed
    signers file that judges it (None when the runbook names none)."""

    step: str
    version: str
    runbook_sha256: str
    attempt: int
    allowed: Path | None


def expected(meta: dict[str, Any], step: str, allowed: Path | None) -> Expected:
    """What a signature of `step` must be over, for the record whose facts are `meta`."""
    return Expected(
        step,
        str((meta.get("params", {}) or {}).get("version", "")),
        str((meta.get("runbook", {}) or {}).get("sha256", "")),
        int(meta.get("attempt") or 1),
        allowed,
    )


def allowed_signers(runbook_path: str, front_matter: dict[str, Any]) -> Path | None:
    """The allowed_signers file a runbook names (`allowed_signers:` in its front matter,
    relative to the runbook's directory), or None."""
    name = front_matter.get("allowed_signers") if isinstance(front_matter, dict) else None
    if not name:
        return None
    path = Path(str(name)).expanduser()
    return path if path.is_absolute() else Path(runbook_path).resolve().parent / path


def check(event: dict[str, Any], want: Expected) -> dict[str, Any]:
    """A signature event judged for `want`: who, which key, whether it counts and is
    verified, and why not (see record.signatures.signature_text)."""
    facts = event.get("facts") or {}
    out: dict[str, Any] = {
        "signer": str(facts.get("signer", "")),
        "principal": str(facts.get("principal", "")),
        "key": "",
        "how": str(event.get("how", "")),
        "time": str(facts.get("time", "")),
        "counts": False,
        "verified": False,
        "why": "",
    }
    wrong = _wrong_facts(facts, want)
    if wrong:
        return {**out, "why": wrong}
    sig = str(event.get("signature") or "")
    if not sig:
        if want.allowed is not None:
            why = f"not signed with an SSH key; the runbook's {want.allowed.name} needs one"
            return {**out, "why": why}
        why = "no SSH key, and the runbook names no allowed_signers"
        return {**out, "counts": True, "why": why}
    key = key_of(sig, facts)
    if not key:
        return {**out, "why": "the signature does not match the facts stored with it"}
    out["key"] = key
    if want.allowed is None:
        return {**out, "counts": True, "why": "the runbook names no allowed_signers file"}
    if not want.allowed.is_file():
        return {**out, "why": f"the runbook's allowed_signers file {want.allowed} is missing"}
    why = verify(sig, facts, want.allowed)
    return {**out, "counts": not why, "verified": not why, "why": why}


def _wrong_facts(facts: dict[str, Any], want: Expected) -> str:
    if facts.get("step") != want.step:
        return f"signed for step {facts.get('step')!r}, not {want.step!r}"
    if str(facts.get("version")) != want.version:
        return f"signed over version {facts.get('version')}, not {want.version}"
    if want.runbook_sha256 and facts.get("runbook_sha256") != want.runbook_sha256:
        return (
            f"signed over another runbook (sha256 {str(facts.get('runbook_sha256'))[:12]}), "
            f"not this release's ({want.runbook_sha256[:12]})"
        )
    if int(facts.get("attempt") or 1) != want.attempt:
        return f"signed for attempt {facts.get('attempt')}, not {want.attempt}"
    return ""


def inbox_of(notebook: Path) -> Path:
    """Where `relbook sign` leaves a signature while a run holds the record: the run
    takes it into the journal at the sign-off (only the lock's holder writes there)."""
    return notebook.with_name(notebook.name.removesuffix(".ipynb") + ".signatures")


def sign_event(meta: dict[str, Any], step: str, text: str, who: Identity, how: str) -> dict:
    """A `signature` journal event: `who` signs `step` of the release `meta` describes
    (with their SSH key when they have one)."""
    facts = signoff_facts(meta, step, text, who, now_iso())
    sig = ssh_sign(facts, who.key) if who.key else ""
    return {"event": "signature", "time": facts["time"], "step": step, "facts": facts,
            "signature": sig, "how": how}  # fmt: skip


class SignOffs:
    """Settles the sign-off steps of one run (see the module's docstring)."""

    def __init__(self, run: Any) -> None:
        self.run = run  # the Runner facade (run.context.RunContext lists what it offers)

    # -- what the record holds ---------------------------------------------------------
    def allowed(self) -> Path | None:
        """The allowed_signers file that judges this run's signatures."""
        opts = self.run.opts
        if opts.allowed_signers:
            return Path(opts.allowed_signers)
        return allowed_signers(self.run.rb.path, self.run.rb.front_matter)

    def check_allowed(self) -> None:
        """A runbook naming an allowed_signers file that is not there is refused before
        anything runs (exit 2, the front matter's line): its sign-offs could never count."""
        rb, opts = self.run.rb, self.run.opts
        named = (
            rb.front_matter.get("allowed_signers") if isinstance(rb.front_matter, dict) else None
        )
        if (
            opts.allowed_signers
            or named is None
            or not any(s.kind is Kind.SIGNOFF for s in rb.steps)
        ):
            return
        path = allowed_signers(rb.path, rb.front_matter) if isinstance(named, str) else None
        if path is not None and path.is_file():
            return
        why = f"{path} is not a file" if path is not None else "give the path of a file"
        raise RelbookError(
            f"allowed_signers: {why} (git's allowed_signers format); without it no "
            "sign-off could be verified",
            path=rb.path,
            line=_front_matter_line(rb.path, "allowed_signers"),
        )

    def take_inbox(self) -> int:
        """Signatures `relbook sign` left beside the record while this run held it:
        appended to the journal as `signature` events, then removed; returns how many."""
        box = inbox_of(self.run.paths.notebook)
        if not box.is_dir():
            return 0
        taken = 0
        for path in sorted(box.glob("*.json")):
            try:
                event = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, UnicodeDecodeError):
                continue  # half written or not ours: left where it is
            if not isinstance(event, dict) or event.get("event") != "signature":
                continue
            step = str(event.get("step", ""))
            known = self.run.state.signatures.get(step, [])
            if not any(e.get("signature") == event.get("signature") and
                       e.get("facts") == event.get("facts") for e in known):  # fmt: skip
                self.run.recorder.signature({**event, "via": "inbox"})
                taken += 1
            path.unlink(missing_ok=True)  # in the journal (fsynced) now
        return taken

    def wait_for_signer(self, step: Step) -> bool:
        """--wait-signoffs: poll for a signature that counts (relbook sign, from the
        signer's checkout, leaves it beside the record); True once one is in."""
        from relbook.run import signals

        run = self.run
        wait = run.opts.wait_signoffs
        if not wait:
            return False
        run.recorder.sync()
        run.ui.info(
            f"  waiting up to {wait:.0f}s for its signer: relbook sign "
            f"{here(run.paths.notebook)} {step.id}"
        )
        end = time.monotonic() + wait
        while time.monotonic() < end:
            with signals.interruptible():  # Ctrl-C, SIGTERM end the wait
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            if self.take_inbox() and any(c["counts"] for c in self.checked(step)):
                return True
        return False

    def checked(self, step: Step) -> list[dict[str, Any]]:
        """The signatures of `step` in the record, each judged."""
        state = self.run.state
        want = expected(state.meta, step.id, self.allowed())
        return [check(e, want) for e in state.signatures.get(step.id, [])]

    # -- the operator's own signature ----------------------------------------------------
    def operator_identity(self) -> Identity | None:
        """Who the run signs as (--signer NAME, or a drill's own identity), or None.
        Raises RelbookError when NAME is not the operator: others sign themselves."""
        opts = self.run.opts
        if opts.signing is not None:
            return opts.signing
        return self.as_operator(opts.signer, "--signer") if opts.signer else None

    def as_operator(self, name: str, what: str) -> Identity | None:
        """The operator's identity when `name` is theirs (their name, git user.name or
        user.email), with their git signing key; raises RelbookError otherwise."""
        run = self.run
        try:
            git = git_identity(run.repo, run.opts.signing_key)
        except RelbookError:
            git = Identity("", "", run.opts.signing_key)
        mine = {run.operator, git.name, git.principal} - {""}
        if name not in mine:
            raise RelbookError(
                f"{what} {name!r}: a run signs only as its operator "
                f"({', '.join(sorted(mine)) or 'no git identity'}); {name} signs "
                "themselves: relbook sign RECORD STEP from their own checkout"
            )
        if name in (git.name, git.principal):  # their git identity
            return Identity(git.name or name, git.principal or name, git.key)
        return Identity(name, name, git.key)  # the --operator name

    # -- a sign-off step -----------------------------------------------------------------
    def settle(self, step: Step, outcome: Outcome) -> None:
        """Put the sign-off's state into `outcome`: DONE with the signature that counts,
        a skip or failure someone answered, or PENDING waiting for a signature."""
        run = self.run
        self.take_inbox()
        checked = self.checked(step)
        if _take(outcome, checked):
            return
        answered = self._answered(step, outcome)
        if answered is None:
            return
        approval = run.opts.approvals.get(step.id)
        if approval:
            _approved(outcome, approval)
            return
        who = self.operator_identity()
        if who is None and self.wait_for_signer(step) and _take(outcome, self.checked(step)):
            return
        if who is None and run.ui.interactive:
            who = self._ask(step, outcome)
            if who is None:
                return
        if who is not None:
            checked.append(self._sign(step, outcome, who))
            if _take(outcome, checked):
                return
        self._wait(step, outcome, checked, answered)

    def _answered(self, step: Step, outcome: Outcome) -> str | None:
        """A skip or a failure answered for the step (applied: None), else what was
        answered that cannot sign ('' when nothing was)."""
        run = self.run
        raw = run.hooks.answer_for(step, step.id)
        answer = parse_answer(raw, step.id, run.operator) if raw is not None else None
        answer = answer or run.answers.given(step.id, outcome.text)
        if answer is not None and answer.status is not Status.DONE:
            apply_answer(outcome, answer)
            return None
        if answer is not None:
            return "the answers file says done, but an answers file never signs"
        return "--yes confirms, but never signs" if run.opts.yes else ""

    def _ask(self, step: Step, outcome: Outcome) -> Identity | None:
        """At the terminal: the operator signs their own sign-off (the name typed is
        theirs), or skips, fails or quits it (applied to `outcome`: None)."""
        from relbook.datatype import replace
        from relbook.run import signals

        run = self.run
        run.recorder.sync()
        shown = replace(step, details=tuple(run.fill(d, step.line) for d in step.details))
        with signals.interruptible():
            answer = run.ui.ask(shown, outcome.text, signoff=True, automation="")
        if answer.status is not Status.DONE or not answer.signer:
            apply_answer(outcome, answer if answer.signer else _no_signer(answer))
            return None
        outcome.note = answer.note
        try:
            return self.as_operator(answer.signer, "signed by")
        except RelbookError as e:
            outcome.status = Status.PENDING
            outcome.extra["needs_signature"] = self._needs(step, [], e.msg)
            return None

    def _sign(self, step: Step, outcome: Outcome, who: Identity) -> dict[str, Any]:
        run = self.run
        how = "drill" if run.opts.signing is not None else "operator at the run"
        try:
            event = sign_event(run.state.meta, step.id, outcome.text, who, how)
        except RelbookError as e:
            return {"signer": who.name, "principal": who.principal, "counts": False,
                    "verified": False, "how": how, "why": f"could not sign: {e.msg}"}  # fmt: skip
        run.recorder.signature(event)
        want = expected(run.state.meta, step.id, self.allowed())
        return check(event, want)

    def _wait(
        self, step: Step, outcome: Outcome, checked: list[dict[str, Any]], answered: str
    ) -> None:
        outcome.status = Status.PENDING
        outcome.extra["needs_signature"] = self._needs(step, checked, answered)
        if checked:
            outcome.extra["signatures"] = checked

    def _needs(self, step: Step, checked: list[dict[str, Any]], said: str) -> dict[str, Any]:
        allowed = self.allowed()
        return {
            "step": step.id,
            "record": here(self.run.paths.notebook),
            "may_sign": may_sign(allowed, step.id) if allowed else [],
            "allowed_signers": str(allowed) if allowed else "",
            "not_counted": [signature_text(c) for c in checked if not c.get("counts")],
            "said": said,
        }


def _front_matter_line(path: str, key: str) -> int:
    import re

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def _take(outcome: Outcome, checked: list[dict[str, Any]]) -> bool:
    """The step is signed by the last signature that counts (True), if any."""
    counted = next((c for c in reversed(checked) if c.get("counts")), None)
    if counted is None:
        return False
    outcome.status = Status.DONE
    outcome.signer = counted.get("signer") or counted.get("principal", "")
    outcome.extra["signature"] = counted
    if len(checked) > 1:
        outcome.extra["signatures"] = checked
    return True


def _approved(outcome: Outcome, approval: dict[str, Any]) -> None:
    """A GitHub environment's approval signs the job's sign-offs: its reviewer."""
    reviewer = str(approval.get("reviewer", ""))
    outcome.status = Status.DONE
    outcome.signer = reviewer
    outcome.note = str(approval.get("note", ""))
    outcome.extra["signature"] = {
        "how": "github-approval",
        "signer": reviewer,
        "environment": str(approval.get("environment", "")),
        "url": str(approval.get("url", "")),
        "counts": True,
        "verified": False,
        "why": "GitHub's review history of the workflow run",
    }


def _no_signer(answer: Any) -> Any:
    """`d` at the prompt without a name: nobody signed (the operator is not assumed)."""
    from relbook.run.options import Answer

    if answer.status is not Status.DONE:
        return answer
    return Answer(Status.PENDING, reason="nobody signed: a sign-off needs its signer's name")
