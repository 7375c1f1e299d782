"""Run a release: plan the steps, ask the operator, execute, record, resume.

`Runner` is the facade: it wires `Preflight` (checks before anything runs),
`Recorder` (the record), `AnswerPolicy` and `RiskGate` (answers and say-so),
`StepRunner` (one step, through an `Engine`) and `RunHooks` (the drill's seam).
`drive()` runs the steps and maps how the run stopped to its result and exit status.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relbook import engines  # its modules load on first use (a dry run opens only outputlog)
from relbook.errors import ParamError
from relbook.model import Outcome, Runbook, Status, Step
from relbook.params import Computed, Params, parse_version, render_shell, render_text
from relbook.params.check import checked_variables
from relbook.params.told import told_text
from relbook.record import RecordPaths, State, read_journal, replay
from relbook.record.mask import Masker
from relbook.run import messages, signals
from relbook.run.answers import Answer, AnswerPolicy, RiskGate, load_answers, parse_answer
from relbook.run.ask import inputs
from relbook.run.drive import STOPS, drive, exit_code, stop_message
from relbook.run.dryrun import dry_run
from relbook.run.flow import operator_name, plan_steps, step_hash
from relbook.run.hooks import NoHooks, RunHooks
from relbook.run.options import UI, RunOptions, RunResult
from relbook.run.preflight import Preflight
from relbook.run.recorder import Recorder, left_running, lost_output, read_span, seconds_since
from relbook.run.recovery import repair_finished, report_staged

if TYPE_CHECKING:  # the engine, step execution and sign-offs load when a real run needs them
    from relbook.engines import Engine
    from relbook.run.undo import RefWatch

__all__ = [
    "STOPS",
    "UI",
    "Answer",
    "Runner",
    "RunHooks",
    "RunOptions",
    "RunResult",
    "drive",
    "exit_code",
    "load_answers",
    "operator_name",
    "parse_answer",
    "plan_steps",
    "step_hash",
    "stop_message",
]


class Runner:
    """One run of a release guide (`relbook run`, a notebook session, a drill pass)."""

    def __init__(
        self,
        rb: Runbook,
        opts: RunOptions,
        ui: UI,
        *,
        engine: Engine | None = None,
        hooks: RunHooks | None = None,
    ) -> None:
        self.rb, self.opts, self.ui = rb, opts, ui
        self.version = str(parse_version(opts.version))  # a bad version fails here, first
        self.repo = str(Path(opts.repo).resolve())
        if engine is not None:  # else the local engine, made when a step first needs it
            self.engine = engine
        self.hooks: RunHooks = hooks or NoHooks()
        self.preflight = Preflight(rb, opts, ui, self.repo, self.version)
        self.preflight.executes = engine is None  # an engine given runs nothing for real
        self.recorder: Recorder | None = None
        self.attempt = 0
        self.params: Params | None = None
        self.env: dict[str, str] = {}
        self.blackout: dict[str, Any] | None = None
        self.head_at_start: dict[str, str] | None = None  # git facts from the dirty check
        self.plan: list[Step] = []  # the planned steps, once begun
        self.refs: RefWatch | None = None  # the refs the run made, once begun
        self.computed: Computed | None = None  # variables of template expressions
        self.version_check: dict[str, Any] | None = None  # the version against its history
        self.allowed_changes = ""  # steps edited since the release began (--allow-changed)
        self.answers = AnswerPolicy(
            opts,
            ui,
            lambda: self.operator,
            hooks=self.hooks,
            sync=self._sync,
            fill=self.fill,
            resolve=rb.resolve,
        )
        self.gate = RiskGate(self.answers, opts, ui, self._sync)

    engine = cached_property(lambda self: _local_engine(self.repo))  # the four: made on first use
    operator = cached_property(lambda self: operator_name(self.opts.operator, self.repo))
    signoffs = cached_property(lambda self: _import("signoff").SignOffs(self))
    steps = cached_property(lambda self: _import("steps").StepRunner(self))

    # -- the record this run writes -------------------------------------------------------
    @property
    def paths(self) -> RecordPaths | None:
        return self.recorder.paths if self.recorder else None

    @property
    def state(self) -> State | None:
        return self.recorder.state if self.recorder else None

    @property
    def masker(self) -> Masker:
        return self.recorder.masker if self.recorder else Masker()

    def locate(self) -> RecordPaths:
        """Where this release's record is (a new attempt gets its own)."""
        paths, attempt = self.preflight.locate()
        return self.use_record(paths, attempt)

    def use_record(self, paths: RecordPaths, attempt: int) -> RecordPaths:
        """Write the record at `paths` (a drill keeps its records apart)."""
        self.recorder = Recorder(paths, hooks=self.hooks)
        self.attempt = attempt
        return paths

    def lock(self) -> AbstractContextManager[None]:
        """The locks a run holds: its repository's and its record's (see record.lock)."""
        from relbook.record.lock import release_lock

        paths = self.paths or self.locate()
        return release_lock(paths.lock, repo=self.repo, runbook=self.rb.name, version=self.version)

    # -- set-up --------------------------------------------------------------------------
    def prepare(self) -> tuple[Params, list[Step], State | None]:
        """Bind parameters, find an earlier record, and plan the steps."""
        if self.paths is None:
            self.locate()
        got = self.preflight.prepare(self.paths, self.attempt)
        self.blackout = got.blackout
        self.version_check = got.version_check
        self.allowed_changes = got.allowed_changes
        return got.params, got.steps, got.state

    def bind(self) -> tuple[Params, list[Step], State | None]:
        """prepare(), then the run's environment, masker and what the record shows of steps."""
        params, steps, state = self.prepare()
        self.computed = checked_variables(self.rb, params)  # the whole runbook, up front
        env = {**os.environ, **self.opts.env, **params.env(), **self.computed.env}
        self.recorder.masker = Masker.from_env(env, self.opts.mask)
        self.env = env
        self.params = params
        if inputs(self, params, steps, state):  # run parameters asked on the terminal
            self.env = {**env, **params.env()}
            self.recorder.masker = Masker.from_env(self.env, self.opts.mask)
        self.recorder.steps_info = {s.id: self._info(s) for s in self.rb.steps}
        return params, steps, state

    def begin(self) -> list[Step]:
        """Bind parameters, check the repo, open (or resume) the record; the caller
        holds the release lock. Returns the planned steps."""
        if self.paths is None:
            self.locate()
        self.signoffs.operator_identity()  # --signer NAME is the operator's, before anything
        self.signoffs.check_allowed()  # and the allowed_signers the runbook names is there
        params, steps, state = self.bind()
        ids = [s.id for s in steps]
        if state is None:
            self.head_at_start = self.preflight.check_repo()
            self.recorder.begin(self._meta(params), ids)
        else:
            self.recorder.resume(state, ids, self.operator, self.opts.section, self.opts.ci)
            if self.allowed_changes:
                why = f"steps edited since the release began: {self.allowed_changes}"
                self.recorder.override("--allow-changed", why)
        for step_id in self.state.running:
            self.ui.info(f"step {step_id} was interrupted when relbook stopped last time")
            self._kill_leftovers(step_id)
        if self.state.running and self.preflight.git_repo():
            report_staged(self.repo, self.ui, self.recorder.journal)
        self.recorder.write(force=True)
        if hasattr(self.engine, "session"):
            _import("session").restore_session(self)
        self.refs = _import("undo").watch_refs(self)  # what the run made: never undone (run.undo)
        self.ui.info(f"record: {messages.here(self.paths.notebook)}")
        self.plan = steps
        return steps

    # -- the run -------------------------------------------------------------------------
    def run(self) -> RunResult:
        """The whole run (or the dry run): takes the lock, drives every planned step."""
        self.locate()
        if self.opts.dry_run:
            _, steps, _ = self.bind()
            return dry_run(self, steps)
        with signals.stopping_signals(), self.lock():
            return self.repair() or drive(self)

    def repair(self) -> RunResult | None:
        """A finished release whose last notebook write failed gets its notebook rewritten
        from the journal (recovery.repair_finished); the caller holds the locks."""
        paths = self.paths or self.locate()
        if self.opts.section or self.opts.new_attempt or self.opts.dry_run:
            return None
        state = repair_finished(paths, self.rb, self.recorder.writer, self.ui)
        return RunResult(0, paths.notebook, state) if state else None

    def execute(self, step: Step, n: int, total: int) -> Outcome | None:
        """Run one planned step unless the record shows it finished; raises StepFailed,
        Paused or Interrupted (after recording) when the run must stop."""
        done = self.state.outcomes.get(step.id)
        if done and done.status.finished:
            return done
        self.hooks.before_step(step)
        self.steps.run_step(n, total, step)
        return self.state.outcomes.get(step.id)

    def natural_result(self) -> str:
        """done when every planned step finished, else incomplete."""
        return "done" if self.recorder.all_finished() else "incomplete"

    def close(self, result: str = "") -> None:
        """Write the final record: `result`, or done/incomplete from the outcomes."""
        _stop_engine(self, settle=True)
        if self.recorder is None or not self.recorder.opened:
            return
        result = result or self.natural_result()
        head = ""
        if self.preflight.git_repo():
            from relbook.params.gitfacts import head_commit

            head = head_commit(self.repo)
        self.recorder.finish(result, head)

    def abandon(self) -> bool:
        """Stop without writing to the record again (it cannot be written, or the run
        broke), and stop the engine's shell; False if the record was never opened."""
        _stop_engine(self)
        return self.recorder.abandon() if self.recorder else False

    def settle(self, status: Status, reason: str) -> list[Outcome]:
        """Close the record of a run whose process died without closing it: the steps it
        was running get `status` and `reason`, and the run ends as failed. The caller
        holds the release lock; returns the outcomes recorded."""
        if self.paths is None:
            self.locate()
        events = read_journal(self.paths.journal)
        if not events or replay(events).result != "running":
            return []
        self.bind()
        self.recorder.open(events)
        log = self.recorder.output_log.path
        lost = []
        for step_id, started in left_running(events).items():
            step = self.rb.step(step_id)
            if step is None:
                continue
            outcome = self.steps.base_outcome(step)
            outcome.status, outcome.reason, outcome.started = status, reason, started
            outcome.duration = seconds_since(started)
            span = lost_output(log, step_id)
            if span:
                outcome.output = read_span(log, span)
                outcome.log = self.recorder.log_path()
                outcome.extra["log_bytes"] = list(span)
            self.recorder.record(outcome)
            lost.append(outcome)
        self.close("failed")
        return lost

    # -- text for people and for bash ----------------------------------------------------
    def fill(self, text: str, line: int, params: Params | None = None) -> str:
        """Runbook text at `line` with the parameter values filled in (for people)."""
        return render_text(
            told_text(self.rb.placeholders, text, line, (params or self.params).known()),
            params or self.params,
            path=self.rb.path,
            line=line,
            example=self.rb.example_version,
        )

    def bash(self, source: str, line: int) -> str:
        """A command at `line` as it runs: parameters expand from RELBOOK_* variables."""
        return render_shell(
            told_text(self.rb.placeholders, source, line, self.params.known()),
            self.params,
            path=self.rb.path,
            line=line,
            example=self.rb.example_version,
            computed=self.computed,
        )

    def text(self, step: Step) -> str:
        """A step's text with the values filled in (as written if they cannot be)."""
        try:
            return self.masker.mask(self.fill(step.text, step.line))
        except ParamError:
            return step.text

    def git_repo(self) -> str | None:
        """The repository, when it is a git work tree."""
        return self.preflight.git_repo()

    # -- helpers --------------------------------------------------------------------------
    def _sync(self) -> None:
        """Before a person is waited for: the journal on disk, the notebook up to date."""
        self.recorder.write(force=True)

    def _info(self, step: Step) -> dict[str, Any]:
        return {
            "kind": step.kind.value,
            "text": self.text(step),
            "section": step.section,
            "line": step.line,
        }

    def _kill_leftovers(self, step_id: str) -> None:
        """Processes of an interrupted step may still run (relbook was killed, not the
        step): find them by the step's token, stop them, and say so."""
        token = self.recorder.token_of(step_id)
        killed = engines.kill_marked(token) if token else []
        if killed:
            self.ui.info(f"  stopped what it left running: {', '.join(killed)}")
            self.recorder.leftovers(step_id, killed)

    def _meta(self, params: Params) -> dict[str, Any]:
        repo: dict[str, str] = {"path": self.repo}
        if self.git_repo():
            from relbook.params.gitfacts import head_facts

            repo.update(self.head_at_start or head_facts(self.repo))
        mask = self.masker.mask
        return {
            "runbook": {
                "path": self.rb.path,
                "name": self.rb.name,
                "title": self.rb.title,
                "sha256": self.rb.sha256,
            },
            "params": {k: mask(v) for k, v in params.values.items() if v is not None},
            "operator": self.operator,
            "host": os.uname().nodename,  # socket.gethostname(), without importing socket
            "repo": repo,
            "started": _now(),
            "engine": self.opts.engine,
            "drill": self.opts.drill,
            "attempt": self.attempt,
            "step_hashes": {s.id: step_hash(s) for s in self.rb.steps},
            "override_blackout": self.opts.override_blackout if self.blackout else "",
            "blackout_window": self.blackout,
            "overrides": overrides(self.opts, self.blackout, repo, self.version_check),
            "command": mask(self.opts.command),
            **({"ci": dict(self.opts.ci)} if self.opts.ci else {}),
            "version_check": self.version_check,
        }


