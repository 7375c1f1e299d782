"""RB011: a variable a step uses that nothing sets before it, in the one terminal
session the guide assumes (run.session): not a release value relbook sets (its
`RELBOOK_*` variables, the guide's own `$VERSION`, `$TAG`, ...), not set by an
earlier step since the last `<!-- relbook: clean -->`, nor earlier in the same
step, not a `params:` default of the front matter, and not a variable every
shell or CI runner has (HOME, PATH, USER, PWD, CI, GITHUB_*, ...). A use with a
default (`${NAME:-x}`) is not one. A name RB009 already reports at that line (an
operator input: `-p NAME=VALUE`) is left to it."""

from __future__ import annotations

from relbook.guard.blocks import Block, LintFinding
from relbook.model import Kind, Runbook
from relbook.params.tokens import SHELL_VARS
from relbook.params.variables import variable_uses, variables_set

WELL_KNOWN = SHELL_VARS | {
    "USER", "PWD", "CI", "TZ", "LANGUAGE", "SSH_AUTH_SOCK", "GPG_TTY", "GNUPGHOME",
    "KUBECONFIG", "DOCKER_HOST", "GOOS", "GOARCH", "GOFLAGS", "GOPROXY", "JAVA_HOME",
    "VIRTUAL_ENV", "CONDA_PREFIX", "NO_COLOR", "TERM_PROGRAM", "MAKEFLAGS", "EPOCHSECONDS",
    "EPOCHREALTIME", "SRANDOM", "BASH_REMATCH", "MAPFILE", "HISTFILE", "TMOUT",
}  # fmt: skip
WELL_KNOWN_PREFIXES = ("GITHUB_", "RUNNER_", "CI_", "GITLAB_", "BUILDKITE_", "CIRCLE_",
                       "TRAVIS_", "RELBOOK_", "LC_", "XDG_", "BASH_")  # fmt: skip


def well_known(name: str) -> bool:
    """A variable every shell or CI runner has, or relbook's own."""
    return name in WELL_KNOWN or name.startswith(WELL_KNOWN_PREFIXES)


def check_unset_variables(rb: Runbook, blocks: list[Block]) -> list[LintFinding]:
    """RB011 (see the module): each use of a variable nothing sets, once per name and
    session, at its `file:line`."""
    release = {p.name for p in rb.placeholders if p.kind == "variable" and p.means != "input"}
    inputs = {(p.line, p.name) for p in rb.placeholders if p.kind == "variable"}
    front = rb.front_matter.get("params")
    given = set(front) if isinstance(front, dict) else set()
    linted = {b.step.id for b in blocks}
    out: list[LintFinding] = []
    seen: set[str] = set()
    for step in rb.steps:
        if step.kind is not Kind.SHELL or step.skip or step.id not in linted:
            continue
        if step.directives.get("clean"):
            seen = set()
        for part in step.commands:
            sets = variables_set(part.source)
            for name, at in variable_uses(part.source):
                line = part.line + part.source.count("\n", 0, at)
                if name in seen or name in sets or name in release or name in given:
                    continue
                seen.add(name)  # once per name, until a clean session
                if well_known(name) or (line, name) in inputs:
                    continue
                out.append(_finding(rb, line, name, step.id))
            seen |= sets
    return out


def _finding(rb: Runbook, line: int, name: str, step: str) -> LintFinding:
    return LintFinding(
        rb.path,
        line,
        "RB011",
        f"${name} is used here but nothing sets it before this step (no earlier block in "
        "this session, no release value, no front matter params default): set it in an "
        f"earlier block, export it before the run, or give it a default (${{{name}:-...}})",
        step=step,
    )
