"""What an exported workflow is made of: the runbook's steps grouped into jobs (one
per section, one per team for sign-offs), the environments that approve them, and the
environment variables the commands read, mapped from secrets and variables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from relbook.errors import RelbookError
from relbook.model import Kind, Runbook, Step
from relbook.params.bump import about_versions
from relbook.record.mask import SECRET_NAME

# what the runner or relbook sets: never mapped from secrets or variables
_PROVIDED = re.compile(
    r"(?:HOME|PATH|PWD|OLDPWD|USER|LOGNAME|SHELL|LANG|LC_\w+|TERM|HOSTNAME|TMPDIR|RANDOM"
    r"|SECONDS|LINENO|BASHPID|BASH\w*|IFS|PPID|UID|EUID|CI|OPTARG|OPTIND|REPLY|PIPESTATUS"
    r"|GITHUB_\w+|RUNNER_\w+|ACTIONS_\w+|RELBOOK_\w+|GIT_\w+|\d+)"
)
READ = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_ASSIGN = re.compile(
    r"(?:^|[;&|(]\s*|\b(?:export|local|declare|readonly|typeset)\s+(?:-\w+\s+)*)"
    r"([A-Za-z_][A-Za-z0-9_]*)\+?="
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"
)
_TEAM = (
    re.compile(r"\bby\s+(?:the\s+)?([A-Za-z][\w-]*)\s+team\b", re.I),
    re.compile(r"\b([A-Za-z][\w-]*)\s+team\b", re.I),
    re.compile(r"\b([A-Za-z][\w-]*)\s+(?:approval|sign-?off|review)\b", re.I),
)


class ExportError(RelbookError):
    """The runbook cannot be exported as it is."""


@dataclass
class Job:
    """Consecutive steps of one section (one team, for sign-offs), as one workflow job."""

    id: str
    title: str
    line: int
    steps: list[Step] = field(default_factory=list)
    team: str = ""
    environment: str = ""

    @property
    def signoff(self) -> bool:
        return any(s.kind is Kind.SIGNOFF for s in self.steps)

    @property
    def reviewed(self) -> list[str]:
        """What the environment's approval confirms: manual steps, sign-offs and
        instructions relbook cannot automate."""
        items = [s.text for s in self.steps if s.kind is not Kind.SHELL]
        for s in self.steps:
            items += [
                p.source
                for p in s.parts
                if p.kind == "instruction" and not about_versions(p.source)
            ]
        return items

    @property
    def applies_to(self) -> str:
        kinds = {s.applies_to for s in self.steps}
        return kinds.pop() if len(kinds) == 1 else ""


@dataclass(frozen=True)
class Mapping:
    """Environment variables the commands read, from secrets and from variables."""

    secrets: tuple[str, ...]
    variables: tuple[str, ...]

    def expr(self, name: str) -> str:
        kind = "secrets" if name in self.secrets else "vars"
        return f"${{{{ {kind}.{name} }}}}"


def workflow_options(rb: Runbook) -> dict[str, object]:
    """Front matter `github:` (secrets, vars, ignore, environments, install)."""
    options = rb.front_matter.get("github") or {}
    if not isinstance(options, dict):
        raise ExportError("front matter github must be a mapping", path=rb.path, line=1)
    for key in ("secrets", "vars", "ignore"):
        names = options.get(key) or []
        if not isinstance(names, list) or not all(_is_name(str(n)) for n in names):
            raise ExportError(f"front matter github.{key}: a list of names", path=rb.path, line=1)
    if not isinstance(options.get("environments") or {}, dict):
        raise ExportError("front matter github.environments: team -> name", path=rb.path, line=1)
    return options


def _is_name(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name))


def selected_steps(rb: Runbook, section: str | None) -> list[Step]:
    if section is None:
        steps = list(rb.flow())
        if not steps:
            raise ExportError("the runbook has no steps in its release flow", path=rb.path)
        return steps
    steps = list(rb.section_steps(section))
    if not steps:
        titles = ", ".join(repr(s.title) for s in rb.sections if rb.section_steps(s.title))
        raise ExportError(f"no section {section!r} with steps (sections: {titles})", path=rb.path)
    return steps


def team_of(text: str) -> str:
    """The team a sign-off names ("Security review by security team" -> security)."""
    for pattern in _TEAM:
        m = pattern.search(text)
        if m:
            return _slug(m.group(1))
    return ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.casefold()).strip("-")


def group_jobs(rb: Runbook, steps: list[Step], default_env: str, envs: dict[str, str]) -> list[Job]:
    """Consecutive steps of one section form a job, split by team for sign-offs."""
    jobs: list[Job] = []
    used = {"begin"}
    by_path = {s.path: s for s in rb.sections}
    for step in steps:
        team = team_of(step.text) if step.kind is Kind.SIGNOFF else ""
        last = jobs[-1] if jobs else None
        if last and last.steps[-1].section_path == step.section_path and last.team == team:
            last.steps.append(step)
            continue
        sec = by_path.get(step.section_path)
        base = _slug(sec.id if sec else "steps") or "steps"
        base = base if re.match(r"[a-z_]", base) else f"s-{base}"
        base = f"{base}-{team}" if team else base
        job_id, n = base, 1
        while job_id in used:
            n += 1
            job_id = f"{base}-{n}"
        used.add(job_id)
        title = sec.title if sec else rb.title
        jobs.append(Job(job_id, f"{title} ({team})" if team else title, step.line, [step], team))
    for job in jobs:
        if job.signoff:
            job.environment = str(envs.get(job.team) or envs.get(job.id) or job.id)
        elif job.reviewed:
            job.environment = str(envs.get(job.id) or default_env)
    return jobs


def mapping_for(steps: list[Step], options: dict[str, object]) -> Mapping:
    """Variables the commands read that neither relbook nor the runner sets."""
    read: list[str] = []
    assigned: set[str] = set()
    for step in steps:
        for part in step.commands:
            text = re.sub(r"'[^']*'", "''", part.source)  # nothing expands in single quotes
            assigned |= {n for m in _ASSIGN.finditer(text) for n in m.groups() if n}
            read += [n for n in READ.findall(text) if n not in read]
    ignore = {str(n) for n in options.get("ignore") or []}
    forced_secret = [str(n) for n in options.get("secrets") or []]
    forced_var = [str(n) for n in options.get("vars") or []]
    names = [
        n for n in read if n not in assigned and n not in ignore and not _PROVIDED.fullmatch(n)
    ]
    names += [n for n in forced_secret + forced_var if n not in names]
    secrets = [
        n for n in names if n in forced_secret or (SECRET_NAME.search(n) and n not in forced_var)
    ]
    return Mapping(tuple(secrets), tuple(n for n in names if n not in secrets))
