"""Export a runbook as a GitHub Actions workflow (pure: text in, text out).

One `workflow_dispatch` workflow: inputs for the version, the description and
the runbook's own parameters; a `params` job that validates the version and
derives the rest (as relbook.params.bind does); then one job per section, in
order, each needing the one before. Shell steps become `run:` steps whose
parameters come only from RELBOOK_* environment variables set in `env:`; no
`${{ ... }}` expression is ever written into a script. Manual and sign-off
steps run in jobs bound to a protected environment, so a required reviewer's
approval is the confirmation. Contingency sections stay out of the release
workflow; `--section NAME` exports one of them as a workflow of its own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources

from relbook.bash.shell import shell_quote
from relbook.errors import RelbookError
from relbook.guard.lint import Block, shell_blocks
from relbook.model import Kind, Part, Runbook, Step
from relbook.params import BUILTIN, Params, env_name, render_shell

TARGETS = ("github-actions",)
DERIVED = tuple(n for n in BUILTIN if n not in ("version", "description"))
_SENTINEL = "@@relbook-value:{}@@"
_BOT = "github-actions[bot]"
_BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
_RESTORE = f"""git config user.name {shell_quote(_BOT)}
git config user.email {shell_quote(_BOT_EMAIL)}
# earlier jobs pushed their branches; make them local branches again, as on one machine
git for-each-ref --format='%(refname:strip=3)' refs/remotes/origin |
  while read -r branch; do
    [ "$branch" = HEAD ] && continue
    git show-ref --verify --quiet "refs/heads/$branch" ||
      git branch --quiet --track "$branch" "origin/$branch"
  done"""


class ExportError(RelbookError):
    """The runbook cannot be exported as it is."""


@dataclass
class Job:
    """One section of the runbook, as one workflow job."""

    id: str
    title: str
    line: int
    steps: list[Step] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return any(s.kind is not Kind.SHELL for s in self.steps)

    @property
    def has_shell(self) -> bool:
        return any(s.kind is Kind.SHELL for s in self.steps)


def export_github_actions(
    rb: Runbook,
    *,
    section: str | None = None,
    environment: str = "release",
    runs_on: str = "ubuntu-latest",
) -> str:
    """The workflow YAML for a runbook (or for one of its sections)."""
    steps = _selected_steps(rb, section)
    jobs = _jobs(rb, steps)
    blocks: dict[str, list[Block]] = {}
    for block in shell_blocks(rb):
        blocks.setdefault(block.step.id, []).append(block)
    names = _param_names(rb)
    out = _header(rb, section, environment, jobs)
    contingency = all(s.contingency for s in steps)
    out += _trigger(rb, section, names, jobs, blackout=not contingency)
    out += ["", "jobs:"] + _params_job(rb, runs_on, contingency)
    previous = "params"
    for job in jobs:
        out += [""] + _section_job(rb, job, previous, names, blocks, environment, runs_on)
        previous = job.id
    return "\n".join(out) + "\n"


# -- what goes in -------------------------------------------------------------


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


def _jobs(rb: Runbook, steps: list[Step]) -> list[Job]:
    """Consecutive steps of one section form a job; ids are unique and valid."""
    jobs: list[Job] = []
    used = {"params"}
    by_path = {s.path: s for s in rb.sections}
    for step in steps:
        if jobs and jobs[-1].steps[-1].section_path == step.section_path:
            jobs[-1].steps.append(step)
            continue
        sec = by_path.get(step.section_path)
        base = re.sub(r"[^A-Za-z0-9_-]", "-", sec.id if sec else "steps")
        base = base if re.match(r"[A-Za-z_]", base) else f"s-{base}"
        job_id, n = base, 1
        while job_id in used:
            n += 1
            job_id = f"{base}-{n}"
        used.add(job_id)
        jobs.append(Job(job_id, sec.title if sec else rb.title, sec.line if sec else 1, [step]))
    return jobs


def _param_names(rb: Runbook) -> list[str]:
    """Built-in parameters, then the runbook's own (front matter `params`)."""
    own = [str(n) for n in (rb.front_matter.get("params") or {}) if str(n) not in BUILTIN]
    for name in own:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ExportError(f"parameter name {name!r} cannot be a workflow input", path=rb.path)
    return list(BUILTIN) + own


