"""Export a runbook as a GitHub Actions workflow that runs relbook itself (pure: text in,
text out).

One `workflow_dispatch` workflow. A `begin` job opens the release record (`relbook
run --job begin`: version, tags, blackout and repository checked by relbook); then one
job per section, in order, each needing the one before, runs its steps with `relbook
run --job FIRST..LAST`: the same parser, parameters, masking, guards, resume and
record as a local run. The record travels from job to job as an artifact and is
uploaded by every job, also when it fails. Sign-off steps run in one GitHub
environment per team the guide names, manual steps in `environment`; the approval of
the job's environment confirms them and its reviewer signs. Environment variables the
commands read are mapped from secrets or variables. Nothing of the runbook's logic is
written into the YAML, and no `${{ ... }}` expression ever reaches a script.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from relbook import __version__
from relbook.bash.shell import shell_quote
from relbook.errors import RelbookError
from relbook.model import Kind, Runbook, Step
from relbook.params import BUILTIN
from relbook.params.bump import about_versions
from relbook.record.mask import SECRET_NAME

TARGETS = ("github-actions",)
# actions pinned by commit (looked up in each action's repository: tag -> commit)
ACTIONS = {
    "checkout": ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "upload": ("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "download": (
        "actions/download-artifact",
        "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        "v8.0.1",
    ),
}
RECORDS = "$RUNNER_TEMP/relbook-records"
APPROVALS = "$RUNNER_TEMP/relbook-approvals.json"
ARTIFACT = "relbook-record"
# what the runner or relbook sets: never mapped from secrets or variables
_PROVIDED = re.compile(
    r"(?:HOME|PATH|PWD|OLDPWD|USER|LOGNAME|SHELL|LANG|LC_\w+|TERM|HOSTNAME|TMPDIR|RANDOM"
    r"|SECONDS|LINENO|BASHPID|BASH\w*|IFS|PPID|UID|EUID|CI|OPTARG|OPTIND|REPLY|PIPESTATUS"
    r"|GITHUB_\w+|RUNNER_\w+|ACTIONS_\w+|RELBOOK_\w+|GIT_\w+|\d+)"
)
_READ = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
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


def export_github_actions(
    rb: Runbook,
    *,
    section: str | None = None,
    environment: str = "release",
    runs_on: str = "ubuntu-latest",
    install: str = "",
    runbook_path: str = "",
) -> str:
    """The workflow YAML for a runbook (or for one of its sections)."""
    options = _options(rb)
    steps = _selected_steps(rb, section)
    jobs = _jobs(rb, steps, environment, options.get("environments") or {})
    mapping = _mapping(rb, steps, options)
    ctx = _Context(
        rb,
        section,
        runs_on,
        _install(install or str(options.get("install") or "")),
        runbook_path or _path_in_repo(rb.path),
        mapping,
    )
    out = _header(ctx, jobs)
    out += _trigger(ctx)
    out += ["", "jobs:"] + _begin_job(ctx)
    previous, conditional = "begin", False
    for job in jobs:
        conditional = conditional or bool(job.applies_to)
        out += [""] + _section_job(ctx, job, previous, conditional)
        previous = job.id
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class _Context:
    rb: Runbook
    section: str | None
    runs_on: str
    install: str
    path: str
    mapping: Mapping


# -- what goes in -------------------------------------------------------------


def _options(rb: Runbook) -> dict[str, object]:
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


def _selected_steps(rb: Runbook, section: str | None) -> list[Step]:
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


def _jobs(rb: Runbook, steps: list[Step], default_env: str, envs: dict[str, str]) -> list[Job]:
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


def _mapping(rb: Runbook, steps: list[Step], options: dict[str, object]) -> Mapping:
    """Variables the commands read that neither relbook nor the runner sets."""
    read: list[str] = []
    assigned: set[str] = set()
    for step in steps:
        for part in step.commands:
            text = re.sub(r"'[^']*'", "''", part.source)  # nothing expands in single quotes
            assigned |= {n for m in _ASSIGN.finditer(text) for n in m.groups() if n}
            read += [n for n in _READ.findall(text) if n not in read]
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


def _install(how: str) -> str:
    """The pip requirement of the relbook each job runs."""
    if how in ("", "pypi"):
        return f"relbook=={__version__}"
    if how == "repo":
        return "."
    return how


def _path_in_repo(path: str) -> str:
    """The runbook's path inside its git repository (what the checkout holds)."""
    p = Path(path).resolve()
    for parent in p.parents:
        if (parent / ".git").exists():
            return p.relative_to(parent).as_posix()
    return path


