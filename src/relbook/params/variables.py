"""Shell variables in a guide's commands: which a command expands, which it sets, and
those nothing in the guide sets (placeholders, filled when they name a release value or
are given with -p NAME=VALUE)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from relbook.model import Placeholder
from relbook.params.tokens import SHELL_VARS, meaning

if TYPE_CHECKING:
    from relbook.model import Runbook, Step

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def variable_uses(source: str) -> list[tuple[str, int]]:
    """Shell variables a command expands (`$NAME`, `${NAME}`; not `${NAME:-x}`), with
    their offsets; none inside single quotes or a quoted heredoc."""
    if "$" not in source:
        return []
    from relbook.bash.shell import quote_contexts

    found = [m for m in _VAR.finditer(source) if source[m.start() - 1 : m.start()] != "\\"]
    if "'" in source or "<<" in source:  # else no single quote nor heredoc holds a use
        contexts = quote_contexts(source, [m.start() for m in found])
        found = [
            m
            for m, ctx in zip(found, contexts, strict=True)
            if ctx not in ("single", "heredoc-quoted")
        ]
    return [(m.group(1) or m.group(2), m.start()) for m in found]


_SETS = re.compile(
    r"(?:^|[\s;&|(`])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)\+?="
    r"|(?:^|[\s;&|(])(?:export|local|declare|readonly|unset)((?:\s+-\w+)*(?:\s+[A-Za-z_]\w*)+)"
    r"|(?:^|[\s;&|(])read\s+([^;&|\n]*)"
    r"|(?:^|[\s;&|(])(?:for|select)\s+([A-Za-z_]\w*)\s+in\b"
    r"|(?:^|[\s;&|(])getopts\s+\S+\s+([A-Za-z_]\w*)"
    r"|(?:^|\s)function\s+\w+|(?:^|[\s;])while\s+read\s+(?:-\w+\s+)*((?:[A-Za-z_]\w*\s*)+)"
    r"|(?:^|[\s;&|(])printf\s+-v\s+([A-Za-z_]\w*)"  # printf -v NAME
    r"|(?:^|[\s;&|(])(?:mapfile|readarray)\s+(?:-[A-Za-z]+\s+)*([A-Za-z_]\w*)"
    r"|\$\{([A-Za-z_]\w*):?=",  # ${NAME:=default}
    re.M,
)


_SETTERS = re.compile(r"\b(?:read|for|export|select|getopts|printf|mapfile|readarray)\b")


def variables_set(source: str) -> set[str]:
    """Names a piece of bash assigns, exports, reads or loops over."""
    if "=" not in source and not _SETTERS.search(source):
        return set()
    out: set[str] = set()
    for m in _SETS.finditer(source):
        if m.group(1) and not _DECLARED.search(m.group(0)) and _prefixes_command(source, m.end()):
            continue  # `BRANCH=main ./release.sh`: set for that command only
        for g in m.groups():
            if g:
                out.update(w for w in g.split() if re.fullmatch(r"[A-Za-z_]\w*", w))
    return out


_DECLARED = re.compile(r"\b(?:export|local|declare|readonly)\s")
# an assignment's value (quoted or a bare word), then what follows it on the line
_VALUE = re.compile(
    r"\((?:[^()]|\([^()]*\))*\)[ \t]*|"  # an array: `PKGS=(core cli)`
    r"(?:\"(?:[^\"\\]|\\.)*\"|'[^']*'|\$\((?:[^()]|\([^()]*\))*\)|\$\{[^}]*\}|`[^`]*`"
    r"|\\.|[^\s;&|()\"'`$]|\$(?![({]))*[ \t]*"
)
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


def _prefixes_command(source: str, at: int) -> bool:
    """Whether the assignment whose value starts at `at` is a prefix of a command
    (`A=1 B=2 cmd`), which sets nothing in the shell, rather than a statement."""
    while True:
        at = _VALUE.match(source, at).end()  # type: ignore[union-attr]
        if at >= len(source) or source[at] in ";&|)\r\n#$(`":  # `$(` unread: a statement
            return False
        m = _ASSIGNMENT.match(source, at)
        if not m:
            return True
        at = m.end()


def variable_placeholders(step: Step, set_so_far: set[str]) -> list[Placeholder]:
    """`$NAME` a block expands that no earlier block (nor its own earlier lines) sets."""
    out = []
    for part in step.commands:
        sets = variables_set(part.source)
        set_so_far |= sets  # `x=$(...); echo "$x"`: set before use
        for name, _ in variable_uses(part.source):
            if name in set_so_far or name in SHELL_VARS or name.startswith("RELBOOK_"):
                continue
            means = meaning(name)
            why = (
                f"nothing in the guide sets it; named like {means}"
                if means != "input"
                else "nothing in the guide sets it"
            )
            out.append(
                Placeholder(name, part.line, "$" + name, means=means, kind="variable", why=why)
            )
            set_so_far.add(name)  # reported once, at its first use
    return out


def guide_variables(runbook: Runbook | None, values: dict[str, str | None]) -> dict[str, str]:
    """The guide's shell variables that nothing in it sets: those named after a release
    value get it (`$VERSION`, `$TAG`), those given with -p NAME=VALUE get that."""
    out: dict[str, str] = {}
    for p in runbook.placeholders if runbook else ():
        if p.kind != "variable" or p.name in out:
            continue
        value = values.get(p.name) if p.name in values else values.get(p.means)
        if value is not None and (p.name in values or p.means != "input"):
            out[p.name] = value
    return out
