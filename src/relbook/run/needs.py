"""What a run needs from the machine, checked before its first step: the programs its
commands name are on PATH, and the remotes it pushes to exist in the repository.

Only the steps this release runs count: shell steps of the plan that apply to the
release and are not optional (manual steps and contingency sections are not run).
Shell builtins, functions and aliases the guide defines, tools it installs, and
scripts by path (./scripts/x.sh) are not missing programs; nor is anything after
the guide changes PATH (`export PATH=...`, `source .venv/bin/activate`). In a drill
the sandbox's shims are on the run's PATH, so they count as present."""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING

from relbook.bash.tools import defined_names, makes_remotes, programs, push_remotes, remote_name
from relbook.errors import RelbookError
from relbook.model import Kind, Runbook, Step

if TYPE_CHECKING:
    from relbook.params import Params
    from relbook.run.options import RunOptions

# after these the PATH is not the one relbook sees: later programs are not checked
_PATH_CHANGE = re.compile(
    r"\bPATH\+?=|(?:^|[;&|(\s])(?:source|\.)\s+\S*activate\b|\bconda\s+activate\b|"
    r"\bnvm\s+use\b|\bpoetry\s+shell\b|\b(?:pyenv|asdf|mise|rbenv)\s+(?:shell|local|use)\b",
    re.M,
)


_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _bash(source: str) -> str:
    """A command with its template expressions as the variables they run as."""
    return _TEMPLATE.sub('"$RELBOOK_VALUE"', source)


def run_steps(rb: Runbook, steps: list[Step], params: Params) -> list[Step]:
    """The shell steps of the plan that this release runs for sure."""
    from relbook.run.flow import not_applicable

    return [
        s
        for s in steps
        if s.kind is Kind.SHELL and not s.optional and not not_applicable(s, params)
    ]


def missing_tools(rb: Runbook, steps: list[Step], opts: RunOptions) -> list[str]:
    """One problem per program the steps run that is not on the run's PATH."""
    sources = [_bash(p.source) for s in rb.steps for p in s.parts if p.kind == "command"]
    made = defined_names(sources)
    path = opts.env.get("PATH", os.environ.get("PATH", os.defpath))
    first: dict[str, list[int]] = {}
    for step in steps:
        for part in step.commands:
            if _PATH_CHANGE.search(part.source):
                return _tool_problems(rb, first)  # what follows sees another PATH
            for offset, name in programs(_bash(part.source)):
                if name in made or shutil.which(name, path=path):
                    continue
                first.setdefault(name, []).append(part.line + offset)
    return _tool_problems(rb, first)


def _tool_problems(rb: Runbook, found: dict[str, list[int]]) -> list[str]:
    out = []
    for name, lines in found.items():
        also = f" (also line{'s' * (len(lines) > 2)} {', '.join(map(str, lines[1:]))})"
        out.append(
            f"{rb.path}:{lines[0]}: `{name}` is not on PATH"
            + (also if len(lines) > 1 else "")
            + "; install it or put it on PATH"
        )
    return out


def missing_remotes(rb: Runbook, steps: list[Step], repo: str) -> list[str]:
    """One problem per remote the steps push to that the repository does not have."""
    sources = [p.source for s in rb.steps for p in s.parts if p.kind == "command"]
    added = makes_remotes(sources)
    have = _remotes(repo)
    if have is None:
        return []
    out, seen = [], set()
    for step in steps:
        for part in step.commands:
            if re.search(r"\bgit\s+(?:clone|init)\b", part.source):
                return out  # what follows pushes from another repository
            for offset, word in push_remotes(_bash(part.source)):
                name = remote_name(word)
                if (word and not name) or name in added or name in seen:
                    continue
                if name and name not in have:
                    seen.add(name)
                    listed = ", ".join(sorted(have)) or "none"
                    out.append(
                        f"{rb.path}:{part.line + offset}: the runbook pushes to {name!r}, "
                        f"but {repo} has no remote {name!r} (its remotes: {listed}); add it "
                        f"with `git remote add {name} URL`"
                    )
                elif not name and not have and "" not in seen:
                    seen.add("")
                    out.append(
                        f"{rb.path}:{part.line + offset}: the runbook runs `git push`, but "
                        f"{repo} has no remote to push to; add one with "
                        "`git remote add origin URL`"
                    )
    return out


def _remotes(repo: str) -> set[str] | None:
    """The repository's remotes (None when git cannot say)."""
    from relbook.params.gitfacts import REMOTES, git_out

    try:
        code, out = git_out(repo, *REMOTES, timeout=30)
    except (OSError, RelbookError):
        return None
    return set(out.split()) if code == 0 else None
