"""Lint a runbook: shellcheck on every shell block, plus relbook's own checks.

Every finding points at the Markdown `file:line` of the exact line it is about.
relbook's codes are stable:

RB001  version literal in a shell block that will not follow --version
RB002  tag, push or publish before any check or test step
RB003  destructive command without a `<!-- relbook: confirm -->` directive
RB004  empty section (a heading with nothing under it)
RB005  unterminated code fence
RB006  relbook directive that applies to no step
RB007  unclosed HTML comment (it hides the rest of the runbook)
RB008  what would stop a run before its first step: a value where no quoting is safe,
       an undefined name such as {{ verison }}, a broken template
RB009  unfilled placeholder: a command that holds it is blocked until it is given
RB010  not bash: a shell fence in another language (PowerShell, a Makefile, YAML,
       a diff, ...) or that bash cannot parse is shown as text and never run
RB011  a variable a step uses that nothing sets before it (guard/unset.py)

shellcheck's own codes (SC2086, ...) come through unchanged. A runbook can
silence codes with front matter `lint: {ignore: [SC2086, RB004]}`, and
shellcheck's `# shellcheck disable=...` comments work inside blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from relbook.bash.commands import git_args, unwrap
from relbook.bash.effects import destructive_kind
from relbook.errors import ParseError, RelbookError
from relbook.guard.blocks import Block, LintFinding, shell_blocks, simple_commands
from relbook.guard.codes import RULES as RULES
from relbook.guard.shellcheck import (
    SHELLCHECK_EXCLUDE,
    ShellcheckMissing,
    find_shellcheck,
    run_shellcheck,
    shellcheck_source,
)
from relbook.guard.unset import check_unset_variables
from relbook.model import Kind, Runbook, Step
from relbook.params import literal_map, map_literals

SCHEMA = "relbook.lint/1"

__all__ = [
    "RULES",
    "SHELLCHECK_EXCLUDE",
    "Block",
    "LintFinding",
    "ShellcheckMissing",
    "find_shellcheck",
    "lint_json",
    "lint_runbook",
    "run_shellcheck",
    "shell_blocks",
    "shellcheck_source",
    "simple_commands",
]
# Every block runs under `bash -euo pipefail`, so a failing `cd` stops the step.
_SEMVER = re.compile(
    r"(?<![0-9A-Za-z.])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?(?:\+[0-9A-Za-z.-]+)?)"
    r"(?![0-9]|\.[0-9])"
)
_CHECK_TEXT = re.compile(
    r"\b(?:check|test|verif|validat|review|scan|smoke|lint|audit|approv|sign[- ]?off|passing|ci\b)",
    re.I,
)
_CHECK_WORD = re.compile(
    r"(?:^|[/_.:-])(?:test|tests|check|checks|verify|validate|lint|smoke|audit)(?:[/_.:-]|$)"
)
_CHECK_TOOLS = {"pytest", "tox", "nox", "shellcheck", "ruff", "mypy", "actionlint", "bats"}


def lint_runbook(rb: Runbook, *, shellcheck: str | None = None) -> list[LintFinding]:
    """All findings for a runbook, sorted by line; shellcheck is run once. A guide with
    no release-flow step is refused (RelbookError), not reported clean."""
    from relbook.run.safety import require_flow

    require_flow(rb)
    blocks = shell_blocks(rb)
    exe = shellcheck or find_shellcheck()
    found = run_shellcheck(blocks, rb.path, exe, rb.example_version)
    for check in CHECKS:
        found.extend(check(rb, blocks))
    ignored = _ignored_codes(rb)
    found = [f for f in found if f.code not in ignored]
    return sorted(set(found), key=lambda f: (f.line, f.column, f.code, f.message))


def lint_json(rb: Runbook, findings: list[LintFinding]) -> dict[str, Any]:
    """The documented JSON form (schema relbook.lint/1)."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return {
        "schema": SCHEMA,
        "path": rb.path,
        "sha256": rb.sha256,
        "clean": not findings,
        "counts": dict(sorted(counts.items())),
        "findings": [asdict(f) for f in findings],
    }


