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
from relbook.drill.sandbox import Sandbox
from relbook.drill.scenario import Action, Expectation, Fault, Scenario
from relbook.errors import Interrupted, Paused, RelbookError, StepFailed
from relbook.model import Kind, Outcome, Runbook, Status, Step
from relbook.record import RecordPaths
from relbook.run import Runner, RunOptions, drive

MODES = ("execute", "tabletop")


def _command_fault(drill: Drill, fault: Fault) -> None:
    """A command of the step fails (or is slow): the sandbox's shims follow a rule."""
    if fault.command:
        drill.rules.append(_rule(fault))
    elif fault.kind == "slow":  # no command named: the step itself starts late
        time.sleep(fault.seconds)


def _push_rejected(drill: Drill, fault: Fault) -> None:
    drill.box.reject_pushes(_ref_patterns(fault.ref), fault.message or "push rejected")


def _manual_fail(drill: Drill, fault: Fault) -> None:
    drill.answers[fault.at] = {"status": "fail", "reason": fault.reason or "answered fail"}


# fault kind -> how the drill injects it into the sandbox (tabletop drills only tell)
FAULTS: dict[str, Callable[[Drill, Fault], None]] = {
    "command-fails": _command_fault,
    "slow": _command_fault,
    "push-rejected": _push_rejected,
    "tag-exists": lambda drill, fault: drill._make_tag(fault),
    "manual-fail": _manual_fail,
}


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
        self.isolated, self.network = False, ""  # set by _check_network when the drill runs
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
        self._check_network()
        self.box = self._sandbox(scenario)
        try:
            return self._run_in_sandbox(scenario)
        finally:
            if self.opts.keep:
                self._mask_kept()
            else:
                self.box.remove()

    def _check_network(self) -> None:
        """Drill steps run without a network (a network namespace with only loopback);
        where that cannot be made, `network` says why and the drill says so."""
        if self.tabletop:
            self.network = "not needed: nothing executes"
            return
        from relbook.engines.netns import isolation

        why = isolation()
        self.isolated = not why
        self.network = (
            "isolated: steps run in a network namespace with only loopback"
            if self.isolated
            else f"NOT isolated ({why}): only the shims stand between the steps and the network"
        )

    def _mask_kept(self) -> None:
        """A kept sandbox's call log shows no secret (the shims log raw arguments)."""
        from relbook.record.mask import Masker

        masker = Masker.from_env({**os.environ, **self.box.env()})
        if masker.secrets and self.box.log.exists():
            text = self.box.log.read_text(encoding="utf-8", errors="surrogateescape")
            self.box.log.write_text(masker.mask(text), encoding="utf-8", errors="surrogateescape")

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
        report = self._report(main, response)
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

    def _make_tag(self, fault: Fault) -> None:
        ident = ["-c", "user.name=relbook drill", "-c", "user.email=drill@relbook.invalid"]
        for where in ("origin", "local") if fault.where == "both" else (fault.where,):
            if f"refs/tags/{fault.tag}" in self.box.refs(where):
                continue
            self.box.git(
                *ident, "tag", "-a", fault.tag, "-m", "Tagged by someone else", "HEAD", where=where
            )

    def tabletop_events(self, step: Step) -> dict[str, str] | None:
        """Tell the participants what happens at this step and take their response;
        the step's answer when an event stops the release there."""
        stop = None
        for injection in self.injected:
            if injection.step == step.id and not injection.response:
                self.ui.event(injection.fault.describe(), now=True)
                stop = self._tabletop_event(injection, step) or stop
        return stop

    def _tabletop_event(self, injection: Injection, step: Step) -> dict[str, str] | None:
        fault = injection.fault
        raw = self.answers.get(f"event:{fault.id}")
        if raw is None and self.ui.interactive:
            raw = self.ui.respond("What do you do?")
        if raw is None:
            raise Paused(
                f"{self.rb.path}:{step.line}: drill event {fault.id!r} at {step.id} needs an "
                f"answer: on a terminal, or in the answers file as `event:{fault.id}: <what "
                "you do, naming the section you run>`"
            )
        text, section = _event_answer(raw)
        injection.response = text
        injection.section = section or self._section_named(text)
        if not injection.section and self.ui.interactive and fault.stops:
            options = sorted({s.title for s in self.rb.sections if s.contingency})
            injection.section = self.ui.choose("Which section of the runbook do you run?", options)
        if fault.stops:
            note = f"response: {text}" + (
                f" (runs {injection.section})" if injection.section else ""
            )
            return {"status": "fail", "reason": f"drill event: {fault.describe()}", "note": note}
        return None

    def _section_named(self, text: str) -> str:
        from relbook.model import _norm

        folded = text.casefold()
        for s in self.rb.sections:
            if s.contingency and _norm(s.title) in folded:
                return s.title
        return ""

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
        if "@" in key:
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

    # -- scoring ----------------------------------------------------------------------------
    def _report(self, main: Flow, response: Flow) -> DrillReport:
        from relbook.drill.shims import simulated_commands

        detection = self._detection(main)
        checks = [self._check(e, main, response, detection) for e in self.scenario.expect]
        checks += [
            self._check(e, main, response, detection, implicit=True)
            for e in _implicit(self.scenario, self.tabletop)
        ]
        planned = list(self.rb.flow()) + (
            list(self.rb.section_steps(response.section)) if response.outcomes else []
        )
        return DrillReport(
            rb=self.rb,
            version=self.version,
            scenario=self.scenario,
            mode="tabletop" if self.tabletop else "execute",
            network=self.network,
            signoffs=self.signer.note if _has_signoffs(self.rb) else "",
            record=self.paths.notebook,
            scorecard=scorecard_path(self.paths),
            source=self.box.source,
            sandbox=self.box.root if self.opts.keep else None,
            main=main,
            response=response,
            injected=self.injected,
            detection=detection,
            checks=checks,
            total=time.monotonic() - self.started,
            simulated_steps=simulated_commands(self.rb),
            manual=_manual_without_automation(planned, main.outcomes + response.outcomes),
            paused=main.stopped
            if main.result == "paused"
            else response.stopped
            if response.result == "paused"
            else "",
        )

    def _detection(self, main: Flow) -> Detection | None:
        failed = next(
            (o for o in main.outcomes if o.status in (Status.FAILED, Status.TIMEOUT)), None
        )
        if failed is None:
            return None
        first = self.injected[0] if self.injected else None
        ended = (main.failed_at or time.monotonic()) - self.started
        return Detection(
            step=failed.step_id,
            line=failed.failed_line or failed.line,
            status=failed.status.value,
            elapsed=ended,
            after_fault=(ended - first.elapsed) if first else None,
            fault=first.fault.id if first else "",
        )

    def _check(
        self,
        e: Expectation,
        main: Flow,
        response: Flow,
        d: Detection | None,
        implicit: bool = False,
    ) -> Check:
        from relbook.drill.checks import check_expectation

        held, why = check_expectation(e, self, main, response, d)
        return Check(e, held, why, implicit)


