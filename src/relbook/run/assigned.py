"""Which variables a step can change, read from its bash: what the session writes out
after the step, instead of every variable the shell has.

A name a step assigns literally (`X=`, `export X=`, `read X`, `for X in`, `unset X`,
`printf -v X`, `${X:=...}`) is written in its text as a word of identifier shape.
So every such word of the script is a name to write out: more than the step sets
(`echo`, `value`) costs nothing, since `declare -p` prints only the variables that
exist and an unchanged one is no change. Two more come from bash itself: `REPLY` /
`MAPFILE` (a `read` / `mapfile` without a name) and `PWD` (`cd`, `pushd`, `popd`).

What names a variable only at run time cannot be read this way: `source` / `.`
(a file's assignments), `eval`, a nameref (`declare -n`), `set -a`, and a name
built from an expansion (`declare "$name=1"`, `read -r "$var"`, `printf -v "$v"`).
Then the answer is None: write out every variable, as before.

The engine's shell server holds the carried variables (run.session carry()), except
those that change how that shell reads the next step or that it could not drop
again (readonly): each step declares those itself.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"(?<![\w$-])[A-Za-z_][A-Za-z0-9_]*")
# a command whose effect on the variables is decided at run time
_OPAQUE = re.compile(
    r"(?:^|[\s;&|({`!])(?:source|eval|set\s+-[A-Za-z]*a[A-Za-z]*|set\s+-o\s+allexport)"
    r"(?=\s|$|;)"
    r"|(?:^|[;&|({`!]|\b(?:then|do|else))\s*\.\s"  # `. ./env.sh` (not `git add .`)
    r"|(?:declare|typeset|local|export|readonly)\s+(?:-[A-Za-z]+\s+)*-[A-Za-z]*n"
    # a builtin that sets the variable its argument names, the name built by an expansion
    r"|(?:^|[\s;&|({`!])(?:declare|typeset|local|export|readonly|read|unset|mapfile|readarray|"
    r"getopts|printf\s+-v|let)(?:\s+(?:-[A-Za-z]+|[A-Za-z_][A-Za-z0-9_]*(?:=\S*)?|\d+))*"
    r"\s+[\"']?[A-Za-z0-9_]*\$",
    re.M,
)
_CD = re.compile(r"(?:^|[\s;&|({`!])(?:cd|pushd|popd)(?=\s|$|;)")
_READS = {"read": "REPLY", "mapfile": "MAPFILE", "readarray": "MAPFILE"}
_RESERVED = frozenset(
    ("if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until",
     "do", "done", "in", "function", "time", "coproc")
)  # fmt: skip


def names_to_capture(script: str) -> list[str] | None:
    """The variables to write out after `script` runs (sorted), or None for all."""
    if _OPAQUE.search(script):
        return None
    names = {w for w in _WORD.findall(script) if w not in _RESERVED}
    names |= {extra for word, extra in _READS.items() if word in names}
    if _CD.search(script):
        names.add("PWD")
    return sorted(names)


# variables that change how the server's own shell reads the next step, or that it
# could not drop again (readonly): each step declares them itself (the prelude)
_STEP_ONLY = re.compile(
    r"(?:IFS|TMOUT|LANG|LC_\w+|POSIXLY_CORRECT|BASH_COMPAT|BASH_ENV|ENV|CDPATH|GLOBIGNORE|"
    r"FUNCNEST|PROMPT_COMMAND|PS4|BASH_XTRACEFD|HISTFILE|__rb_\w*)"
)


def held_by_server(name: str, line: str | None) -> bool:
    """Whether the shell server may hold this carried variable for every step."""
    flags = line.split(" ", 2)[1] if line and line.startswith("declare -") else ""
    return not _STEP_ONLY.fullmatch(name) and "r" not in flags


def held_line(name: str, line: str | None) -> str:
    """Bash that gives the server `name` as `line` declares it (attributes afresh)."""
    return f"unset -v {name}" + (f"; {line}" if line is not None else "")