# -- the top of the file ------------------------------------------------------


def _header(rb: Runbook, section: str | None, env: str, jobs: list[Job]) -> list[str]:
    what = f"section {section!r} of " if section else ""
    lines = [
        f"# GitHub Actions workflow generated by `relbook export` from {what}{rb.path}",
        f"# (sha256 {rb.sha256[:16]}). Edit the runbook and export again rather than this file.",
        "#",
        "# Parameters reach every script only through environment variables (RELBOOK_VERSION,",
        "# RELBOOK_DESCRIPTION, ...) set in `env:`; no ${{ inputs.* }} is written into a script,",
        "# so an input such as $(touch pwned) stays text. The `params` job checks the version",
        "# and derives tag, previous_version, next_patch, ... from the repository's tags.",
        "#",
        "# Each section is one job, in the runbook's order, each needing the one before. Every",
        "# job starts from a fresh checkout of the branch's current tip: work that a later",
        "# section uses must be pushed (local branches are recreated from origin).",
        "# A manual instruction inside a shell block (a comment such as `# Update version",
        "# numbers`) cannot run here: it shows as a warning where it stands, so automate it",
        "# in the runbook or do it before starting the workflow.",
    ]
    reviewed = [j for j in jobs if j.needs_review]
    if reviewed:
        lines += [
            "#",
            f"# Manual and sign-off steps run in jobs bound to the environment {env!r}:",
            "#   " + ", ".join(repr(j.title) for j in reviewed),
            f"# Protect it before the first run: Settings > Environments > {env} >",
            "# Required reviewers. GitHub then holds each of these jobs until a reviewer",
            "# approves it; approving confirms the items listed above the job. Without",
            "# required reviewers the jobs run unattended and only print their checklist.",
        ]
    if section is None:
        lines += _contingency_note(rb)
    return lines


def _contingency_note(rb: Runbook) -> list[str]:
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
            f"#   relbook export {rb.path} --to github-actions --section {shell_quote(sec.title)}"
            f"  # line {sec.line}"
        )
    return lines


def _trigger(
    rb: Runbook, section: str | None, names: list[str], jobs: list[Job], *, blackout: bool
) -> list[str]:
    title = f"{rb.title}: {section}" if section else rb.title
    lines = [
        f"name: {_q(title)}",
        'run-name: "Release ${{ inputs.version }}"',
        "on:",
        "  workflow_dispatch:",
        "    inputs:",
        "      version:",
        '        description: "Version to release (SemVer, e.g. 1.2.3; a leading v is fine)"',
        "        required: true",
        "        type: string",
        "      description:",
        '        description: "One-line description of the release"',
        "        required: false",
        "        type: string",
        '        default: ""',
    ]
    lines += _own_inputs(rb, names)
    if blackout and _blackout_windows(rb):
        lines += _input(
            "override_blackout", "Reason to release inside a blackout window (recorded)"
        )
    if any(s.optional and s.kind is Kind.SHELL for j in jobs for s in j.steps):
        lines += _input("include_optional", "Run the optional shell steps", boolean=True)
    group = re.sub(r"[^A-Za-z0-9_.-]", "-", rb.name + (f"-{section}" if section else ""))
    return lines + [
        "permissions:",
        "  contents: write  # the runbook's git push and git tag",
        "concurrency:",
        f"  group: {_q('relbook-' + group)}",
        "  cancel-in-progress: false",
    ]


def _input(name: str, description: str, *, boolean: bool = False) -> list[str]:
    kind, default = ("boolean", "false") if boolean else ("string", '""')
    return [
        f"      {name}:",
        f"        description: {_q(description)}",
        "        required: false",
        f"        type: {kind}",
        f"        default: {default}",
    ]


def _own_inputs(rb: Runbook, names: list[str]) -> list[str]:
    defaults = rb.front_matter.get("params") or {}
    lines = []
    for name in names[len(BUILTIN) :]:
        default = defaults.get(name)
        lines += [f"      {name}:", f"        description: {_q('Runbook parameter ' + name)}"]
        lines += ["        required: true"] if default is None else ["        required: false"]
        lines += ["        type: string"]
        lines += [] if default is None else [f"        default: {_q(str(default))}"]
    return lines


