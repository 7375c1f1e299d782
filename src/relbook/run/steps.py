"""One step, start to end: applicability, the say-so, the engine, instructions, the outcome.

The StepRunner reads the run's public state through the Runner facade and runs
bash through its `Engine`; an engine that does not execute (the walkthrough
engine of tabletop drills) has its shell steps shown and answered instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import TYPE_CHECKING, Any

from relbook.bash.effects import Guard, guard_for, guarded
from relbook.engines import Execution, trace_note
from relbook.errors import Interrupted, Paused, RecordError, StepFailed
from relbook.model import Kind, Outcome, Part, Status, Step
from relbook.record import now_iso
from relbook.run import messages, signals
from relbook.run.answers import apply_answer
from relbook.run.choices import choice_allows, optional_allows
from relbook.run.flow import not_applicable, step_hash
from relbook.run.options import Answer
from relbook.run.pipeline import Lookahead
from relbook.run.plan import step_block, version_bumps
from relbook.run.session import run_in_session
from relbook.run.shown import (
    Shown,
    put_commands,
    segment_shown,
    show_done_if,
    shown_command,
    skipped_note,
    source_text,
)
from relbook.run.undo import changes_refs, note_refs, undo_allowed

if TYPE_CHECKING:
    from relbook.run.context import RunContext


class StepRunner:
    """Runs the steps of one run."""

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self.token = ""  # the running step's process marker
        self.chosen: dict[str, tuple[str | None, str]] = {}  # the way taken of each choice
        self.guards: dict[int, Guard] = {}  # resume guards of the commands, by line
        self.lookahead = Lookahead(run, self.script)  # steps handed over queued (run.pipeline)
        self.stop_after = False  # a stopping signal came once the running step had ended

    def base_outcome(self, step: Step) -> Outcome:
        """A step's outcome before anything happened."""
        run = self.run
        return Outcome(
            step_id=step.id,
            kind=step.kind.value,
            status=Status.RUNNING,
            text=run.text(step),
            section=step.section,
            line=step.line,
            started=now_iso(),
            operator=run.operator,
            source_hash=step_hash(step),
        )

    def run_step(self, n: int, total: int, step: Step) -> None:
        """Run `step`, record its outcome; raises when the run must stop there."""
        signals.check()  # a signal held back while the record was written stops here
        run = self.run
        state = run.recorder.state
        interrupted = step.id in state.running
        earlier = state.outcomes.get(step.id)
        outcome = self.base_outcome(step)
        run.ui.step_begin(n, total, step, outcome.text)
        why = not_applicable(step, run.params)
        if not why and not choice_allows(run, step, outcome, self.chosen):
            return self.end(outcome)  # another way of the same choice is taken
        queued = bool(self.lookahead.token(step))  # checked when it was queued
        why = why or ("" if queued else step_block(run, step))
        if why:  # a placeholder nothing fills is never executed
            blocked = why.startswith(run.rb.path)
            outcome.status = Status.BLOCKED if blocked else Status.NOT_APPLICABLE
            outcome.reason = why
            return self.end(outcome)
        if interrupted and step.kind is Kind.SHELL and not self._rerun_ok(step):
            raise Paused(messages.interrupted_step(run.rb.path, step))
        # marks the step's processes (found after a crash); a queued step has its own
        self.token = self.lookahead.token(step) or os.urandom(16).hex()
        run.recorder.start(step.id, outcome.started, self.token)
        if step.kind is Kind.SIGNOFF:  # done only with a signature that counts
            run.signoffs.settle(step, outcome)
        elif step.kind is not Kind.SHELL:
            apply_answer(outcome, run.answers.answer(step, outcome.text))
        elif not run.engine.executes:
            self._walk_through(step, outcome)
        else:
            resuming = interrupted or earlier is not None
            shell = lambda: self._shell(step, outcome, resuming)  # noqa: E731
            if hasattr(run.engine, "session"):
                run_in_session(run, step, outcome, shell)
            else:
                shell()
            note_refs(run, step)
        self.end(outcome)

    def end(self, outcome: Outcome) -> None:
        """Record the outcome and stop the run if it must stop."""
        run = self.run
        run.recorder.record(outcome)
        run.ui.step_end(outcome)
        if outcome.extra.get("log_error"):
            raise RecordError(
                f"cannot write the step's log: {outcome.extra['log_error']}",
                path=str(run.paths.base / outcome.log),
            )
        stop_after, self.stop_after = self.stop_after, False
        if outcome.status is Status.INTERRUPTED or stop_after:
            raise Interrupted("interrupted", signum=signals.received() or signal.SIGINT)
        if outcome.status in (Status.FAILED, Status.TIMEOUT):
            msg = messages.failed(run.rb.path, outcome)
            raise StepFailed(msg, returncode=outcome.exit_code or 1)
        if outcome.status is Status.PENDING:
            raise Paused(messages.paused(run.rb.path, outcome))
        if outcome.status is Status.BLOCKED:
            raise Paused(f"{outcome.reason}; then run the same command again")

    def _rerun_ok(self, step: Step) -> bool:
        opts, ui = self.run.opts, self.run.ui
        if opts.rerun_interrupted or opts.yes:
            return True
        if not ui.interactive:
            return False
        with signals.interruptible():  # a stopping signal may end the wait for the operator
            return ui.confirm(f"step {step.id} was running when relbook stopped. Re-run it?")

    # -- shell steps --------------------------------------------------------------------
    def _walk_through(self, step: Step, outcome: Outcome) -> None:
        """Show what the step would run, and take the participants' answer for it."""
        run = self.run
        shown = []
        for part in step.parts:
            text = run.fill(part.source, part.line)
            shown.append(f"$ {text}" if part.kind == "command" else f"? {text}")
            run.ui.info(f"  {shown[-1]}  ({run.rb.path}:{part.line})")
        outcome.source = "\n".join(f"# {s}" if s.startswith("?") else s[2:] for s in shown)
        outcome.simulated = [s[2:] for s in shown if s.startswith("$")]
        outcome.extra["tabletop"] = True
        apply_answer(outcome, run.answers.answer(step, outcome.text))

    def _shell(self, step: Step, outcome: Outcome, resuming: bool) -> None:
        run = self.run
        if not optional_allows(run, step, outcome) or not run.gate.allows(step, outcome):
            return
        if step.done_if and self._check(step.done_if) == 0:
            show_done_if(run, step, outcome)
            return
        log = run.recorder.output_log
        log.begin(f"==> {step.id} · {run.rb.path}:{step.line} · started {outcome.started} <==\n")
        sources: list[str] = []  # what the record shows: the guide's commands, filled in
        scripts: list[str] = []  # the bash that ran (metadata, for debugging)
        commands: list[Shown] = []
        outputs: list[str] = []
        instructions: list[dict[str, Any]] = []
        outcome.status = Status.DONE
        parts = segments(step.parts)
        for i, segment in enumerate(parts):
            if segment[0].kind == "instruction":
                before = len(sources)
                going = self._instruction(step, segment[0], instructions, sources, outcome)
                scripts += sources[before:]
                if not going:
                    break
                continue
            if not undo_allowed(run, step, segment, outcome):
                break
            made = self.lookahead.prepared.pop(step.id, None)  # a queued step's: all its parts
            script, line_map, marks = made or self.script(segment, resuming)
            scripts.append(script)
            ahead = self.lookahead.ahead(step, script, resuming)
            ex = self._execute(script, line_map, step, marks, ahead)
            shown = segment_shown(run, segment, self.guards, ex.done_lines)
            sources.append(source_text(shown))
            commands += shown
            outputs.append(ex.output)
            apply_execution(outcome, ex, line_map)
            if ex.stopped:  # stopped once its commands had ended: done if nothing is left
                self.stop_after = True
                if i + 1 < len(parts):
                    outcome.status = Status.INTERRUPTED
            if outcome.status is not Status.DONE or ex.stopped:
                break
        outcome.source = "\n".join(sources)
        outcome.output = "".join(outputs)
        put_commands(run, outcome, commands, scripts)
        span = log.span()
        if span:
            outcome.log = run.recorder.log_path()
            outcome.extra["log_bytes"] = list(span)
        if instructions:
            outcome.extra["instructions"] = instructions

    def _check(self, command: str) -> int:
        wrapper = getattr(self.run.engine, "wrapper", ())  # a drill's network namespace
        return subprocess.run(
            [*wrapper, "bash", "--noprofile", "--norc", "-c", command],
            cwd=self.run.repo,
            env=self.run.env,
            capture_output=True,
        ).returncode

    def script(self, parts: list[Part], resuming: bool) -> tuple[str, list[int], list[int]]:
        """Bash for a run of commands (what runs is what the record shows), the
        script-line -> Markdown-line map, and the script lines where commands begin."""
        lines: list[str] = []
        line_map: list[int] = []
        marks: list[int] = []
        for part in parts:
            src = self.run.bash(part.source, part.line)
            guard = guard_for(src) if resuming else None
            self.guards.pop(part.line, None)
            if guard:
                self.guards[part.line] = guard
                src = guarded(src, guard, trace_note("done", part.line))
            for comment in part.comment.split("\n") if part.comment else []:
                lines.append(f"# {comment}")
                line_map.append(part.line)
            marks.append(len(lines) + 1)
            for i, text in enumerate(src.split("\n")):
                lines.append(text)
                line_map.append(part.line + min(i, part.source.count("\n")))
        return "\n".join(lines), line_map, marks

    def _execute(
        self,
        script: str,
        line_map: list[int],
        step: Step,
        marks: list[int] | None = None,
        ahead: list[Any] | None = None,
    ) -> Execution:
        run = self.run
        shown: set[int] = set()

        def on_line(n: int) -> None:
            if 0 < n <= len(line_map) and line_map[n - 1] not in shown:
                shown.add(line_map[n - 1])
                run.ui.command(line_map[n - 1], self._display(step, line_map[n - 1]))

        def on_done(n: int) -> None:  # a resume guard found the command's work done
            part = next((p for p in step.commands if p.line == n), None)
            if part is not None:
                check = shown_command(run, part, self.guards.get(n)).check
                run.ui.info(f"    {skipped_note(check)}")

        return run.engine.run(
            script,
            on_done=on_done,
            env=run.env,
            cwd=run.repo,
            timeout=step.timeout or run.opts.timeout,
            log=run.recorder.output_log,
            masker=run.masker,
            on_output=run.ui.output,
            on_ascii=getattr(run.ui, "output_ascii", None),  # the same, without decoding
            on_line=on_line,
            on_started=run.recorder.sync_soon,  # the per-step fsync, while the step runs
            token=self.token,
            marks=marks,
            **({"ahead": ahead} if ahead else {}),  # steps queued behind it (run.pipeline)
        )

    def _display(self, step: Step, line: int) -> str:
        part = next((p for p in step.commands if p.line == line), None)
        if part is None:
            return ""
        text = self.run.fill(part.source, part.line)
        return self.run.masker.mask(text.split("\n")[0])

    # -- instructions inside a block -----------------------------------------------------
    def _instruction(
        self,
        step: Step,
        part: Part,
        log: list[dict[str, Any]],
        sources: list[str],
        outcome: Outcome,
    ) -> bool:
        """Ask for a person's work inside a block; returns False to stop the step."""
        from relbook.params.bump import apply_bump

        run = self.run
        bumps, automation = version_bumps(run, part)
        key = step.instruction_id(part)
        fake = Step(
            id=key, kind=Kind.MANUAL, text=part.source, line=part.line, section=step.section
        )
        answer = run.answers.answer(fake, part.source, key=key, automation=automation)
        diff = ""
        if answer.automate and not bumps:  # never recorded as done when nothing was done
            answer = Answer(Status.PENDING, reason="relbook cannot automate it: no version file")
        if answer.automate:
            apply_bump(bumps)
            diff = "".join(b.diff(run.repo) for b in bumps)
            for row in diff.splitlines():
                run.ui.info(f"    {row}")
        log.append(
            {
                "id": key,
                "line": part.line,
                "text": part.source,
                "status": answer.status.value,
                "by": answer.by or run.operator,
                "note": answer.note,
                "reason": answer.reason,
                **({"diff": diff} if diff else {}),
            }
        )
        run.ui.info(
            f"  ? {part.source} ... {answer.status.value}"
            + (f" ({answer.note or answer.reason})" if answer.note or answer.reason else "")
        )
        sources.append(
            f"# {part.source}  (instruction: {answer.status.value}"
            + (f"; {answer.note}" if answer.note else "")
            + ")"
        )
        sources += [f"#   {row}" for row in diff.splitlines()]
        if answer.status in (Status.DONE, Status.SKIPPED):
            return True
        outcome.status = answer.status if answer.status is not Status.FAILED else Status.FAILED
        outcome.failed_line = part.line
        outcome.reason = answer.reason or f"instruction at line {part.line}: {answer.status.value}"
        if answer.status is Status.PENDING:
            outcome.extra["waiting_for"] = {"key": key, "text": part.source, "line": part.line}
        return False


