"""Drill scenarios: the faults to inject, the expected response, and what must
hold afterwards. Scenarios are YAML files; the built-in ones ship in
relbook/scenarios/<runbook>/ (and relbook/scenarios/ for any runbook).
The schema is described in docs/drills.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from relbook.drill.yamlfile import LineMap, read_yaml
from relbook.errors import RelbookError
from relbook.model import Kind, Runbook

FAULT_KINDS = ("command-fails", "push-rejected", "tag-exists", "slow", "manual-fail")
EXPECT_KINDS = ("result", "detected_at", "response", "tag", "branch", "file", "step", "called")
_TOP_KEYS = {
    "name",
    "title",
    "description",
    "runbook",
    "timeout",
    "answers",
    "actions",
    "faults",
    "response",
    "expect",
}
_FAULT_KEYS = {
    "id",
    "at",
    "kind",
    "command",
    "status",
    "stderr",
    "stdout",
    "times",
    "seconds",
    "ref",
    "message",
    "tag",
    "where",
    "reason",
    "event",
}
_EXPECT_KEYS = {"on", "present", "unchanged", "at", "contains", "status", "why"}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Fault:
    """Something that goes wrong on purpose, from step `at` on."""

    id: str
    kind: str
    at: str  # step id, or `<step-id>#<n>` for an instruction inside a shell block
    line: int
    command: tuple[str, ...] = ()
    status: int = 1
    stderr: str = ""
    stdout: str = ""
    times: int | None = None
    seconds: float = 0.0
    ref: str = "*"
    message: str = ""
    tag: str = "{{ tag }}"
    where: str = "origin"
    reason: str = ""
    event: str = ""

    @property
    def step(self) -> str:
        """The step the fault is injected at."""
        return re.split(r"[#@]", self.at, maxsplit=1)[0]

    @property
    def stops(self) -> bool:
        """True when the fault should make the run stop (a slow step need not)."""
        return self.kind != "slow"

    def describe(self) -> str:
        """What happens, in words (the tabletop event)."""
        if self.event:
            return self.event
        cmd = " ".join(self.command)
        err = f": {self.stderr.strip()}" if self.stderr.strip() else ""
        return {
            "command-fails": f"`{cmd}` fails with exit status {self.status}{err}",
            "push-rejected": f"the origin rejects the push ({self.message or 'rejected'})",
            "tag-exists": f"tag {self.tag} already exists on {self.where}",
            "slow": f"{'`' + cmd + '`' if cmd else 'this step'} takes {self.seconds:g}s longer"
            " than usual",
            "manual-fail": f"the step fails: {self.reason or 'answered fail'}",
        }[self.kind]


@dataclass(frozen=True)
class Action:
    """A change the scenario makes in the sandbox (the fix a person would apply)."""

    at: str
    run: str
    line: int


@dataclass(frozen=True)
class Expectation:
    """Something that must hold after the drill."""

    kind: str
    value: Any
    line: int
    opts: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """The expectation in words."""
        o = self.opts
        on = o.get("on", "origin" if self.kind in ("tag", "branch") else "local")
        if self.kind in ("tag", "branch"):
            if o.get("unchanged"):
                return f"{self.kind} {self.value} on {on} is unchanged"
            return f"{self.kind} {self.value} is {'' if o.get('present', True) else 'not '}on {on}"
        if self.kind == "file":
            where = f"{self.value} at {o['at']} on {on}" if o.get("at") else f"{self.value}"
            if "contains" in o:
                return f"{where} contains {o['contains']!r}"
            return f"{where} {'exists' if o.get('present', True) else 'does not exist'}"
        if self.kind == "step":
            return f"step {self.value} is {o.get('status', 'done')}"
        if self.kind == "called":
            return f"`{self.value}` was {'' if o.get('present', True) else 'not '}called"
        return {
            "result": f"the release flow ends {self.value}",
            "detected_at": f"the fault is detected at step {self.value}",
            "response": f"the response section {self.value}",
            "not_blocked": "no step is blocked or refused",
            "no_contingency": "no contingency step runs in the release flow",
            "kept": "every tag and branch the run put on origin is still there",
        }[self.kind]


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    title: str = ""
    description: str = ""
    runbook: str = ""
    timeout: float | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    faults: tuple[Fault, ...] = ()
    response: str = ""
    response_line: int = 0
    response_answers: dict[str, Any] = field(default_factory=dict)
    response_actions: tuple[Action, ...] = ()
    expect: tuple[Expectation, ...] = ()

    def filled(self, values: dict[str, Any]) -> Scenario:
        """The scenario with `{{ name }}` placeholders replaced by release parameters."""
        return _fill(self, values, self.path)


# -- finding and reading ---------------------------------------------------------


def builtin_dir() -> Path:
    """Where the shipped scenarios are."""
    from importlib import resources

    return Path(str(resources.files("relbook") / "drill" / "scenarios"))


def builtins(runbook: str) -> dict[str, Path]:
    """Built-in scenario name -> file, for the runbook named `runbook`."""
    base = builtin_dir()
    found = {p.stem: p for p in sorted(base.glob("*.yaml"))}
    found.update({p.stem: p for p in sorted((base / runbook).glob("*.yaml"))})
    return found


def find_scenario(spec: str, rb: Runbook) -> Scenario:
    """A scenario from a file path, or a built-in one by name (default happy-path)."""
    spec = spec or "happy-path"
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise RelbookError("no such scenario file", path=spec)
        return load_scenario(path, rb)
    known = builtins(rb.name)
    if spec not in known:
        raise RelbookError(
            f"no scenario {spec!r} for {rb.name}; built-in scenarios: "
            f"{', '.join(sorted(known))} (or give a YAML file)"
        )
    return load_scenario(known[spec], rb)


def load_scenario(path: Path, rb: Runbook) -> Scenario:
    """Read, validate and check a scenario file against the runbook."""
    data = read_yaml(path)
    scenario = _build(data, str(path))
    check_scenario(scenario, rb)
    return canonical(scenario, rb)


# -- building ----------------------------------------------------------------------


def _err(path: str, line: int, msg: str) -> RelbookError:
    return RelbookError(msg, path=path, line=line)


def _keys(m: LineMap, allowed: set[str], what: str, path: str) -> None:
    unknown = sorted(set(m) - allowed)
    if unknown:
        raise _err(
            path,
            m.line,
            f"unknown key {unknown[0]!r} in {what} (known: {', '.join(sorted(allowed))})",
        )


def _build(data: LineMap, path: str) -> Scenario:
    _keys(data, _TOP_KEYS, "scenario", path)
    response = data.get("response") or LineMap()
    if not isinstance(response, LineMap):
        raise _err(path, data.line, "response must be a mapping with section, answers, actions")
    _keys(response, {"section", "answers", "actions"}, "response", path)
    faults = [_fault(f, path, n) for n, f in enumerate(_list(data, "faults", path), 1)]
    _unique_ids(faults, path)
    timeout = data.get("timeout")
    if timeout is not None and not isinstance(timeout, int | float):
        raise _err(path, data.line, f"timeout must be a number of seconds, not {timeout!r}")
    return Scenario(
        name=str(data.get("name") or Path(path).stem),
        path=path,
        title=str(data.get("title") or ""),
        description=str(data.get("description") or "").strip(),
        runbook=str(data.get("runbook") or ""),
        timeout=float(timeout) if timeout is not None else None,
        answers=_answers(data, path),
        actions=tuple(_action(a, path) for a in _list(data, "actions", path)),
        faults=tuple(faults),
        response=str(response.get("section") or ""),
        response_line=response.line or data.line,
        response_answers=_answers(response, path),
        response_actions=tuple(_action(a, path) for a in _list(response, "actions", path)),
        expect=tuple(_expectation(e, path) for e in _list(data, "expect", path)),
    )


def _list(m: LineMap, key: str, path: str) -> list[LineMap]:
    items = m.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, LineMap) for i in items):
        raise _err(path, m.line, f"{key} must be a list of mappings")
    return items


def _answers(m: LineMap, path: str) -> dict[str, Any]:
    answers = m.get("answers") or {}
    if not isinstance(answers, dict):
        raise _err(path, m.line, "answers must be a mapping: step id -> answer")
    return {str(k): v for k, v in answers.items()}


def _fault(f: LineMap, path: str, n: int) -> Fault:
    _keys(f, _FAULT_KEYS, "fault", path)
    kind = str(f.get("kind", ""))
    if kind not in FAULT_KINDS:
        raise _err(path, f.line, f"fault kind {kind!r} is not one of {', '.join(FAULT_KINDS)}")
    if not f.get("at"):
        raise _err(path, f.line, "a fault needs `at`: the step id it happens at")
    command = f.get("command", "")
    if kind == "command-fails" and not command:
        raise _err(path, f.line, "a command-fails fault needs `command`, e.g. 'kubectl rollout *'")
    try:
        kw: dict[str, Any] = {
            "id": str(f.get("id") or kind),
            "kind": kind,
            "at": str(f["at"]),
            "line": f.line,
            "command": tuple(str(command).split()),
            "status": int(f.get("status", 0 if kind == "slow" else 1)),
            "times": int(f["times"]) if f.get("times") is not None else None,
            "seconds": float(f.get("seconds", 0)),
        }
    except (TypeError, ValueError) as e:
        raise _err(path, f.line, f"fault {n}: {e}") from None
    for key in ("stderr", "stdout", "ref", "message", "tag", "where", "reason", "event"):
        if key in f:
            kw[key] = str(f[key])
    if kw.get("where", "origin") not in ("origin", "local", "both"):
        raise _err(path, f.line, "where must be origin, local or both")
    return Fault(**kw)


def _unique_ids(faults: list[Fault], path: str) -> None:
    seen: set[str] = set()
    for f in faults:
        if f.id in seen:
            raise _err(path, f.line, f"two faults with id {f.id!r}: give each its own `id`")
        seen.add(f.id)


def _action(a: LineMap, path: str) -> Action:
    _keys(a, {"at", "run"}, "action", path)
    if not a.get("at") or not a.get("run"):
        raise _err(path, a.line, "an action needs `at` (step id or step-id@line) and `run` (bash)")
    return Action(str(a["at"]), str(a["run"]), a.line)


def _expectation(e: LineMap, path: str) -> Expectation:
    subjects = [k for k in e if k in EXPECT_KINDS]
    if len(subjects) != 1:
        raise _err(
            path,
            e.line,
            f"an expectation names exactly one of {', '.join(EXPECT_KINDS)}",
        )
    kind = subjects[0]
    _keys(e, _EXPECT_KEYS | {kind}, f"{kind} expectation", path)
    opts = {k: v for k, v in e.items() if k != kind}
    if opts.get("on", "origin") not in ("origin", "local"):
        raise _err(path, e.line, "on must be origin or local")
    value = e[kind]
    if kind == "response" and value not in ("succeeded", "failed", "not-run"):
        raise _err(path, e.line, "response must be succeeded, failed or not-run")
    return Expectation(kind, str(value), e.line, opts)


# -- checking against the runbook -----------------------------------------------------


def check_scenario(s: Scenario, rb: Runbook) -> None:
    """Refuse steps, sections and commands the runbook does not have."""
    for f in s.faults:
        _check_at(s, rb, f.at, f.line)
        step = rb.step(f.step)
        if f.kind == "manual-fail" and f.at == step.id and step.kind is Kind.SHELL:
            raise _err(
                s.path,
                f.line,
                f"manual-fail at {f.at}: a shell step; use command-fails, or "
                f"<step-id>#<n> for its n-th instruction",
            )
        if f.command:
            from relbook.drill.shims import BUILTINS

            if f.command[0] in BUILTINS:
                raise _err(s.path, f.line, f"{f.command[0]} is a shell builtin: it cannot fail")
    for a in s.actions + s.response_actions:
        _check_at(s, rb, a.at, a.line)
    if s.response and not rb.section_steps(s.response):
        titles = sorted({x.title for x in rb.sections if x.contingency})
        raise _err(
            s.path,
            s.response_line,
            f"response section {s.response!r} has no steps in {rb.path}"
            + (f"; contingency sections: {', '.join(titles)}" if titles else ""),
        )
    for e in s.expect:
        if e.kind in ("detected_at", "step"):
            _check_at(s, rb, e.value, e.line)


def _check_at(s: Scenario, rb: Runbook, at: str, line: int) -> None:
    if rb.resolve(at):
        return
    step_id = re.split(r"[#@]", at, maxsplit=1)[0]
    step = rb.step(step_id)
    if step is None:
        raise _err(
            s.path,
            line,
            f"no step {step_id!r} in {rb.path} (`relbook parse {rb.path}` lists step ids)",
        )
    found = step.instructions()
    raise _err(
        s.path,
        line,
        f"{at}: not an instruction of step {step_id}"
        + (
            f"; its instructions: {', '.join(f'{i} (line {p.line})' for i, p in found)}"
            if found
            else " (it has none)"
        ),
    )


def canonical(s: Scenario, rb: Runbook) -> Scenario:
    """The scenario with every step and instruction it names by its id today: one
    written for an earlier version of the guide (`<step>@<line>`) still applies."""

    def at(key: str) -> str:
        return rb.resolve(key) or key

    def keys(answers: dict[str, Any]) -> dict[str, Any]:
        return {at(k): v for k, v in answers.items()}

    def acts(actions: tuple[Action, ...]) -> tuple[Action, ...]:
        return tuple(replace(a, at=at(a.at)) for a in actions)

    return replace(
        s,
        faults=tuple(replace(f, at=at(f.at)) for f in s.faults),
        actions=acts(s.actions),
        response_actions=acts(s.response_actions),
        answers=keys(s.answers),
        response_answers=keys(s.response_answers),
        expect=tuple(
            replace(e, value=at(e.value)) if e.kind in ("detected_at", "step") else e
            for e in s.expect
        ),
    )


# -- placeholders ----------------------------------------------------------------------


def fill_text(text: str, values: dict[str, Any], path: str = "", line: int = 0) -> str:
    """Replace `{{ name }}` with a release parameter's value."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if values.get(name) is None:
            known = ", ".join(sorted(k for k, v in values.items() if v is not None))
            raise RelbookError(
                f"unknown parameter {{{{ {name} }}}} (known: {known})", path=path, line=line
            )
        return str(values[name])

    return _PLACEHOLDER.sub(one, text)


def _fill(s: Scenario, values: dict[str, Any], path: str) -> Scenario:
    def f(text: str, line: int) -> str:
        return fill_text(text, values, path, line)

    faults = tuple(
        replace(
            x,
            command=tuple(f(w, x.line) for w in x.command),
            **{
                k: f(getattr(x, k), x.line)
                for k in ("stderr", "stdout", "ref", "message", "tag", "reason", "event")
            },
        )
        for x in s.faults
    )
    expect = tuple(
        replace(
            e,
            value=f(e.value, e.line),
            opts={k: f(v, e.line) if isinstance(v, str) else v for k, v in e.opts.items()},
        )
        for e in s.expect
    )
    answers = {k: f(v, 0) if isinstance(v, str) else v for k, v in s.answers.items()}
    return replace(
        s,
        faults=faults,
        expect=expect,
        answers=answers,
        description=f(s.description, 0),
        title=f(s.title, 0),
    )