def _blackout_windows(rb: Runbook) -> list[list[str]]:
    from relbook.params.blackout import windows

    return [[w.start, w.end, w.text, w.location] for w in windows(rb)]


# -- the params job -------------------------------------------------------------


def _params_job(rb: Runbook, runs_on: str, contingency: bool) -> list[str]:
    script = resources.files("relbook").joinpath("guard", "actions_params.py").read_text("utf-8")
    lines = [
        "  params:",
        '    name: "Release parameters"',
        f"    runs-on: {_q(runs_on)}",
        "    outputs:",
    ]
    lines += [f"      {n}: ${{{{ steps.derive.outputs.{n} }}}}" for n in ("version", *DERIVED)]
    lines += [
        "    steps:",
        "      - uses: actions/checkout@v5",
        "        with:",
        "          fetch-depth: 0  # every tag, for previous_version",
        "      - name: Check the version, blackout windows and tags; derive parameters",
        "        id: derive",
        "        shell: python",
        "        env:",
        "          RELBOOK_VERSION: ${{ inputs.version }}",
        f"          RELBOOK_TAG_PREFIX: {_q(str(rb.front_matter.get('tag_prefix', 'v')))}",
    ]
    windows = [] if contingency else _blackout_windows(rb)
    if contingency:  # a rollback concerns a released version and must not wait for a window
        lines.append('          RELBOOK_CHECK_TAGS: "false"')
    if windows:
        lines.append(f"          RELBOOK_BLACKOUT: {_q(json.dumps(windows, ensure_ascii=False))}")
        lines.append("          RELBOOK_OVERRIDE_BLACKOUT: ${{ inputs.override_blackout }}")
    return lines + ["        run: |"] + _indent(script.rstrip("\n"), 10)


# -- a section's job ------------------------------------------------------------


def _section_job(
    rb: Runbook,
    job: Job,
    previous: str,
    names: list[str],
    blocks: dict[str, list[Block]],
    environment: str,
    runs_on: str,
) -> list[str]:
    lines = [f"  # {rb.path}:{job.line}"]
    if job.needs_review:
        lines.append(f"  # A reviewer's approval of {environment!r} confirms:")
        lines += [f"  #   - [ ] {_one_line(s.text)}" for s in job.steps if s.kind is not Kind.SHELL]
    needs = "[params]" if previous == "params" else f"[params, {previous}]"
    lines += [f"  {job.id}:", f"    name: {_q(job.title)}", f"    needs: {needs}"]
    lines += [f"    runs-on: {_q(runs_on)}"]
    if job.needs_review:
        lines.append(f"    environment: {_q(environment)}")
    lines += ["    env:"] + [f"      {env_name(n)}: {_param_expr(n)}" for n in names]
    lines.append("    steps:")
    if job.has_shell:
        lines += _checkout_steps()
    for step in job.steps:
        if step.kind is Kind.SHELL:
            lines += _shell_step(rb, step, blocks.get(step.id, []))
        else:
            lines += _manual_step(rb, step, environment)
    return lines


def _param_expr(name: str) -> str:
    if name in DERIVED or name == "version":
        return f"${{{{ needs.params.outputs.{name} }}}}"
    return f"${{{{ inputs.{name} }}}}"


def _checkout_steps() -> list[str]:
    return [
        "      - uses: actions/checkout@v5",
        "        with:",
        "          ref: ${{ github.ref }}  # the branch's tip now, with what earlier jobs pushed",
        "          fetch-depth: 0",
        "      - name: Git identity and local branches",
        "        shell: bash",
        "        run: |",
        *_indent(_RESTORE, 10),
    ]


def _manual_step(rb: Runbook, step: Step, environment: str) -> list[str]:
    verb = "signed off" if step.kind is Kind.SIGNOFF else "confirmed"
    note = f"{verb} by approving the {environment!r} review"
    lines = [f"      # {rb.path}:{step.line} (id {step.id})", f"      - name: {_q(step.text)}"]
    lines += _condition(step)
    lines += [
        "        shell: bash",
        "        env:",
        f"          RELBOOK_STEP: {_q(_one_line(step.text))}",
        f"          RELBOOK_NOTE: {_q(note)}",
        '        run: printf -- \'- [x] %s (%s)\\n\' "$RELBOOK_STEP" "$RELBOOK_NOTE"'
        ' >> "$GITHUB_STEP_SUMMARY"',
    ]
    return lines