# -- the top of the file ------------------------------------------------------


def _header(ctx: _Context, jobs: list[Job]) -> list[str]:
    rb = ctx.rb
    what = f"section {ctx.section!r} of " if ctx.section else ""
    lines = [
        f"# GitHub Actions workflow generated by `relbook export` (relbook {__version__}) from",
        f"# {what}{ctx.path} (sha256 {rb.sha256[:16]}). Edit the runbook and export again.",
        "#",
        "# Every job runs relbook itself on this repository's checkout: `relbook run --job",
        "# begin` opens the release record, then each job runs its steps of the runbook",
        "# (`--job FIRST..LAST`) with the same parameters, masking, guards and resume as a",
        "# local run. The record travels between jobs as the artifact",
        f"# {ARTIFACT!r}, uploaded by every job (also on failure); re-running a failed job",
        "# resumes it. Inputs reach scripts only as environment variables.",
    ]
    envs = [j for j in jobs if j.environment]
    if envs:
        lines += [
            "#",
            "# Settings > Environments: create each environment below with Required reviewers.",
            "# The approval of a job's environment confirms the items listed with it, and the",
            "# reviewer who approved is recorded as the signer of its sign-offs:",
        ]
        names: dict[str, list[str]] = {}
        for job in envs:
            names.setdefault(job.environment, []).append(job.title)
        lines += [f"#   {name}: {', '.join(titles)}" for name, titles in names.items()]
    m = ctx.mapping
    if m.secrets or m.variables:
        lines += [
            "#",
            "# Settings > Secrets and variables > Actions: the commands read these (override",
            "# with front matter `github: {secrets: [...], vars: [...], ignore: [...]}`):",
        ]
        lines += [f"#   secret   {n}" for n in m.secrets]
        lines += [f"#   variable {n}" for n in m.variables]
    own = [n for n in (rb.front_matter.get("params") or {}) if n not in BUILTIN]
    if own:
        lines += ["#", f"# Runbook parameters take their front matter defaults: {', '.join(own)}."]
    if ctx.section is None:
        lines += _contingency_note(rb, ctx.path)
    return lines


def _contingency_note(rb: Runbook, path: str) -> list[str]:
    outer = [
        s
        for s in rb.sections
        if s.contingency and not any(p.contingency and p.path == s.path[:-1] for p in rb.sections)
    ]
    outer = [s for s in outer if rb.section_steps(s.title)]
    if not outer:
        return []
    lines = ["#", "# Contingency sections are not part of this workflow; export one on its own:"]
    for sec in outer:
        lines.append(
            f"#   relbook export {path} --to github-actions --section {shell_quote(sec.title)}"
            f"  # line {sec.line}"
        )
    return lines


def _trigger(ctx: _Context) -> list[str]:
    rb, section = ctx.rb, ctx.section
    for name, default in (rb.front_matter.get("params") or {}).items():
        if name not in BUILTIN and default is None:
            raise ExportError(
                f"runbook parameter {name!r} has no default: give it one in front matter",
                path=rb.path,
                line=1,
            )
    title = f"{rb.title}: {section}" if section else rb.title
    lines = [
        f"name: {_q(title)}",
        'run-name: "Release ${{ inputs.version }}"',
        "on:",
        "  workflow_dispatch:",
        "    inputs:",
        *_input("version", "Version to release (SemVer, e.g. 1.2.3; a leading v is fine)", True),
        *_input("description", "One-line description of the release"),
    ]
    if section is None and _has_blackout(rb):
        lines += _input("override_blackout", "Reason to release inside a blackout window")
    group = re.sub(r"[^A-Za-z0-9_.-]", "-", rb.name + (f"-{section}" if section else ""))
    return lines + [
        "permissions:",
        "  contents: read",
        "concurrency:",
        f'  group: "relbook-{group}-${{{{ inputs.version }}}}"',
        "  cancel-in-progress: false",
    ]