def _ignored_codes(rb: Runbook) -> set[str]:
    conf = rb.front_matter.get("lint") or {}
    ignore = conf.get("ignore", []) if isinstance(conf, dict) else None
    if not isinstance(ignore, list):
        raise ParseError("front matter lint.ignore must be a list of codes", path=rb.path, line=1)
    return {str(code).upper() for code in ignore}


# -- RB001: version literals ------------------------------------------------


def check_versions(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """Version literals in commands that are neither the example nor its neighbours."""
    literals = literal_map(rb.example_version)
    allowed = set(literals) | {rb.example_version}
    # a literal the prose names (relbook.parse.told) is filled, or an input RB009 reports
    told = {(p.line, p.literal.lstrip("vV")) for p in rb.placeholders if p.kind == "told"}
    out = []
    for block in blocks:
        for no, text in block.lines:
            if text.lstrip().startswith("#"):
                continue
            for m in _SEMVER.finditer(text):
                if m.group(1) in allowed or (no, m.group(0).lstrip("vV")) in told:
                    continue
                if map_literals(m.group(0), literals) != m.group(0):
                    continue  # the run fills it: `gson-1.7.2-sources.jar` of example 1.7.2
                out.append(_rb001(rb, block, no, m.group(0)))
    return out


def _rb001(rb: Runbook, block: Block, line: int, literal: str) -> LintFinding:
    if rb.example_version:
        why = f"it is not the example version {rb.example_version} or a neighbour of it"
    else:
        why = "the runbook has no example version"
    return LintFinding(
        rb.path,
        line,
        "RB001",
        f"version literal {literal} stays as written whatever --version is ({why}); "
        "write {{ version }} (or another parameter) if it should follow the release",
        step=block.step.id,
    )


# -- RB002: publishing before checks ----------------------------------------


def check_publish_order(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """Tags, pushes and publishes that run before any check or test step of their flow."""
    by_step: dict[str, list[Block]] = {}
    for block in blocks:
        by_step.setdefault(block.step.id, []).append(block)
    out = []
    for scope, steps in _flows(rb):
        out.extend(_publish_before_check(rb, scope, steps, by_step))
    return out


def _flows(rb: Runbook) -> list[tuple[str, list[Step]]]:
    """The release flow, then each contingency section (they run on their own)."""
    flows: dict[str, list[Step]] = {"the release flow": list(rb.flow())}
    for step in rb.steps:
        if step.contingency and not step.skip:
            name = f"contingency section {_contingency_root(rb, step)!r}"
            flows.setdefault(name, []).append(step)
    return list(flows.items())


def _contingency_root(rb: Runbook, step: Step) -> str:
    """Title of the outermost contingency section that holds the step."""
    contingent = {s.path for s in rb.sections if s.contingency}
    for i in range(1, len(step.section_path) + 1):
        if step.section_path[:i] in contingent:
            return step.section_path[i - 1]
    return step.section or rb.title


def _publish_before_check(
    rb: Runbook, scope: str, steps: list[Step], by_step: dict[str, list[Block]]
) -> Iterator[LintFinding]:
    for step in steps:
        if step.kind is not Kind.SHELL:
            if _CHECK_TEXT.search(step.text):
                return
            continue
        for block in by_step.get(step.id, []):
            for no, argv in simple_commands(block):
                if _is_check(argv):
                    return
                what = publish_kind(argv)
                if what:
                    yield LintFinding(
                        rb.path,
                        no,
                        "RB002",
                        f"{what} before any check or test step in {scope}; "
                        "put a check (tests, CI status, a review item) before it",
                        step=step.id,
                    )


def publish_kind(argv: list[str]) -> str:
    """'git push', 'git tag', ... when the command publishes something, else ''."""
    argv = unwrap(argv)
    git = git_args(argv)
    if git:
        sub, args = git
        if sub == "push" and not {"--dry-run", "-n"} & set(args):
            return "git push"
        listing = {"-l", "--list", "-d", "--delete", "-v", "--verify", "--contains", "-n"}
        if sub == "tag" and args and not listing & set(args):
            return "git tag"
        return ""
    pair = " ".join(Path(a).name for a in argv[:2])
    publishing = {"npm publish", "twine upload", "docker push", "cargo publish", "gh release"}
    return pair if pair in publishing else ""


def _is_check(argv: list[str]) -> bool:
    if git_args(argv):
        return False  # `git add tests/` checks nothing
    if Path(argv[0]).name in _CHECK_TOOLS:
        return True
    return any(_CHECK_WORD.search(word) for word in argv[:3])


# -- RB003: destructive commands --------------------------------------------


def check_destructive(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """Commands that destroy work or history, in steps without a confirm directive."""
    out = []
    for block in blocks:
        if block.step.confirm:
            continue
        for no, argv in simple_commands(block):
            what = destructive_kind(argv)
            if what:
                out.append(
                    LintFinding(
                        rb.path,
                        no,
                        "RB003",
                        f"{what} without confirmation; put <!-- relbook: confirm --> "
                        "before the step so the operator confirms it first",
                        step=block.step.id,
                    )
                )
    return out


# -- RB004, RB005, RB006 ----------------------------------------------------


def check_empty_sections(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """Headings with no text, items or subsections under them."""
    lines = rb.source.split("\n")
    out = []
    sections = sorted(rb.sections, key=lambda s: s.line)
    for i, sec in enumerate(sections):
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        if nxt is not None and nxt.level > sec.level:
            continue  # it has subsections
        end = nxt.line - 1 if nxt else len(lines)
        body = "\n".join(lines[sec.line : end])
        if sec.line < len(lines) and re.fullmatch(r"\s*(=+|-+)\s*", lines[sec.line]):
            body = "\n".join(lines[sec.line + 1 : end])  # a setext heading's underline
        body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
        if not re.sub(r"^\s*(?:[-*_]\s*){3,}$", "", body, flags=re.M).strip():
            out.append(LintFinding(rb.path, sec.line, "RB004", f"section {sec.title!r} is empty"))
    return out


def check_placeholders(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """RB009: placeholders no release value fills; their commands never run unless given."""
    lines = {p.line: b.step.id for b in blocks for p in b.step.commands}
    front = rb.front_matter.get("params")
    defaults = set(front) if isinstance(front, dict) else set()  # front matter gives them
    out = []
    for p in rb.placeholders:
        if p.means != "input" or p.kind not in ("token", "variable", "told") or p.line not in lines:
            continue
        if p.name in defaults:
            continue
        how = f"-p {p.name}=VALUE" + (" (or export it)" if p.kind == "variable" else "")
        out.append(
            LintFinding(
                rb.path,
                p.line,
                "RB009",
                f"unfilled placeholder {p.literal}: give it with {how}; until then the "
                "command is blocked",
                step=lines[p.line],
            )
        )
    return out


def parser_findings(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """What the parser noticed (RB005 unterminated fences, RB006 stray directives)."""
    severity = {"RB005": "error", "RB007": "error", "RB010": "error"}
    return [
        LintFinding(rb.path, f.line, f.code, f.message, severity=severity.get(f.code, "warning"))
        for f in rb.findings
    ]


def check_run_problems(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """RB008: what would stop a run before its first step (a value where no quoting is
    safe, an undefined name, a broken template), checked with every branch of `{% if %}`."""
    from relbook.params import bind
    from relbook.params.check import runbook_problems

    try:
        params = bind("1.2.3", "a description", runbook=rb, check_tags=False)
    except RelbookError:
        return []  # front matter problems are reported by the run itself
    return [
        LintFinding(rb.path, p.line, "RB008", p.msg, severity="error")
        for p in runbook_problems(rb, params, every_branch=True, findings=False)
    ]


CHECKS: tuple[Callable[[Runbook, list[Block]], list[LintFinding]], ...] = (
    check_versions,
    check_publish_order,
    check_destructive,
    check_empty_sections,
    check_placeholders,
    parser_findings,
    check_run_problems,
    check_unset_variables,
)