def _shell_step(rb: Runbook, step: Step, blocks: list[Block]) -> list[str]:
    script = "\n".join(_script(rb, step, block) for block in blocks)
    if step.done_if:
        script = _done_if(rb, step) + script
    lines = [f"      # {rb.path}:{step.line} (id {step.id})"]
    lines += [
        f"      # manual instruction, not automated: {_one_line(p.source)}" for p in _asks(step)
    ]
    lines += [f"      - name: {_q(step.text)}"]
    lines += _condition(step)
    if step.timeout:
        lines.append(f"        timeout-minutes: {max(1, math.ceil(step.timeout / 60))}")
    return lines + ["        shell: bash", "        run: |"] + _indent(script, 10)


def _script(rb: Runbook, step: Step, block: Block) -> str:
    """The block as bash whose parameters expand from RELBOOK_* variables."""
    first = block.first_line
    source = "\n".join(text for _, text in block.lines)
    rendered = render_shell(
        source, _placeholders(rb), path=rb.path, line=first, example=rb.example_version
    )
    _refuse_expressions(rb, rendered, first)
    _refuse_computed(rb, rendered, first)
    lines = rendered.split("\n")
    if len(lines) == len(block.lines):
        for part in _asks(step):
            i = next((i for i, (no, _) in enumerate(block.lines) if no == part.line), None)
            if i is not None and lines[i].lstrip().startswith("#"):
                lines[i] = _annotation(rb, part.line, part.source)
    return "set -euo pipefail\n" + "\n".join(lines).rstrip("\n")


def _done_if(rb: Runbook, step: Step) -> str:
    test = render_shell(
        step.done_if, _placeholders(rb), path=rb.path, line=step.line, example=rb.example_version
    )
    _refuse_expressions(rb, test, step.line)
    note = shell_quote(f"already done ({step.done_if}): skipping")
    return f"if ( {test} ) >/dev/null 2>&1; then echo {note}; exit 0; fi\n"


def _placeholders(rb: Runbook) -> Params:
    return Params({n: _SENTINEL.format(n) for n in _param_names(rb)})


def _refuse_expressions(rb: Runbook, script: str, line: int) -> None:
    for no, text in enumerate(script.split("\n"), line):
        if "@@relbook-value:" in text:
            raise ExportError(
                "a parameter inside a quoted heredoc (<<'EOF') cannot come from the "
                "environment; use an unquoted heredoc",
                path=rb.path,
                line=no,
            )
        if "${{" in text:
            raise ExportError(
                "`${{` in a shell block would be expanded by GitHub Actions; rewrite it",
                path=rb.path,
                line=no,
            )


def _refuse_computed(rb: Runbook, script: str, line: int) -> None:
    """A template expression (`{{ description | trim }}`) has no value in a workflow."""
    for var in getattr(script, "env", {}):
        no = next((n for n, t in enumerate(script.split("\n"), line) if var in t), line)
        raise ExportError(
            "a template expression with filters or operators cannot be exported (GitHub "
            "Actions has no Jinja): use the plain parameter and compute the value in bash",
            path=rb.path,
            line=no,
        )


def _asks(step: Step) -> list[Part]:
    return [p for p in step.parts if p.kind == "instruction"]


def _annotation(rb: Runbook, line: int, text: str) -> str:
    message = f"{text} ({rb.path}:{line})".replace("%", "%25")
    return "echo " + shell_quote(f"::warning title=Manual instruction::{message}")


def _condition(step: Step) -> list[str]:
    tests = []
    if step.applies_to in ("major", "minor", "patch"):
        tests.append(f"needs.params.outputs.bump == '{step.applies_to}'")
    elif step.applies_to in ("hotfix", "prerelease"):
        tests.append(f"needs.params.outputs.release_type == '{step.applies_to}'")
    if step.optional and step.kind is Kind.SHELL:
        tests.append("inputs.include_optional")
    return [f"        if: {' && '.join(tests)}"] if tests else []


# -- YAML text --------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar in which GitHub expands no expression."""
    return json.dumps(text.replace("${{", "${{ '${{' }}"), ensure_ascii=False)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _indent(text: str, n: int) -> list[str]:
    return [(" " * n + line) if line.strip() else "" for line in text.split("\n")]
