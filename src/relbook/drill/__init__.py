"""Rehearse a release in a sandbox, with faults injected on purpose, and score it.

A drill clones the repository (or generates a demo one) into a temporary
sandbox whose `origin` is a bare repository beside it, replaces remote tools by
logging shims, runs the runbook's release flow there with the local engine,
injects the scenario's faults at their steps, runs the expected response
section once a fault is detected, and checks the scenario's expectations. In
tabletop mode nothing executes: participants walk through the steps, answer the
injected events, and every step is timed. Each drill writes its own record
under records/drills/ and a Markdown scorecard beside it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relbook.drill.data import Check, Detection, DrillOptions, DrillReport, Flow, Injection
from relbook.drill.faults import FAULTS
from relbook.drill.outputs import drill_paths, scorecard_path, write_outputs
from relbook.drill.sandbox import Sandbox, network_isolation
from relbook.drill.scenario import Action, Fault, Scenario
from relbook.drill.score import drill_report
from relbook.drill.tabletop import tabletop_events
from relbook.errors import Interrupted, Paused, RelbookError, StepFailed
from relbook.model import Kind, Outcome, Runbook, Status, Step
from relbook.run import Runner, RunOptions, drive

MODES = ("execute", "tabletop")

__all__ = [
    "FAULTS",
    "MODES",
    "Check",
    "Detection",
    "Drill",
    "DrillOptions",
    "DrillReport",
    "Flow",
    "Injection",
    "drill_paths",
    "scorecard_path",
    "write_outputs",
]


def _pass_result(runner: Runner) -> str:
    """done when every step of this pass finished, else incomplete."""
    state = runner.state
    done = all(
        (o := state.outcomes.get(s.id)) is not None and o.status.finished for s in runner.plan
    )
    return "done" if done else "incomplete"


class Drill:
    """One `relbook drill`: sandbox, runs, faults, expectations, scorecard."""

    def __init__(self, rb: Runbook, opts: DrillOptions, ui: Any) -> None:
        """`ui`: the drill's screen (relbook.ui.drill.DrillUI)."""
        self.rb, self.opts = rb, opts
        self.tabletop = opts.tabletop
        self.isolated, self.network = False, ""  # set by network_isolation when the drill runs
        self.ui = ui
        self.box: Sandbox | None = None
        self.injected: list[Injection] = []
        self.rules: list[dict[str, Any]] = []
        self.answers: dict[str, Any] = {}
        self.actions: list[Action] = []
        self.step_started = 0.0
        self.started = 0.0
        self.seen_calls = 0
        self.runner: Runner | None = None  # the pass running now
        self.section = ""  # its section ("" for the release flow)
        self.pushed: dict[str, str] = {}  # refs the run put on origin -> their last value

    # -- the whole drill ------------------------------------------------------------
    def run(self) -> DrillReport:
        """Run the drill; the sandbox is removed afterwards unless --keep."""
        from relbook.drill.scenario import find_scenario
        from relbook.run.safety import require_flow

        require_flow(self.rb)
        self.started = time.monotonic()
        scenario = find_scenario(self.opts.scenario, self.rb)
        self.isolated, self.network = network_isolation(self.tabletop)
        self.box = self._sandbox(scenario)
        try:
            return self._run_in_sandbox(scenario)
        finally:
            if self.opts.keep:
                self.box.mask_log()
            else:
                self.box.remove()

    def _sandbox(self, scenario: Scenario) -> Sandbox:
        from relbook.drill.sandbox import create_sandbox
        from relbook.drill.shims import REMOTE_TOOLS, simulated, step_commands
        from relbook.params import parse_version

        v = parse_version(self.opts.version)
        used = {n for s in self.rb.steps for n in step_commands(s)}
        simulate = set(REMOTE_TOOLS) | {n for n in used if simulated(n)}
        wrap = {f.command[0] for f in scenario.faults if f.command and not simulated(f.command[0])}
        return create_sandbox(self.opts.repo, (v.major, v.minor, v.patch), simulate, wrap)

    def _run_in_sandbox(self, scenario: Scenario) -> DrillReport:
        from relbook.params import bind

        params = bind(
            self.opts.version,
            self.opts.description,
            runbook=self.rb,
            repo=str(self.box.work),
            date=self.opts.date,
        )
        self.scenario = scenario.filled(params.values)
        self.version = params.values["version"]
        from relbook.drill.signer import drill_signer

        self.signer = drill_signer(self.box.root)  # sign-offs: the drill signs as itself
        self.paths = drill_paths(Path(self.opts.records), self.rb.name, self.version)
        self._announce()
        main = self._flow("")
        response = self._respond(main)
        report = drill_report(self, main, response)
        write_outputs(report)
        return report

    def _announce(self) -> None:
        s = self.scenario
        mode = "tabletop (nothing executes)" if self.tabletop else "sandbox run"
        where = (
            f"a clone of {self.box.source}" if self.box.source else "a generated demo repository"
        )
        self.ui.info(
            f"DRILL: {self.rb.title} {self.opts.version}, scenario {s.name} ({mode}; "
            f"network {self.network})"
        )
        if s.description:
            self.ui.info(f"  {s.description}")
        if self.tabletop:
            self.ui.info(f"  parameters from {where}; nothing is executed")
        else:
            self.ui.info(f"  sandbox: {self.box.root} ({where}; origin is a bare repository there)")

    # -- one pass of the runner -----------------------------------------------------------
    def _options(self, section: str, answers: dict[str, Any]) -> RunOptions:
        return RunOptions(
            version=self.opts.version,
            description=self.opts.description,
            repo=str(self.box.work),
            records=self.opts.records,
            yes=not self.tabletop,
            answers=answers,
            section=section,
            timeout=self.scenario.timeout,
            operator=self.opts.operator,
            date=self.opts.date,
            drill=True,
            env=self.box.env(),
            command=self.opts.command,
            params=self.opts.params,
            signing=self.signer.identity,
            allowed_signers=self.signer.allowed_signers,
        )

    def _flow(self, section: str, before: str = "") -> Flow:
        """Run the release flow (or a section) in the sandbox, faults injected on the way."""
        from relbook.engines.walkthrough import WalkthroughEngine

        answers = self._answers(section)
        engine = WalkthroughEngine() if self.tabletop else None
        opts = self._options(section, answers)
        runner = Runner(self.rb, opts, self.ui, engine=engine, hooks=self)
        if self.isolated:  # every step forks from a shell in a namespace with only loopback
            from relbook.engines.netns import wrapper

            runner.engine.wrapper = tuple(wrapper())  # the local engine's, under any wrapping
        runner.use_record(self.paths, 1)
        self.runner, self.section = runner, section

        def word(result: str) -> str:  # a pass is judged by its own steps
            result = _pass_result(runner) if result in ("done", "incomplete") else result
            return f"{before}; response {section}: {result}" if before else result

        flow = Flow(section)
        with runner.lock():
            result = drive(runner, result=word)
        e = result.error
        if isinstance(e, Interrupted):
            raise e
        if isinstance(e, (StepFailed, Paused)):
            flow.stopped, flow.failed_at = self._why_stopped(runner, e), time.monotonic()
            refused = any("refused" in o.extra for o in runner.state.outcomes.values())
            flow.result = "failed" if isinstance(e, StepFailed) else "paused"
            flow.result = "refused" if refused else flow.result  # a refusal fails the drill
            self.ui.info(self._stop_line(runner, flow))
        else:
            flow.result = _pass_result(runner)
        flow.outcomes = [
            runner.state.outcomes[s.id] for s in runner.plan if s.id in runner.state.outcomes
        ]
        return flow

    def _why_stopped(self, runner: Runner, e: RelbookError) -> str:
        pending = [
            o
            for o in runner.state.outcomes.values()
            if o.status is Status.PENDING and "refused" not in o.extra
        ]
        if not isinstance(e, Paused) or not pending:
            return str(e)
        o = pending[-1]
        return (
            f"{self.rb.path}:{o.line}: no answer for step {o.step_id!r} ({o.text}): answer on a "
            f"terminal, or give it in --answers FILE ({o.step_id}: done | 'skip: reason' | "
            "fail); each drill starts afresh"
        )

    def _stop_line(self, runner: Runner, flow: Flow) -> str:
        bad = [o for o in runner.state.outcomes.values() if not o.status.finished]
        if flow.result == "paused" or not bad:
            return f"DRILL: waiting: {flow.stopped.splitlines()[0]}"
        o = bad[-1]
        what = o.reason or (f"exit status {o.exit_code}" if o.exit_code is not None else "")
        return (
            f"DRILL: stopped at {o.step_id} ({self.rb.path}:{o.failed_line or o.line}): "
            f"{o.status.value}" + (f": {what}" if what else "")
        )

    def _answers(self, section: str) -> dict[str, Any]:
        """Answers for a pass: the drill's defaults, the scenario's, then the user's."""
        if self.tabletop:
            self.answers = dict(self.opts.answers)
            return self.answers
        steps = self.rb.section_steps(section) if section else self.rb.flow()
        base = {  # sign-offs are signed by the drill's own key (drill.signer), not answered
            s.id: "done: assumed done in the drill" for s in steps if s.kind is Kind.MANUAL
        }
        given = self.scenario.response_answers if section else self.scenario.answers
        self.actions = list(self.scenario.response_actions if section else self.scenario.actions)
        self.answers = {**base, **given, **self.opts.answers}
        return self.answers

    # -- faults ---------------------------------------------------------------------------
    def _inject(self, fault: Fault, step: Step) -> None:
        injection = Injection(fault, step.id, time.monotonic() - self.started)
        self.injected.append(injection)
        if self.tabletop:
            return  # told and answered when the participants reach the step
        self.ui.event(f"{fault.describe()} (fault {fault.id!r} injected)")
        inject = FAULTS.get(fault.kind)
        if inject:
            inject(self, fault)

    def tabletop_events(self, step: Step) -> dict[str, str] | None:
        """Tell the participants this step's events; the step's answer when one stops it."""
        return tabletop_events(self, step)

    # -- actions and outcomes -----------------------------------------------------------------
    def run_actions(self, key: str, env: dict[str, str]) -> None:
        """Run the scenario's actions for `key` (a step id or step-id@line) in the clone."""
        if self.tabletop:
            return
        for action in [a for a in self.actions if a.at == key]:
            self.ui.info(f"  (drill action from {self.scenario.path}:{action.line})")
            got = subprocess.run(
                ["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", action.run],
                cwd=self.box.work,
                env={**os.environ, **env, **self.box.env()},
                capture_output=True,
                text=True,
            )
            if got.returncode != 0:
                raise RelbookError(
                    f"scenario action failed (exit {got.returncode}): "
                    f"{(got.stderr or got.stdout).strip()}",
                    path=self.scenario.path,
                    line=action.line,
                )

    # -- the run's hooks (RunHooks) -----------------------------------------------------------
    def before_step(self, step: Step) -> None:
        """Inject the faults due at this step and run the scenario's actions for it."""
        self.step_started = time.monotonic()
        self.seen_calls = len(self.box.calls())
        if not self.section:
            for fault in self.scenario.faults:
                if fault.step == step.id:
                    self._inject(fault, step)
        self.run_actions(step.id, self.runner.env)
        self.box.set_state(step.id, self.rules)

    def answer_for(self, step: Step, key: str) -> Any | None:
        """Run the scenario's actions for an instruction; in tabletop mode, tell the
        participants this step's events (an event that stops the release fails it)."""
        if "#" in key:  # an instruction (`<step id>#<n>`)
            self.run_actions(key, self.runner.env)
        elif self.tabletop:
            return self.tabletop_events(step)
        return None

    def on_outcome(self, outcome: Outcome, mask: Callable[[str], str]) -> None:
        """Add the drill's view of a step to its outcome before it is recorded."""
        calls = [c for c in self.box.calls()[self.seen_calls :] if c.get("step") == outcome.step_id]
        sims = [mask(shlex.join(c["argv"])) for c in calls if c.get("simulated")]
        if sims:
            outcome.simulated = sims
        faults = [i.fault.id for i in self.injected if i.step == outcome.step_id]
        info: dict[str, Any] = {}
        if faults:
            info["faults"] = faults
        if calls:
            info["calls"] = [
                {
                    "argv": mask(shlex.join(c["argv"])),
                    "status": c.get("status"),
                    "fault": c.get("fault", ""),
                    "blocked": c.get("blocked", False),
                }
                for c in calls
            ]
        if info:
            outcome.extra["drill"] = info
        if outcome.kind != "shell" or self.tabletop:
            outcome.duration = round(time.monotonic() - self.step_started, 3)
        if outcome.kind == "shell" and not self.tabletop:
            self._note_pushed()

    def _note_pushed(self) -> None:
        """Remember the refs the run has put on origin (new or moved since the start)."""
        for name, oid in self.box.refs("origin").items():
            if self.box.baseline.get(name) != oid:
                self.pushed[name] = oid

    # -- response ------------------------------------------------------------------------
    def _respond(self, main: Flow) -> Flow:
        """Run (or walk through) the response section once the fault is detected."""
        section = self.scenario.response
        if self.tabletop:
            chosen = next((i.section for i in self.injected if i.section), "")
            section = chosen
        if not section or main.result != "failed" or not self.rb.section_steps(section):
            return Flow(section)
        self.ui.info(f"DRILL: fault detected; running the response section {section!r}")
        return self._flow(section, before=main.result)
