"""Run a release: plan the steps, ask the operator, execute, record, resume."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from relbook.bash.effects import guard_for, guarded, is_destructive, touches_remote
from relbook.engines import TRACE_FD_VAR, Execution, LocalEngine, OutputLog
from relbook.errors import (
    Interrupted,
    ParamError,
    Paused,
    RecordError,
    RelbookError,
    StepFailed,
)
from relbook.model import Kind, Outcome, Part, Runbook, Status, Step
from relbook.params import Params, bind, parse_version, render_shell, render_text
from relbook.params.check import checked_variables
from relbook.record import (
    Journal,
    NotebookWriter,
    RecordPaths,
    State,
    check_notebook,
    latest_attempt,
    now_iso,
    outcome_to_dict,
    read_journal,
    record_paths,
    replay,
)
from relbook.record.mask import MASK, Masker
from relbook.run import signals
from relbook.run.session import SessionEngine, SessionSteps


@dataclass
class Answer:
    """An operator's answer to a manual step or instruction."""

    status: Status
    reason: str = ""
    note: str = ""
    signer: str = ""
    by: str = ""
    automate: bool = False


@dataclass
class RunOptions:
    version: str
    description: str = ""
    repo: str = "."
    records: str = "records"
    dry_run: bool = False
    yes: bool = False
    answers: dict[str, Any] = field(default_factory=dict)
    section: str = ""
    from_step: str = ""
    timeout: float | None = None
    operator: str = ""
    rerun_interrupted: bool = False
    allow_changed: bool = False
    new_attempt: bool = False
    allow_dirty: bool = False
    mask: list[str] = field(default_factory=list)
    date: str | None = None
    override_blackout: str = ""
    drill: bool = False
    env: dict[str, str] = field(default_factory=dict)  # extra environment (drill shims)
    engine: str = "local"
    command: str = ""  # how this run was started, for the resume hint
    job: str = ""  # one job of an exported workflow: "begin", or steps "FIRST..LAST"
    ci: dict[str, str] = field(default_factory=dict)  # the CI run (url, job, attempt)
    allow_bump: str = ""  # release a smaller bump than the history implies ...
    bump_reason: str = ""  # ... for this recorded reason


class UI(Protocol):
    """What the runner needs from the terminal (cli provides it)."""

    interactive: bool

    def info(self, text: str) -> None: ...
    def step_begin(self, n: int, total: int, step: Step, title: str) -> None: ...
    def command(self, line: int, text: str) -> None: ...
    def output(self, text: str) -> None: ...
    def step_end(self, outcome: Outcome) -> None: ...
    def ask(self, step: Step, text: str, *, signoff: bool, automation: str) -> Answer: ...
    def confirm(self, question: str) -> bool: ...


@dataclass
class RunResult:
    code: int
    record: Path | None
    state: State | None = None


def plan_steps(rb: Runbook, section: str = "", from_step: str = "") -> list[Step]:
    """The steps a run executes: the normal flow, or one named section."""
    if section:
        steps = list(rb.section_steps(section))
        if not steps:
            titles = sorted({s.section for s in rb.steps if s.section})
            raise RelbookError(
                f"no section {section!r} with steps in {rb.path}; sections with "
                f"steps: {', '.join(titles)}"
            )
    else:
        from relbook.run.safety import require_flow

        require_flow(rb)
        steps = list(rb.flow())
    if from_step:
        idx = _find_step(steps, from_step)
        steps = steps[idx:]
    return steps


def _find_step(steps: list[Step], key: str) -> int:
    for i, s in enumerate(steps):
        if key in (s.id, str(i + 1)) or key.casefold() == s.text.casefold():
            return i
    raise RelbookError(f"--from {key!r}: no such step (use a step id from `relbook parse`)")


def step_hash(step: Step) -> str:
    """Fingerprint of what a step says and runs (detects edits between runs)."""
    body = "\0".join([step.kind.value, step.text, step.body])
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def operator_name(given: str, repo: str | None) -> str:
    """--operator, else git user.name, else the login name."""
    if given:
        return given
    from relbook.params.gitfacts import user_name

    name = user_name(repo)
    if name:
        return name
    try:
        return os.getlogin()
    except OSError:
        import getpass

        return getpass.getuser()


