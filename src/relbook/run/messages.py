"""What a run tells the operator when it stops: one place for the words."""

from __future__ import annotations

from relbook.model import Outcome, Status, Step

RESUME = "run the same command to resume"


def paused(path: str, o: Outcome) -> str:
    """Why the run paused at `o`, and how to go on."""
    if "refused" in o.extra:
        return str(o.extra["refused"])
    if "needs_say_so" in o.extra:
        why = "you declined to run it" if o.extra.get("declined") else "nobody could confirm it"
        return (
            f"{path}:{o.line}: step {o.step_id!r} was not run: "
            f"{o.extra['needs_say_so']} and {why}. Run the same command when it may run "
            f"(you are asked again), or pass --yes, or --answers FILE with "
            f"{o.step_id}: run | 'skip: reason'."
        )
    if "needs_signature" in o.extra:
        return unsigned(path, o)
    waiting = o.extra.get("waiting_for") or {"key": o.step_id, "text": o.text, "line": o.line}
    what = "instruction" if "waiting_for" in o.extra else "manual step"
    if o.reason.startswith("you quit"):  # on a terminal: no advice to use one
        return (
            f"{path}:{waiting['line']}: paused at {what} {waiting['key']!r}: {waiting['text']} "
            f"({o.reason}); run the same command to answer it."
        )
    return (
        f"{path}:{waiting['line']}: waiting for {what} {waiting['key']!r}: "
        f"{waiting['text']}. Run on a terminal to answer it, or pass --answers FILE "
        f"(YAML: {waiting['key']}: done | 'skip: reason' | fail) or --yes; "
        "the same command resumes."
    )


def unsigned(path: str, o: Outcome) -> str:
    """A sign-off waits for its signer: who may sign, how, and what did not count."""
    need = o.extra["needs_signature"]
    said = f" ({need['said']})" if need.get("said") else ""
    lines = [
        f"{path}:{o.line}: sign-off {o.step_id!r} waits for its signer: {o.text}{said}.",
        "The signer signs it from their own checkout (git identity, SSH key from user.signingkey):",
        f"    relbook sign {need['record']} {o.step_id}",
        "then run the same command to go on. If you are the signer: --signer NAME "
        "(or answer on a terminal).",
    ]
    if need.get("allowed_signers"):
        who = ", ".join(need.get("may_sign") or []) or "nobody"
        lines.append(f"May sign it ({need['allowed_signers']}): {who}.")
    lines += [f"In the record: {text}." for text in need.get("not_counted", [])]
    return "\n".join(lines)


def failed(path: str, o: Outcome, record: str, command: str) -> str:
    """Which step failed where, the tail of its output, and how to resume."""
    tail = "\n".join(o.output.rstrip().splitlines()[-10:])
    if o.status is Status.TIMEOUT:
        what = "timed out"
    elif o.exit_code is not None:
        what = f"exit status {o.exit_code}"
    else:  # a manual step or an instruction answered "fail"
        what = o.reason or "answered fail"
    hint = command or "the same relbook run command"
    return (
        f"{path}:{o.failed_line or o.line}: step {o.step_id!r} failed ({what})"
        + (f"\n{tail}" if tail else "")
        + f"\nrecord: {record}\nto resume after fixing it: {hint}"
    )


def interrupted_step(path: str, step: Step) -> str:
    """A step was running when relbook stopped last time: it waits for the operator."""
    return (
        f"step {step.id} ({path}:{step.line}) was interrupted; re-run it "
        "with --rerun-interrupted once you have checked its effects"
    )


def record_unwritable(msg: str, resume: str = RESUME) -> str:
    """The record cannot be written (disk full, ...): nothing further started."""
    return f"{msg}; relbook stopped and started no further step. Make room, then {resume}"


def risky(step: Step, lines: str) -> str:
    """The question asked before a remote-touching or destructive step."""
    return f"step {step.id} touches a remote or deletes something (lines {lines}). Run it?"


INTERRUPTED = "the record shows where. Run the same command to resume."


def stopped_by(signum: int) -> str:
    """How relbook says it was stopped by a signal."""
    return {15: "terminated (SIGTERM)", 1: "hung up (SIGHUP)"}.get(signum, "interrupted")