def _event_answer(raw: Any) -> tuple[str, str]:
    if isinstance(raw, dict):
        return str(raw.get("response", raw.get("note", ""))), str(raw.get("section", "") or "")
    return str(raw), ""


def _rule(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "command": list(fault.command),
        "status": fault.status if fault.kind == "command-fails" else 0,
        "stderr": fault.stderr,
        "stdout": fault.stdout,
        "times": fault.times,
        "sleep": fault.seconds,
    }


def _ref_patterns(ref: str) -> list[str]:
    if ref in ("", "*") or ref.startswith("refs/"):
        return [ref or "*"]
    return [f"refs/heads/{ref}", f"refs/tags/{ref}"]


def _has_signoffs(rb: Runbook) -> bool:
    return any(s.kind is Kind.SIGNOFF for s in rb.steps)


def _implicit(s: Scenario, tabletop: bool) -> list[Expectation]:
    kinds = {e.kind for e in s.expect}
    out = []
    if not s.faults:  # a happy path: the outcomes must be right, not just the exit status
        out += [Expectation(k, "", 0) for k in ("not_blocked", "no_contingency", "kept")]
    if not kinds & {"result", "detected_at"}:
        stopping = any(f.stops for f in s.faults)
        out.append(
            Expectation("detected_at", "*", 0) if stopping else Expectation("result", "done", 0)
        )
    if s.response and "response" not in kinds:
        out.append(Expectation("response", "succeeded", 0))
    return out


def _manual_without_automation(
    steps: list[Step], outcomes: list[Outcome]
) -> list[tuple[str, str, int]]:
    """Manual steps and in-block instructions that a person still has to do."""
    automated = {
        f"{o.step_id}@{i['line']}"
        for o in outcomes
        for i in o.extra.get("instructions", [])
        if "automated" in str(i.get("note", ""))
    }
    out = []
    for s in steps:
        if s.kind in (Kind.MANUAL, Kind.SIGNOFF):
            out.append((s.id, s.text, s.line))
        for p in s.parts:
            if p.kind == "instruction" and f"{s.id}@{p.line}" not in automated:
                out.append((f"{s.id}@{p.line}", p.source, p.line))
    return out


def drill_paths(records: Path, runbook: str, version: str) -> RecordPaths:
    """A new record for every drill: records/drills/<runbook>/<version>-<timestamp>.*"""
    base = records / "drills" / runbook
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        stem = f"{version}-{stamp}" + (f"-{n}" if n > 1 else "")
        paths = RecordPaths(
            base / f"{stem}.ipynb",
            base / f"{stem}.journal.jsonl",
            base / f"{stem}.logs",
            base / f"{stem}.lock",
        )
        if not any(p.exists() for p in (paths.notebook, paths.journal, scorecard_path(paths))):
            return paths
    raise RelbookError(f"too many drills of {runbook} {version} this second", path=str(base))


def scorecard_path(paths: RecordPaths) -> Path:
    """The Markdown scorecard beside a drill record."""
    return paths.notebook.with_name(paths.notebook.name.replace(".ipynb", ".scorecard.md"))


def write_outputs(report: DrillReport) -> None:
    """Write the scorecard beside the record and append it to the record notebook."""
    import json

    import nbformat

    from relbook.drill.scorecard import render_scorecard, scorecard_data
    from relbook.record import write_notebook
    from relbook.record.files import write_atomic

    text = render_scorecard(report)
    write_atomic(report.scorecard, text.encode("utf-8"))
    nb = nbformat.reads(report.record.read_text(encoding="utf-8"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text, metadata={"relbook_drill": "scorecard"}))
    nb.metadata["relbook"]["drill_scorecard"] = json.loads(json.dumps(scorecard_data(report)))
    nb.metadata["relbook"]["digest"] = ""
    write_notebook(report.record, nb)
    lock = report.record.with_name(report.record.name.replace(".ipynb", ".lock"))
    if lock.exists():
        lock.unlink()
