"""What a run tells the operator when it stops: one place for the words."""

from __future__ import annotations

from relbook.model import Outcome, Status, Step

RESUME = "run the same command to resume"


def paused(path: str, o: Outcome) -> str:
    """Why the run paused at `o`, and how to go on."""
    if "refused" in o.extra:
        return str(o.extra["refused"])
    if isinstance(o.extra.get("choice"), str):
        return (
            f"{path}:{o.line}: step {o.step_id!r} is one way of {o.extra['choice']} and nobody "
            f"could choose. Run on a terminal to choose, or pass --answers FILE with "
            f"{o.extra['choice']}: LABEL | number | none; the same command resumes."
        )
    if "optional" in o.extra:
        return (
            f"{path}:{o.line}: step {o.step_id!r} is optional ({o.extra['optional']}) and "
            f"nobody could say whether to run it. Run on a terminal to answer, or pass "
            f"--answers FILE with {o.step_id}: run | 'skip: reason'; the same command resumes."
        )
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
        "then run the same command to go on (with --wait-signoffs 30m it waits here for "
        "the signature). If you are the signer: --signer NAME (or answer on a terminal).",
    ]
    if need.get("allowed_signers"):
        who = ", ".join(need.get("may_sign") or []) or "nobody"
        lines.append(f"May sign it ({need['allowed_signers']}): {who}.")
    lines += [f"In the record: {text}." for text in need.get("not_counted", [])]
    return "\n".join(lines)


def failed(path: str, o: Outcome) -> str:
    """Which step failed where. (Its output is on the screen, in the record and in
    the log already, and the run's summary says how to resume: neither is repeated.)"""
    if o.status is Status.TIMEOUT:
        what = "timed out"
    elif o.exit_code is not None:
        what = f"exit status {o.exit_code}"
    else:  # a manual step or an instruction answered "fail"
        what = o.reason or "answered fail"
    return f"{path}:{o.failed_line or o.line}: step {o.step_id!r} failed ({what})"


def here(path: object) -> str:
    """`path` as the operator reads it: relative to the working directory when it is
    under it, else as it is."""
    import os

    text = str(path)
    if not os.path.isabs(text):
        return text
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive
        return text
    return text if rel.startswith("..") else rel


_DONE = (Status.DONE, Status.ALREADY_DONE)
_SKIPPED = (Status.SKIPPED, Status.NOT_APPLICABLE)
_FAILED = (Status.FAILED, Status.TIMEOUT, Status.INTERRUPTED)


def summary(plan: list[str], outcomes: dict[str, Outcome], result: str, seconds: float) -> str:
    """The counts line that ends a run: done / skipped / failed / pending of the plan."""
    counts = {"done": 0, "skipped": 0, "failed": 0, "pending": 0}
    for step_id in plan:
        o = outcomes.get(step_id)
        status = o.status if o else Status.PENDING
        word = (
            "done"
            if status in _DONE
            else "skipped"
            if status in _SKIPPED
            else "failed"
            if status in _FAILED
            else "pending"
        )
        counts[word] += 1
    counted = ", ".join(f"{n} {word}" for word, n in counts.items())
    return f"{result or 'stopped'} in {duration(seconds)}: {counted}"


def continue_command(command: str) -> str:
    """The command that goes on with this run: the one given, without what would start
    another attempt."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return command
    return shlex.join(w for w in words if w != "--new-attempt") if words else ""


def duration(seconds: float) -> str:
    """1.2s, 4m 05s, 1h 02m."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


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