def overrides(
    opts: RunOptions, blackout: Any, repo: dict[str, str], version_check: Any = None
) -> list[dict[str, str]]:
    """What this run was told to let through, each said in the record: never a quiet bypass
    (later ones, and the say-so for risky steps, are added by record.overrides)."""
    from relbook.params.blackout import today

    out = []
    if blackout and opts.override_blackout:
        why = f"inside the blackout window {blackout.get('start', '')}..{blackout.get('end', '')}"
        out.append({"what": f"--override-blackout {opts.override_blackout!r}", "why": why})
    if opts.allow_dirty and repo.get("dirty") == "yes":
        out.append({"what": "--allow-dirty", "why": "the repository had uncommitted changes"})
    day = today().isoformat()
    if opts.date and opts.date != day:
        why = f"not today ({day}): it set the date parameter only; the blackout check used today"
        out.append({"what": f"--date {opts.date}", "why": why})
    over = (version_check or {}).get("override")
    if over:
        why = f"{over.get('bump', '')} allowed: {over.get('reason', '')}"
        why += f" (history: {version_check.get('why', '')})"
        out.append({"what": f"--allow-bump {over.get('bump', '')}", "why": why,
                    "kind": "version-check"})  # fmt: skip
    return out


def _import(name: str) -> Any:
    """relbook.run.`name`, imported when a real run first needs it."""
    return import_module(f"relbook.run.{name}")


def _stop_engine(runner: Runner, settle: bool = False) -> None:
    """Stop the engine's shell, if the run made or was given one; with `settle`, first
    withdraw the steps still queued and journal them (run.pipeline)."""
    opened = runner.recorder is not None and runner.recorder.opened
    if settle and opened and "steps" in runner.__dict__:
        runner.steps.lookahead.settle()
    if "engine" in runner.__dict__:
        runner.engine.close()


def _local_engine(repo: str) -> Engine:
    shellsession = _import("shellsession")
    engine = shellsession.SessionEngine(engines.LocalEngine(), repo)  # one session for all steps
    engine.interruptible = signals.interruptible  # a stopping signal may end a step's wait
    return engine


def _now() -> str:
    from relbook.record import now_iso

    return now_iso()