class Runner(SessionSteps):
    """One invocation of `relbook run`."""

    def __init__(self, rb: Runbook, opts: RunOptions, ui: UI) -> None:
        self.rb, self.opts, self.ui = rb, opts, ui
        self.version = str(parse_version(opts.version))  # a bad version fails here, first
        self.repo = str(Path(opts.repo).resolve())
        self.engine = SessionEngine(LocalEngine(), self.repo)  # one session for all steps
        self.engine.interruptible = signals.interruptible
        self.journal: Journal | None = None
        self.paths: RecordPaths | None = None
        self.state: State | None = None
        self.last_write = 0.0
        self.write_cost = 0.0
        self.steps_info: dict[str, dict[str, Any]] = {}
        self.operator = operator_name(opts.operator, self.repo)
        self.masker = Masker()
        self.writer = NotebookWriter()
        self.output_log: OutputLog | None = None
        self.token = ""  # the running step's process marker
        self.blackout: dict[str, Any] | None = None
        self.head_at_start: dict[str, str] | None = None  # git facts from the dirty check
        self.computed = None  # variables of template expressions, from the check
        self.version_check: dict[str, Any] | None = None  # the version against its history

    # -- set-up --------------------------------------------------------------
    def locate(self) -> RecordPaths:
        """Where this release's record is (a new attempt gets its own)."""
        v = self.version
        records = Path(self.opts.records)
        attempt = max(latest_attempt(records, self.rb.name, v), 1)
        if self.opts.new_attempt:
            attempt += 1 if record_paths(records, self.rb.name, v, attempt).journal.exists() else 0
        self.paths = record_paths(records, self.rb.name, v, attempt)
        self.attempt = attempt
        return self.paths

    def prepare(self) -> tuple[Params, list[Step], State | None]:
        """Bind parameters, find an earlier record, and plan the steps."""
        v, attempt = self.version, self.attempt
        check_notebook(self.paths.notebook)
        events = read_journal(self.paths.journal)
        if not events and self.paths.notebook.exists():
            raise RecordError(
                "record has no journal beside it; relbook cannot continue it "
                "safely: move it aside or restore the journal",
                path=str(self.paths.notebook),
            )
        state = replay(events) if events else None
        if state:
            _check_journal_covers_notebook(self.paths, state)
        if state and state.result == "done" and not self.opts.section:
            raise RelbookError(
                f"{self.rb.name} {v} was already released (record {self.paths.notebook}, "
                f"finished {state.meta.get('ended', '')}); use --new-attempt to start attempt "
                f"{attempt + 1}, or --section NAME to run a contingency section"
            )
        description = self.opts.description
        if state and not description:
            description = state.meta.get("params", {}).get("description", "")
        params = bind(
            v,
            description,
            runbook=self.rb,
            repo=self._repo_or_none(),
            date=self.opts.date,
            check_tags=state is None and not self.opts.new_attempt,
        )
        if state:
            self._keep_values(state, params)
        steps = plan_steps(self.rb, self.opts.section, self.opts.from_step)
        self._check_blackout(state)
        if state is None:
            self._check_history(params)
        if state:
            self._check_changed(state, steps)
        return params, steps, state

    def _keep_values(self, state: State, params: Params) -> None:
        """A resume runs with the values its release began with: a value given now that
        differs from the recorded one is refused (never silently mixed: the tag would say
        one thing and the record another); derived values (date, previous version) are
        the recorded ones."""
        before = state.meta.get("params", {})
        given = [n for n, src in params.sources.items() if src.startswith("--") and n != "version"]
        if self.opts.date:
            given.append("date")
        env = {**os.environ, **self.opts.env, **params.env()}
        masker = Masker.from_env(env, self.opts.mask)
        changed = [
            (n, before.get(n), masker.mask(params.values.get(n) or ""))
            for n in given
            if masker.mask(params.values.get(n) or "") != (before.get(n) or "")
        ]
        if changed:
            what = "; ".join(
                f"{_flag(n)}: it began with {old!r}, this run gives {new!r}"
                for n, old, new in changed
            )
            raise ParamError(
                f"{self.rb.name} {self.version} began with other values ({what}). A resume "
                "runs with the values its release began with: run the same command without "
                "them (or with the recorded values), or start over with --new-attempt",
                path=str(self.paths.notebook),
            )
        for name, value in before.items():
            if name in params.values and name not in given and MASK not in str(value):
                params.values[name] = value

    def _check_blackout(self, state: State | None) -> None:
        """Refuse a release inside a blackout window unless overridden (not for contingency
        sections, drills, or a release that already began)."""
        if self.opts.section or self.opts.drill or state is not None:
            return
        from relbook.params.blackout import BlackoutError, check_blackout

        try:
            window = check_blackout(self.rb, self.opts.date, self.opts.override_blackout or None)
        except BlackoutError as e:
            if not self.opts.dry_run:
                raise
            self.ui.info(f"warning: {e}")
            return
        self.blackout = window.as_json() if window else None

    def _check_history(self, params: Params) -> None:
        """Refuse a version smaller than its Conventional Commits imply, and check the version
        files, before any step (warnings in a dry run; a contingency section is not checked)."""
        repo = self._repo_or_none()
        if not repo or self.opts.section:
            return
        try:
            self._check_version(repo, params)
        except RelbookError as e:
            if not self.opts.dry_run:
                raise
            self.ui.info(f"warning: {e}")

    def _check_version(self, repo: str, params: Params) -> None:
        from relbook.params.history import check_version, read_history

        values = params.values
        previous = values.get("previous_version")
        history = read_history(repo, values.get("previous_tag"), zero=(previous or "1")[0] == "0")
        verdict = check_version(
            values["version"], previous, history, self.opts.allow_bump, self.opts.bump_reason
        )
        self.version_check = verdict.as_json()
        if verdict.warning:
            self.ui.info(f"warning: {verdict.warning}")
        if verdict.override:
            reason = self.masker.mask(verdict.override["reason"])
            self.ui.info(f"version check overridden: {verdict.actual} bump allowed ({reason})")
        if any(p.kind == "instruction" for s in self.rb.steps for p in s.parts):
            from relbook.params.bump import plan_bump

            plan_bump(repo, values["version"], self.rb.front_matter, previous)

    def _repo_or_none(self) -> str | None:
        return self.repo if (Path(self.repo) / ".git").exists() else None

    def _check_changed(self, state: State, steps: list[Step]) -> None:
        before = state.meta.get("step_hashes", {})
        changed = [s for s in steps if s.id in before and before[s.id] != step_hash(s)]
        if changed and not self.opts.allow_changed:
            where = "; ".join(f"{self.rb.path}:{s.line} {s.id}" for s in changed)
            raise RelbookError(
                f"the runbook changed since this release began: {where}. "
                "Review the changes, then re-run with --allow-changed"
            )

    # -- main loop -----------------------------------------------------------
    def run(self) -> RunResult:
        """Run the planned steps, recording each; returns the exit code."""
        from relbook.run.ci import job_finished, job_steps

        self.locate()
        if self.opts.dry_run:
            params, steps, _ = self._bind()
            return self._dry_run(steps)
        with signals.stopping_signals(), self.lock():
            try:
                steps = self.begin()
                for n, step in job_steps(self, steps):
                    self.execute(step, n, len(steps))
            except (Paused, Interrupted, StepFailed) as e:
                self.close({Paused: "paused", Interrupted: "interrupted"}.get(type(e), "failed"))
                raise
            except RecordError as e:
                if not self._abandon():
                    raise
                raise RecordError(  # the record cannot be written (disk full, ...)
                    f"{e.msg}; relbook stopped and started no further step. Make room, "
                    "then run the same command to resume",
                    path=e.path,
                    line=e.line,
                ) from None
            except KeyboardInterrupt:  # Ctrl-C at a prompt (a running step is handled inside)
                self.close("interrupted")
                raise
            except BaseException:
                self._abandon()
                raise
            self.close()
        ok = self.state.result == "done" or job_finished(self.opts.job, self.state, steps)
        return RunResult(0 if ok else 1, self.paths.notebook, self.state)

    def lock(self) -> AbstractContextManager[None]:
        """The locks a run holds: its repository's and its record's (see record.lock)."""
        from relbook.record.lock import release_lock

        if self.paths is None:
            self.locate()
        return release_lock(
            self.paths.lock, repo=self.repo, runbook=self.rb.name, version=self.version
        )

    def _bind(self) -> tuple[Params, list[Step], State | None]:
        params, steps, state = self.prepare()
        self.computed = checked_variables(self.rb, params)  # the whole runbook, up front
        env = {**os.environ, **self.opts.env, **params.env(), **self.computed.env}
        self.masker = Masker.from_env(env, self.opts.mask)
        self.env = env
        self.params = params
        self.steps_info = {s.id: self._info(s, params) for s in self.rb.steps}
        return params, steps, state

    def begin(self) -> list[Step]:
        """Bind parameters, check the repo, open (or resume) the record; the caller
        holds the release lock. Returns the planned steps."""
        if self.paths is None:
            self.locate()
        params, steps, state = self._bind()
        if state is None:
            self._check_repo()
        self._open_journal(params, steps, state)
        self._restore_session()
        self.ui.info(f"record: {self.paths.notebook}")
        return steps

    def execute(self, step: Step, n: int, total: int) -> Outcome | None:
        """Run one planned step unless the record shows it finished; raises StepFailed,
        Paused or Interrupted (after recording) when the run must stop."""
        done = self.state.outcomes.get(step.id)
        if done and done.status.finished:
            return done
        self._run_step(n, total, step)
        return self.state.outcomes.get(step.id)

    def close(self, result: str = "") -> None:
        """Write the final record: `result`, or done/incomplete from the outcomes."""
        self._finish(result or ("done" if self._all_finished() else "incomplete"))

    def settle(self, status: Status, reason: str) -> list[Outcome]:
        """Close the record of a run whose process died without closing it: the steps it
        was running get `status` and `reason`, and the run ends as failed. The caller
        holds the release lock; returns the outcomes recorded."""
        if self.paths is None:
            self.locate()
        events = read_journal(self.paths.journal)
        if not events or replay(events).result != "running":
            return []
        self._bind()
        self.journal = Journal(self.paths.journal, events)
        self.output_log = OutputLog(self.paths.logs / "output.log")
        self.state = replay(events)
        lost = []
        for step_id, started in _left_running(events).items():
            step = self.rb.step(step_id)
            if step is None:
                continue
            outcome = self._base_outcome(step)
            outcome.status, outcome.reason, outcome.started = status, reason, started
            outcome.duration = _seconds_since(started)
            span = _lost_output(self.output_log.path, step_id)
            if span:
                outcome.output = _read_span(self.output_log.path, span)
                outcome.log = str(self.output_log.path.relative_to(self.paths.base))
                outcome.extra["log_bytes"] = list(span)
            self._record(outcome)
            lost.append(outcome)
        self._finish("failed")
        return lost

    def abandon(self) -> bool:
        """Stop without writing to the record again (it cannot be written, or the run
        broke); False if the record was never opened."""
        return self._abandon()

    def _abandon(self) -> bool:
        """Close the journal without writing to it; False if it was never opened."""
        if not self.journal:
            return False
        try:
            self.journal.close()
        except RelbookError:
            pass
        self.journal = None
        self.output_log.close()
        return True

    def _all_finished(self) -> bool:
        return all(
            (o := self.state.outcomes.get(s)) is not None and o.status.finished
            for s in self.state.plan
        )

    def _check_repo(self) -> None:
        repo = self._repo_or_none()
        if not repo:
            return
        _exclude_records(Path(repo), Path(self.opts.records))
        from relbook.params.gitfacts import head_facts

        # the begin record reads these facts too; nothing runs in between
        self.head_at_start = head_facts(repo)
        if self.head_at_start["dirty"] == "yes" and not self.opts.allow_dirty:
            raise RelbookError(
                f"{repo} has uncommitted changes; the runbook may commit them "
                "(it runs `git add .`). Commit or stash them, or pass --allow-dirty"
            )

    def _open_journal(self, params: Params, steps: list[Step], state: State | None) -> None:
        events = state.events if state else []
        self.journal = Journal(self.paths.journal, events)
        self.output_log = OutputLog(self.paths.logs / "output.log")
        ids = [s.id for s in steps]
        if state is None:
            self.journal.append(
                {"event": "begin", "time": now_iso(), "meta": self._meta(params), "plan": ids},
                sync=True,
            )
        else:
            self._note_lost_attempts(state)
            self.journal.append(
                {
                    "event": "resume",
                    "time": now_iso(),
                    "operator": self.operator,
                    "section": self.opts.section,
                    **({"ci": dict(self.opts.ci)} if self.opts.ci else {}),
                },
                sync=True,
            )
            new = [i for i in ids if i not in state.plan]
            if new:
                self.journal.append({"event": "plan-add", "steps": new}, sync=True)
        self.state = replay(self.journal.events)
        for step_id in self.state.running:
            self.ui.info(f"step {step_id} was interrupted when relbook stopped last time")
            self._kill_leftovers(step_id)
        self._write(force=True)

    def _note_lost_attempts(self, state: State) -> None:
        """Steps that were running when relbook died: their attempt ends here, with
        what they printed and when they last printed it (the journal cannot know more)."""
        for step_id in state.running:
            event: dict[str, Any] = {"event": "attempt-lost", "step": step_id, "time": now_iso()}
            span = _lost_output(self.output_log.path, step_id)
            if span:
                event["log_bytes"] = list(span)
                event["output"] = self.masker.mask(_read_span(self.output_log.path, span)[-4096:])
                mtime = self.output_log.path.stat().st_mtime
                event["last_output"] = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(mtime))
            self.journal.append(event)

    def _kill_leftovers(self, step_id: str) -> None:
        """Processes of an interrupted step may still run (relbook was killed, not the
        step): find them by the step's token, stop them, and say so."""
        from relbook.engines import kill_marked

        token = next(
            (
                e.get("token", "")
                for e in reversed(self.journal.events)
                if e.get("event") == "start" and e.get("step") == step_id
            ),
            "",
        )
        killed = kill_marked(token) if token else []
        if killed:
            self.ui.info(f"  stopped what it left running: {', '.join(killed)}")
            self.journal.append({"event": "leftovers", "step": step_id, "killed": killed})

    def _meta(self, params: Params) -> dict[str, Any]:
        repo: dict[str, str] = {"path": self.repo}
        if self._repo_or_none():
            from relbook.params.gitfacts import head_facts

            repo.update(self.head_at_start or head_facts(self.repo))
        return {
            "runbook": {
                "path": self.rb.path,
                "name": self.rb.name,
                "title": self.rb.title,
                "sha256": self.rb.sha256,
            },
            "params": {k: self.masker.mask(v) for k, v in params.values.items() if v is not None},
            "operator": self.operator,
            "host": socket.gethostname(),
            "repo": repo,
            "started": now_iso(),
            "engine": self.opts.engine,
            "drill": self.opts.drill,
            "attempt": self.attempt,
            "step_hashes": {s.id: step_hash(s) for s in self.rb.steps},
            "override_blackout": self.opts.override_blackout if self.blackout else "",
            "blackout_window": self.blackout,
            "command": self.masker.mask(self.opts.command),
            **({"ci": dict(self.opts.ci)} if self.opts.ci else {}),
            "version_check": self.version_check,
        }

    def _finish(self, result: str) -> None:
        self.engine.close()
        if not self.journal:
            return
        head = ""
        if self._repo_or_none():
            from relbook.params.gitfacts import head_facts

            head = head_facts(self.repo).get("head", "")
        self.journal.append(
            {"event": "finish", "result": result, "time": now_iso(), "meta": {"head_after": head}},
            sync=True,
        )
        self.state = replay(self.journal.events)
        self._write(force=True)
        self.journal.close()
        self.journal = None
        self.output_log.close()

    def _write(self, force: bool = False) -> None:
        """Rewrite the notebook; between steps at most as often as it stays cheap."""
        now = time.monotonic()
        if not force and now - self.last_write < max(1.0, 10 * self.write_cost):
            return
        self.journal.sync()  # the notebook never shows what the journal could still lose
        self.writer.write(self.paths.notebook, self.state, self.steps_info)
        self.last_write = time.monotonic()
        self.write_cost = self.last_write - now

    def _record(self, outcome: Outcome) -> None:
        self._mask_outcome(outcome)
        # fsynced when the next step's bash starts, before anyone is asked, or at the end
        self.journal.append(
            {"event": "outcome", "time": now_iso(), "outcome": outcome_to_dict(outcome)}
        )
        self.state.outcomes[outcome.step_id] = outcome
        if outcome.step_id in self.state.running:
            self.state.running.remove(outcome.step_id)
        self._write(force=not outcome.status.finished)

    def _mask_outcome(self, o: Outcome) -> None:
        for name in ("text", "source", "output", "note", "reason"):
            setattr(o, name, self.masker.mask(getattr(o, name)))

    # -- one step ------------------------------------------------------------
    def _info(self, step: Step, params: Params) -> dict[str, Any]:
        return {
            "kind": step.kind.value,
            "text": self._text(step, params),
            "section": step.section,
            "line": step.line,
        }

    def fill(self, text: str, line: int, params: Params | None = None) -> str:
        """Runbook text at `line` with the parameter values filled in (for people)."""
        return render_text(
            text,
            params or self.params,
            path=self.rb.path,
            line=line,
            example=self.rb.example_version,
        )

    def bash(self, source: str, line: int) -> str:
        """A command at `line` as it runs: parameters expand from RELBOOK_* variables."""
        kw = {"path": self.rb.path, "example": self.rb.example_version, "computed": self.computed}
        return render_shell(source, self.params, line=line, **kw)

    def _text(self, step: Step, params: Params) -> str:
        try:
            return self.fill(step.text, step.line, params)
        except ParamError:
            return step.text

    def _base_outcome(self, step: Step) -> Outcome:
        return Outcome(
            step_id=step.id,
            kind=step.kind.value,
            status=Status.RUNNING,
            text=self._text(step, self.params),
            section=step.section,
            line=step.line,
            started=now_iso(),
            operator=self.operator,
            source_hash=step_hash(step),
        )

    def _run_step(self, n: int, total: int, step: Step) -> None:
        signals.check()  # a signal held back while the record was written stops here
        interrupted = step.id in self.state.running
        earlier = self.state.outcomes.get(step.id)
        outcome = self._base_outcome(step)
        self.ui.step_begin(n, total, step, outcome.text)
        why = self._not_applicable(step)
        if why:
            outcome.status, outcome.reason = Status.NOT_APPLICABLE, why
            return self._end(outcome)
        if interrupted and step.kind is Kind.SHELL and not self._rerun_ok(step):
            raise Paused(
                f"step {step.id} ({self.rb.path}:{step.line}) was interrupted; re-run it "
                "with --rerun-interrupted once you have checked its effects"
            )
        self.token = os.urandom(16).hex()  # marks the step's processes (found after a crash)
        self.journal.append(
            {"event": "start", "step": step.id, "time": outcome.started, "token": self.token}
        )
        if step.kind is Kind.SHELL:
            resuming = interrupted or earlier is not None
            self._run_in_session(step, outcome, resuming)
        else:
            self._apply_answer(outcome, self._answer(step, outcome.text))
        self._end(outcome)

    def _end(self, outcome: Outcome) -> None:
        self._record(outcome)
        self.ui.step_end(outcome)
        if outcome.extra.get("log_error"):
            raise RecordError(
                f"cannot write the step's log: {outcome.extra['log_error']}",
                path=str(self.paths.base / outcome.log),
            )
        if outcome.status is Status.INTERRUPTED:
            raise Interrupted("interrupted", signum=signals.received() or signal.SIGINT)
        if outcome.status in (Status.FAILED, Status.TIMEOUT):
            raise StepFailed(self._failure_message(outcome), returncode=outcome.exit_code or 1)
        if outcome.status is Status.PENDING:
            raise Paused(self._pause_message(outcome))

    def _prompt(self, ask: Any, *args: Any, **kw: Any) -> Any:
        """Wait for the operator where a stopping signal may interrupt."""
        with signals.interruptible():
            return ask(*args, **kw)

    def _rerun_ok(self, step: Step) -> bool:
        if self.opts.rerun_interrupted or self.opts.yes:
            return True
        return self.ui.interactive and self._prompt(
            self.ui.confirm, f"step {step.id} was running when relbook stopped. Re-run it?"
        )

    def _not_applicable(self, step: Step) -> str:
        kind = step.applies_to
        if not kind:
            return ""
        p = self.params.values
        actual = {
            "major": p["bump"],
            "minor": p["bump"],
            "patch": p["bump"],
            "hotfix": p["release_type"],
            "prerelease": p["release_type"],
        }[kind]
        if actual == kind:
            return ""
        label = p["bump"] if kind in ("major", "minor", "patch") else p["release_type"]
        return f"applies to {kind} releases; {p['version']} is a {label} release"

    # -- manual steps --------------------------------------------------------
    def _answer(self, step: Step, text: str, key: str = "", automation: str = "") -> Answer:
        given = self._given_answer(key or step.id, text)
        if given is not None:
            return given
        if self.opts.yes:
            if automation:
                return Answer(
                    Status.DONE,
                    automate=True,
                    by=self.operator,
                    note=f"automated by relbook (--yes): {automation}",
                )
            return Answer(
                Status.DONE,
                by=self.operator,
                note=f"confirmed non-interactively by {self.operator}",
            )
        if self.ui.interactive:
            self.journal.sync()  # what is done so far is on disk before a person is waited for
            shown = replace(step, details=tuple(self.fill(d, step.line) for d in step.details))
            return self._prompt(
                self.ui.ask, shown, text, signoff=step.kind is Kind.SIGNOFF, automation=automation
            )
        return Answer(Status.PENDING)

    def _given_answer(self, key: str, text: str) -> Answer | None:
        answers = self.opts.answers
        raw = answers.get(key)
        if raw is None:
            raw = next(
                (v for k, v in answers.items() if str(k).casefold() == text.casefold()), None
            )
        return None if raw is None else parse_answer(raw, key, self.operator)

    def _apply_answer(self, outcome: Outcome, answer: Answer) -> None:
        outcome.status = answer.status
        outcome.reason, outcome.note = answer.reason, answer.note
        if answer.by:
            outcome.operator = answer.by
        if answer.signer or (outcome.kind == "signoff" and answer.status is Status.DONE):
            outcome.signer = answer.signer or outcome.operator

    def _pause_message(self, o: Outcome) -> str:
        if "needs_say_so" in o.extra:
            why = "you declined to run it" if o.extra.get("declined") else "nobody could confirm it"
            return (
                f"{self.rb.path}:{o.line}: step {o.step_id!r} was not run: "
                f"{o.extra['needs_say_so']} and {why}. Run the same command when it may run "
                f"(you are asked again), or pass --yes, or --answers FILE with "
                f"{o.step_id}: run | 'skip: reason'."
            )
        waiting = o.extra.get("waiting_for") or {"key": o.step_id, "text": o.text, "line": o.line}
        what = "instruction" if "waiting_for" in o.extra else "manual step"
        return (
            f"{self.rb.path}:{waiting['line']}: waiting for {what} {waiting['key']!r}: "
            f"{waiting['text']}. Run on a terminal to answer it, or pass --answers FILE "
            f"(YAML: {waiting['key']}: done | 'skip: reason' | fail) or --yes; "
            "the same command resumes."
        )

    def _failure_message(self, o: Outcome) -> str:
        tail = "\n".join(o.output.rstrip().splitlines()[-10:])
        what = "timed out" if o.status is Status.TIMEOUT else f"exit status {o.exit_code}"
        hint = self.masker.mask(self.opts.command) or "the same relbook run command"
        return (
            f"{self.rb.path}:{o.failed_line or o.line}: step {o.step_id!r} failed ({what})"
            + (f"\n{tail}" if tail else "")
            + f"\nrecord: {self.paths.notebook}\nto resume after fixing it: {hint}"
        )

    # -- shell steps ---------------------------------------------------------
    def _run_shell(self, step: Step, outcome: Outcome, resuming: bool) -> None:
        if not self._allowed(step, outcome):
            return
        if step.done_if and self._check(step.done_if) == 0:
            outcome.status, outcome.reason = Status.ALREADY_DONE, f"done-if held: {step.done_if}"
            return
        sources: list[str] = []
        outputs: list[str] = []
        self.output_log.begin(
            f"==> {step.id} · {self.rb.path}:{step.line} · started {outcome.started} <==\n"
        )
        instructions: list[dict[str, Any]] = []
        outcome.status = Status.DONE
        for segment in _segments(step.parts):
            if segment[0].kind == "instruction":
                if not self._instruction(step, segment[0], instructions, sources, outcome):
                    break
                continue
            script, line_map, marks = self._script(segment, resuming)
            sources.append(script)
            ex = self._execute(script, line_map, step, marks)
            outputs.append(ex.output)
            self._apply_execution(outcome, ex, line_map)
            if outcome.status is not Status.DONE:
                break
        outcome.source = "\n".join(sources)
        outcome.output = "".join(outputs)
        span = self.output_log.span()
        if span:
            outcome.log = str(self.output_log.path.relative_to(self.paths.base))
            outcome.extra["log_bytes"] = list(span)
        if instructions:
            outcome.extra["instructions"] = instructions

    def _allowed(self, step: Step, outcome: Outcome) -> bool:
        """Remote-touching or destructive steps need the operator's say-so."""
        risky = [c for c in step.commands if touches_remote(c.source) or is_destructive(c.source)]
        given = self._given_answer(step.id, outcome.text)
        if not risky or self.opts.yes or given:
            if given and given.status is not Status.DONE:
                self._apply_answer(outcome, given)
                return False
            return True
        lines = ", ".join(str(c.line) for c in risky)
        if self.ui.interactive:
            self.journal.sync()
            if self._prompt(
                self.ui.confirm,
                f"step {step.id} touches a remote or deletes something (lines {lines}). Run it?",
            ):
                return True
            outcome.extra["declined"] = True  # not now: the run stops here and asks again
        outcome.status = Status.PENDING
        outcome.extra["needs_say_so"] = f"it touches a remote or deletes something (lines {lines})"
        return False

    def _check(self, command: str) -> int:
        import subprocess

        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", command],
            cwd=self.repo,
            env=self.env,
            capture_output=True,
        ).returncode

    def _script(self, parts: list[Part], resuming: bool) -> tuple[str, list[int], list[int]]:
        """Bash for a run of commands (what runs is what the record shows), the
        script-line -> Markdown-line map, and the script lines where commands begin."""
        lines: list[str] = []
        line_map: list[int] = []
        marks: list[int] = []
        for part in parts:
            src = self.bash(part.source, part.line)
            guard = guard_for(src) if resuming else None
            if guard:
                src = guarded(src, guard, part.line, TRACE_FD_VAR)
            for comment in part.comment.split("\n") if part.comment else []:
                lines.append(f"# {comment}")
                line_map.append(part.line)
            marks.append(len(lines) + 1)
            for i, text in enumerate(src.split("\n")):
                lines.append(text)
                line_map.append(part.line + min(i, part.source.count("\n")))
        return "\n".join(lines), line_map, marks

    def _execute(
        self, script: str, line_map: list[int], step: Step, marks: list[int] | None = None
    ) -> Execution:
        shown: set[int] = set()

        def on_line(n: int) -> None:
            if 0 < n <= len(line_map) and line_map[n - 1] not in shown:
                shown.add(line_map[n - 1])
                self.ui.command(line_map[n - 1], self._display(step, line_map[n - 1]))

        return self.engine.run(
            script,
            env=self.env,
            cwd=self.repo,
            timeout=step.timeout or self.opts.timeout,
            log=self.output_log,
            masker=self.masker,
            on_output=self.ui.output,
            on_line=on_line,
            on_started=self.journal.sync_soon,  # the per-step fsync, while the step runs
            token=self.token,
            marks=marks,
        )

    def _display(self, step: Step, line: int) -> str:
        part = next((p for p in step.commands if p.line == line), None)
        if part is None:
            return ""
        text = self.fill(part.source, part.line)
        return self.masker.mask(text.split("\n")[0])

    def _apply_execution(self, outcome: Outcome, ex: Execution, line_map: list[int]) -> None:
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

        bumps, automation = self._bumps(part)
        key = f"{step.id}@{part.line}"
        fake = Step(
            id=key, kind=Kind.MANUAL, text=part.source, line=part.line, section=step.section
        )
        answer = self._answer(fake, part.source, key=key, automation=automation)
        diff = ""
        if answer.automate and not bumps:  # never recorded as done when nothing was done
            answer = Answer(Status.PENDING, reason="relbook cannot automate it: no version file")
        if answer.automate:
            apply_bump(bumps)
            diff = "".join(b.diff(self.repo) for b in bumps)
            for row in diff.splitlines():
                self.ui.info(f"    {row}")
        log.append(
            {
                "line": part.line,
                "text": part.source,
                "status": answer.status.value,
                "by": answer.by or self.operator,
                "note": answer.note,
                "reason": answer.reason,
                **({"diff": diff} if diff else {}),
            }
        )
        self.ui.info(
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

    # -- dry run -------------------------------------------------------------
    def _dry_run(self, steps: list[Step]) -> RunResult:
        total = len(steps)
        for n, step in enumerate(steps, 1):
            flags = []
            why = self._not_applicable(step)
            if why:
                flags.append(f"not applicable: {why}")
            if step.optional:
                flags.append("optional")
            self.ui.info(
                f"[{n}/{total}] {step.section} > {self._text(step, self.params)}"
                f"  ({self.rb.path}:{step.line})" + (f"  [{'; '.join(flags)}]" if flags else "")
            )
            for detail in step.details:
                self.ui.info(f"    - {self.fill(detail, step.line)}")
            for part in step.parts:
                self.ui.info(self._dry_part(part))
        self.ui.info("dry run: nothing was executed and no record was written")
        return RunResult(0, None)

    def _bumps(self, part: Part) -> tuple[list[Any], str]:
        """The version files an instruction about versions can bump, and how to say so."""
        from relbook.params.bump import about_versions, describe, plan_bump

        if not about_versions(part.source) or not self._repo_or_none():
            return [], ""

        values = self.params.values
        bumps = plan_bump(self.repo, values["version"], self.rb.front_matter,
                          values.get("previous_version"))  # fmt: skip
        return bumps, f"bump {describe(bumps, self.repo)}" if bumps else ""

    def _dry_part(self, part: Part) -> str:
        if part.kind == "instruction":
            bumps, automation = self._bumps(part)
            how = f"relbook can {automation}" if automation else "asked like a manual step"
            diff = "".join(b.diff(self.repo) for b in bumps)
            rows = [f"    ? {part.source}  ({self.rb.path}:{part.line}; {how})"]
            return "\n".join(rows + [f"      {row}" for row in diff.splitlines()])
        text = self.fill(part.source, part.line)
        marks = [
            m
            for m, hit in (
                ("remote", touches_remote(part.source)),
                ("destructive", is_destructive(part.source)),
            )
            if hit
        ]
        tag = f"  [{', '.join(marks)}]" if marks else ""
        return f"    $ {self.masker.mask(text)}{tag}  ({self.rb.path}:{part.line})"


def _check_journal_covers_notebook(paths: RecordPaths, state: State) -> None:
    """The notebook is written after the journal: a step it shows finished that the
    journal does not know means the journal lost events (cut short, replaced)."""
    from relbook.record import read_record

    if not paths.notebook.exists():
        return
    lost = [
        o.step_id
        for o in read_record(paths.notebook).outcomes
        if o.status.finished and not ((j := state.outcomes.get(o.step_id)) and j.status.finished)
    ]
    if lost:
        raise RecordError(
            f"the journal lacks steps its notebook shows finished ({', '.join(lost)}): it "
            "was cut short or replaced; relbook will not continue this record: restore "
            "the journal or move the record aside",
            path=str(paths.journal),
        )


def _flag(name: str) -> str:
    """The command-line option that gives parameter `name`."""
    return f"--{name}" if name in ("description", "date") else f"parameter {name}"


def _segments(parts: tuple[Part, ...]) -> list[list[Part]]:
    """Split a block's parts at instructions: runs of commands, and single instructions."""
    out: list[list[Part]] = []
    for part in parts:
        if part.kind == "instruction":
            out.append([part])
        elif out and out[-1][0].kind == "command":
            out[-1].append(part)
        else:
            out.append([part])
    return out


def parse_answer(raw: Any, key: str, operator: str) -> Answer:
    """An answers-file value: done | 'skip: reason' | fail | {status:, reason:, note:, signer:}."""
    if isinstance(raw, bool):
        return Answer(Status.DONE if raw else Status.FAILED, by=operator)
    if isinstance(raw, dict):
        answer = parse_answer(str(raw.get("status", "done")), key, operator)
        answer.reason = str(raw.get("reason", answer.reason) or "")
        answer.note = str(raw.get("note", "") or "")
        answer.signer = str(raw.get("signer", "") or "")
        if answer.status is Status.SKIPPED and not answer.reason:
            raise RelbookError(f"answers: {key}: a skip needs a reason")
        return answer
    word, _, rest = str(raw).partition(":")
    word, rest = word.strip().lower(), rest.strip()
    if word in ("done", "yes", "ok", "confirmed", "run", "automate"):
        return Answer(Status.DONE, note=rest, by=operator, automate=word == "automate")
    if word == "skip":
        if not rest:
            raise RelbookError(f"answers: {key}: a skip needs a reason ('skip: reason')")
        return Answer(Status.SKIPPED, reason=rest, by=operator)
    if word in ("fail", "failed", "no"):
        return Answer(Status.FAILED, reason=rest or "answered fail", by=operator)
    raise RelbookError(f"answers: {key}: {raw!r} is not done, 'skip: reason' or fail")


def load_answers(path: str) -> dict[str, Any]:
    """Read an answers YAML file (step id or text -> answer)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise RelbookError(f"cannot read answers: {e.strerror}", path=path) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RelbookError(
            f"answers: {getattr(e, 'problem', 'invalid YAML')}",
            path=path,
            line=mark.line + 1 if mark else 0,
        ) from None
    if not isinstance(data, dict):
        raise RelbookError("answers must be a mapping: step id or text -> answer", path=path)
    return {str(k): v for k, v in data.items()}


def _exclude_records(repo: Path, records: Path) -> None:
    """Keep a records directory inside the repo, and notebooks relbook wrote there, out of
    `git add .` and the dirty check (.git/info/exclude)."""
    from relbook.record.exclude import exclude, exclude_own_notebooks

    exclude(repo, records, directory=True)
    exclude_own_notebooks(repo)


def _left_running(events: list[dict[str, Any]]) -> dict[str, str]:
    """Steps started since the run last began or resumed and never given an outcome."""
    running: dict[str, str] = {}
    for e in events:
        kind = e.get("event")
        if kind in ("begin", "resume"):
            running.clear()
        elif kind == "start":
            running[e["step"]] = e.get("time", "")
        elif kind == "outcome":
            running.pop(e["outcome"].get("step_id", ""), None)
    return running


def _seconds_since(stamp: str) -> float:
    from datetime import datetime

    try:
        return max(0.0, time.time() - datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").timestamp())
    except ValueError:
        return 0.0


def _lost_output(log: Path, step_id: str, limit: int = 1 << 20) -> tuple[int, int] | None:
    """Byte range in the output log of what a step printed before its process died:
    everything after the step's last header (it was the last step writing)."""
    try:
        size = log.stat().st_size
        with open(log, "rb") as f:
            f.seek(max(0, size - limit))
            base = f.tell()
            data = f.read()
    except OSError:
        return None
    at = data.rfind(f"==> {step_id} · ".encode())
    if at < 0:
        return None
    start = data.find(b"\n", at)
    return None if start < 0 else (base + start + 1, size)


def _read_span(log: Path, span: tuple[int, int]) -> str:
    with open(log, "rb") as f:
        f.seek(span[0])
        return f.read(span[1] - span[0]).decode("utf-8", "replace")