def _input(name: str, description: str, required: bool = False) -> list[str]:
    lines = [f"      {name}:", f"        description: {_q(description)}"]
    lines += [f"        required: {'true' if required else 'false'}", "        type: string"]
    return lines + ([] if required else ['        default: ""'])


def _has_blackout(rb: Runbook) -> bool:
    from relbook.params.blackout import windows

    return bool(windows(rb))


# -- jobs -------------------------------------------------------------------------


def _begin_job(ctx: _Context) -> list[str]:
    outputs = ("version", "tag", "previous_version", "release_type", "bump")
    lines = [
        "  begin:",
        '    name: "Begin the release record"',
        f"    runs-on: {_q(ctx.runs_on)}",
        "    timeout-minutes: 15",
        "    permissions:",
        "      contents: read",
        "    outputs:",
        *[f"      {n}: ${{{{ steps.relbook.outputs.{n} }}}}" for n in outputs],
        "    steps:",
        *_setup(ctx, push=False, download=False),
    ]
    override = ctx.section is None and _has_blackout(ctx.rb)
    args = ["--job begin"] + (['--override-blackout "$RELBOOK_INPUT_OVERRIDE_BLACKOUT"'] * override)
    lines += _relbook_step(ctx, "relbook run --job begin", args, {}, timeout=10, override=override)
    return lines + _upload()


def _section_job(ctx: _Context, job: Job, previous: str, conditional: bool) -> list[str]:
    push = any(re.search(r"\bgit\s+push\b", c.source) for s in job.steps for c in s.commands)
    lines = [f"  # {ctx.path}:{job.line}"]
    if job.environment:
        lines.append(f"  # The approval of environment {job.environment!r} confirms:")
        lines += [f"  #   - [ ] {_one_line(text)}" for text in job.reviewed]
    needs = "[begin]" if previous == "begin" else f"[begin, {previous}]"
    lines += [f"  {job.id}:", f"    name: {_q(job.title)}", f"    needs: {needs}"]
    tests = ["!cancelled()", "!failure()"] if conditional else []
    if job.applies_to in ("major", "minor", "patch"):
        tests.append(f"needs.begin.outputs.bump == '{job.applies_to}'")
    elif job.applies_to in ("hotfix", "prerelease"):
        tests.append(f"needs.begin.outputs.release_type == '{job.applies_to}'")
    if tests:
        lines.append(f"    if: ${{{{ {' && '.join(tests)} }}}}")
    lines.append(f"    runs-on: {_q(ctx.runs_on)}")
    if job.environment:
        lines.append(f"    environment: {_q(job.environment)}")
    minutes = _minutes(job)
    lines += [f"    timeout-minutes: {minutes + 10}", "    permissions:"]
    lines.append(f"      contents: {'write' if push else 'read'}")
    if job.environment:
        lines.append("      actions: read  # the run's review history: who approved")
    lines.append("    steps:")
    lines += _setup(ctx, push=push, download=True)
    args = [f"--job {shell_quote(_range(job))}"]
    if job.environment:
        lines += _approvals_step()
        args.append(f'--approvals "{APPROVALS}" --environment {shell_quote(job.environment)}')
    env = {n: ctx.mapping.expr(n) for n in _reads(ctx.mapping, job)}
    masks = [n for n in env if n in ctx.mapping.secrets and not SECRET_NAME.search(n)]
    args += [f"--mask {n}" for n in masks]
    lines += _relbook_step(ctx, f"relbook run --job {_range(job)}", args, env, timeout=minutes)
    return lines + _upload()


