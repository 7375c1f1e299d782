"""Plain, frozen data: the runbook as parsed, and what happened to each step."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from relbook.datatype import datatype, field


class Kind(StrEnum):
    MANUAL = "manual"
    SIGNOFF = "signoff"
    SHELL = "shell"


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ALREADY_DONE = "already-done"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not-applicable"
    BLOCKED = "blocked"  # not run: it holds a placeholder nothing fills
    FAILED = "failed"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        """True for outcomes that a resumed run does not repeat."""
        return self in (Status.DONE, Status.ALREADY_DONE, Status.SKIPPED, Status.NOT_APPLICABLE)


@datatype(frozen=True)
class Part:
    """One piece of a shell block: a command, or an instruction for a person."""

    kind: str  # "command" | "instruction"
    line: int
    source: str
    comment: str = ""


@datatype(frozen=True)
class Finding:
    """Something the parser noticed that lint reports (never fatal)."""

    line: int
    code: str
    message: str


@datatype(frozen=True)
class Section:
    id: str
    title: str
    level: int
    line: int
    path: tuple[str, ...]
    contingency: bool = False
    signoff: bool = False


@datatype(frozen=True)
class Step:
    id: str
    kind: Kind
    text: str
    line: int
    section: str
    section_path: tuple[str, ...] = ()
    body: str = ""
    lang: str = ""
    parts: tuple[Part, ...] = ()
    task: bool = False
    checked: bool = False
    numbered: bool = False
    details: tuple[str, ...] = ()  # plain sub-items under a manual step: how to do it
    detail_lines: tuple[int, ...] = ()  # the source line of each detail
    optional: bool = False
    contingency: bool = False
    skip: bool = False
    choice: str = ""  # the id of the alternatives this step is one way of (`choice@12`)
    option: str = ""  # which of them (`Patch release process`, `Alternatively, ...`)
    applies_to: str = ""  # which releases: `minor`, `!patch`, `rc|first`, `minor,stable`
    applies_from: str = ""  # where the guide says so (a heading, the sentence before, ...)
    optional_why: str = ""  # the condition the version cannot decide ("If gh is available")
    timeout: float | None = None
    done_if: str = ""
    confirm: bool = False
    directives: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def commands(self) -> tuple[Part, ...]:
        """The parts of a shell step that bash runs."""
        return tuple(p for p in self.parts if p.kind == "command")

    def location(self, path: str) -> str:
        """`file:line` of the step's source."""
        return f"{path}:{self.line}"

    def instructions(self) -> tuple[tuple[str, Part], ...]:
        """The instructions for a person inside the step's blocks, each with its id
        `<step id>#<n>` (the n-th instruction of the step): an edit elsewhere in the
        guide, a line added above included, leaves the id as it was."""
        parts = (p for p in self.parts if p.kind == "instruction")
        return tuple((f"{self.id}#{n}", p) for n, p in enumerate(parts, 1))

    def instruction_id(self, part: Part) -> str:
        """The id of `part`, one of the step's instructions."""
        return next(i for i, p in self.instructions() if p is part or p == part)


@datatype(frozen=True)
class Placeholder:
    """A parameter use: `{{ name }}` written, or an example literal inferred."""

    name: str
    line: int
    literal: str  # the text in the guide ("1.2.3", "[Brief description]", "{{ version }}")
    means: str = ""  # the release value it stands for ("version", "major", ...) or "input"
    kind: str = "literal"  # literal | token (`<token>`, `X.Y.Z`) | variable (`$NAME` unset)
    why: str = ""


@datatype(frozen=True)
class Option:
    """One way of a choice: its label, line, and the releases it is for (if the guide
    says)."""

    label: str
    line: int
    applies_to: str = ""


@datatype(frozen=True)
class Choice:
    """Alternatives the guide offers: one of them is done, never all in turn."""

    id: str
    line: int
    title: str  # what it asks: the guide's `question=`, else its ways (`A | B`)
    options: tuple[Option, ...]


@datatype(frozen=True)
class Runbook:
    path: str
    title: str
    sha256: str
    sections: tuple[Section, ...]
    steps: tuple[Step, ...]
    front_matter: dict[str, Any] = field(default_factory=dict, compare=False)
    placeholders: tuple[Placeholder, ...] = ()
    example_version: str = ""
    findings: tuple[Finding, ...] = ()
    source: str = field(default="", repr=False, compare=False)
    choices: tuple[Choice, ...] = ()

    @property
    def name(self) -> str:
        """Short name used for the records directory."""
        from pathlib import PurePath

        return PurePath(self.path).stem or "runbook"

    def flow(self) -> tuple[Step, ...]:
        """Steps of the normal release flow (no contingency, no skipped)."""
        return tuple(s for s in self.steps if not s.contingency and not s.skip)

    def section_steps(self, name: str) -> tuple[Step, ...]:
        """Steps of the section titled `name` (and its subsections)."""
        want = section_key(name)
        return tuple(
            s
            for s in self.steps
            if not s.skip and any(section_key(t) == want for t in s.section_path)
        )

    def step(self, step_id: str) -> Step | None:
        """The step with this id, if any."""
        return next((s for s in self.steps if s.id == step_id), None)

    def resolve(self, key: str) -> str | None:
        """The id that `key` names in this guide: a step id, an instruction id
        (`<step id>#<n>`) or an older instruction id (`<step id>@<line>`: the
        instruction at that line, or the step's only instruction once lines have
        moved). None when it names nothing, or could name more than one."""
        import re

        m = re.fullmatch(r"(.+?)(?:([#@])\s*(\d+))?", str(key).strip())
        step = self.step(m.group(1)) if m else None
        if step is None or m is None:
            return None
        mark, number = m.group(2), int(m.group(3) or 0)
        if not mark:
            return step.id
        found = step.instructions()
        if mark == "#":
            return found[number - 1][0] if 0 < number <= len(found) else None
        at = next((i for i, p in found if p.line == number), None)
        return at or (found[0][0] if len(found) == 1 else None)


def section_key(title: str) -> str:
    """A section title as compared: without its number, spaces collapsed, case folded."""
    import re

    title = re.sub(r"^\s*\d+[.)]\s*", "", title)
    return re.sub(r"\s+", " ", title).strip().casefold()


@datatype
class Outcome:
    """What happened to one step in a run (mutable while the step runs)."""

    step_id: str
    kind: str
    status: Status
    text: str = ""
    section: str = ""
    line: int = 0
    source: str = ""  # the exact bash that ran (shell steps)
    output: str = ""  # masked, capped output kept in the record
    exit_code: int | None = None
    started: str = ""
    duration: float = 0.0
    operator: str = ""
    signer: str = ""
    note: str = ""
    reason: str = ""
    failed_line: int = 0  # line of the command that was running when the step failed
    log: str = ""  # full log on disk, relative to the record
    source_hash: str = ""
    simulated: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Facts(dict):
    """A record's facts: a fact not (yet) recorded, such as `ended` of a run that
    never finished, reads as None instead of raising."""

    def __missing__(self, key: str) -> None:
        return None


@datatype
class Record:
    """A release record as read back from disk."""

    path: str
    meta: dict[str, Any]
    outcomes: list[Outcome]

    def __post_init__(self) -> None:
        self.meta = Facts(self.meta)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.meta.get("params", {}))

    @property
    def result(self) -> str:
        return str(self.meta.get("result", ""))