def apply_execution(outcome: Outcome, ex: Execution, line_map: list[int]) -> None:
    """Put what the engine reports into a step's outcome."""
    outcome.duration += ex.duration
    outcome.exit_code = ex.exit_code
    if ex.done_lines:
        outcome.extra.setdefault("already_done_lines", []).extend(ex.done_lines)
    if ex.stray:
        outcome.extra.setdefault("killed_after_step", []).extend(ex.stray)
    if ex.log_error:
        outcome.extra["log_error"] = ex.log_error
    if 0 < ex.last_line <= len(line_map):
        outcome.failed_line = line_map[ex.last_line - 1]
    if ex.interrupted:
        outcome.status = Status.INTERRUPTED
    elif ex.timed_out:
        outcome.status, outcome.reason = Status.TIMEOUT, "timed out"
    elif ex.exit_code != 0:
        outcome.status = Status.FAILED
    else:
        outcome.failed_line = 0


def segments(parts: tuple[Part, ...]) -> list[list[Part]]:
    """Split a block's parts at instructions: runs of commands, and single instructions;
    a command that deletes or overwrites refs starts a run (it is checked just before)."""
    out: list[list[Part]] = []
    for part in parts:
        if part.kind == "instruction":
            out.append([part])
        elif out and out[-1][0].kind == "command" and not changes_refs(part.source):
            out[-1].append(part)
        else:
            out.append([part])
    return out