def _range(job: Job) -> str:
    first, last = job.steps[0].id, job.steps[-1].id
    return first if first == last else f"{first}..{last}"


def _minutes(job: Job) -> int:
    """The relbook step's timeout: the steps' own timeouts, 10 minutes for the others."""
    seconds = sum(s.timeout or 600 for s in job.steps if s.kind is Kind.SHELL)
    return max(5, math.ceil(seconds / 60) + 2)


def _reads(m: Mapping, job: Job) -> list[str]:
    names = set()
    for step in job.steps:
        for part in step.commands:
            names |= set(_READ.findall(part.source))
    return [n for n in (*m.secrets, *m.variables) if n in names]


def _uses(key: str) -> str:
    repo, sha, tag = ACTIONS[key]
    return f"uses: {repo}@{sha}  # {tag}"


def _setup(ctx: _Context, *, push: bool, download: bool) -> list[str]:
    lines = [
        f"      - {_uses('checkout')}",
        "        with:",
        "          ref: ${{ github.ref }}  # the branch's tip now, with what earlier jobs pushed",
        "          fetch-depth: 0  # every branch and tag",
        f"          persist-credentials: {'true' if push else 'false'}",
        f"      - {_uses('setup-python')}",
        "        with:",
        '          python-version: "3.12"',
        f"      - name: {_q('Install relbook (' + ctx.install + ')')}",
        "        shell: bash",
        f"        run: python -m pip install {shell_quote(ctx.install)}",
    ]
    if download:
        lines += [
            f"      - name: {_q('Download the release record')}",
            f"        {_uses('download')}",
            "        with:",
            f"          name: {ARTIFACT}",
            "          path: ${{ runner.temp }}/relbook-records",
        ]
    return lines


def _approvals_step() -> list[str]:
    return [
        f"      - name: {_q('Who approved this job (the run review history)')}",
        "        shell: bash",
        "        env:",
        "          GH_TOKEN: ${{ github.token }}",
        '        run: gh api "repos/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}/approvals"'
        f' > "{APPROVALS}"',
    ]


def _relbook_step(
    ctx: _Context,
    name: str,
    args: list[str],
    env: dict[str, str],
    *,
    timeout: int,
    override: bool = False,
) -> list[str]:
    words = [f"relbook run {shell_quote(ctx.path)}"]
    words += [f"--section {shell_quote(ctx.section)}"] if ctx.section else []
    words += [
        '--version "$RELBOOK_INPUT_VERSION" --description "$RELBOOK_INPUT_DESCRIPTION"',
        f'--repo . --records "{RECORDS}"',
        *args,
    ]
    lines = [
        f"      - name: {_q(name)}",
        "        id: relbook",
        "        shell: bash",
        f"        timeout-minutes: {timeout}",
        "        env:",
        "          RELBOOK_INPUT_VERSION: ${{ inputs.version }}",
        "          RELBOOK_INPUT_DESCRIPTION: ${{ inputs.description }}",
    ]
    if override:
        lines.append("          RELBOOK_INPUT_OVERRIDE_BLACKOUT: ${{ inputs.override_blackout }}")
    lines += [f"          {n}: {v}" for n, v in env.items()]
    script = " \\\n  ".join(words).split("\n")
    return lines + ["        run: |", *[f"          {w}" for w in script]]


def _upload() -> list[str]:
    return [
        f"      - name: {_q('Upload the release record')}",
        "        if: always()",
        f"        {_uses('upload')}",
        "        with:",
        f"          name: {ARTIFACT}",
        "          path: ${{ runner.temp }}/relbook-records",
        "          overwrite: true",
        "          include-hidden-files: true",
        "          if-no-files-found: error",
    ]


# -- YAML text --------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar in which GitHub expands no expression."""
    return json.dumps(text.replace("${{", "${{ '${{' }}"), ensure_ascii=False)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
