"""Where a parameter stands in bash source, and whether bash (or another interpreter)
parses the text there a second time: inside `eval`, `bash -c '...'`, `ssh host '...'`,
arithmetic, or a heredoc read by a shell. No subprocess here."""

from __future__ import annotations

import re

from relbook.bash.shell import context_of, scan_to
from relbook.datatype import datatype

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "busybox"})
_INTERPRETERS = SHELLS | {"ssh", "perl", "ruby", "node", "php", "osascript", "pwsh"}
_PYTHON = re.compile(r"python[0-9.]*")
# words that run the command after them (and their own options)
_WRAPPERS = frozenset(
    {"sudo", "doas", "env", "exec", "command", "builtin", "nohup", "time", "nice", "ionice"}
    | {"timeout", "xargs", "stdbuf", "setsid", "chrt"}
)
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_DASH_C = re.compile(r"-[A-Za-z]*c[A-Za-z]*")
_ARITH_TEST = re.compile(r"-(?:eq|ne|lt|le|gt|ge)\b")
# inside `${arr[` or `arr[` (an assignment): an indexed array's subscript is arithmetic
_SUBSCRIPT = re.compile(r"\$\{[#!]?[A-Za-z_]\w*\[[^\]]*$|(?:^|[\s;&|(])[A-Za-z_]\w*\[[^\]]*$")


@datatype(frozen=True)
class Place:
    """The quoting context at a position and how bash treats the text there."""

    context: str  # none | single | double | heredoc | heredoc-quoted
    arith: bool = False  # evaluated as an arithmetic expression
    code: str = ""  # why the text there is parsed again as code ("eval", "bash -c", ...)


def place_of(source: str, pos: int) -> Place:
    """The place of offset `pos` in bash `source`."""
    st = scan_to(source, pos)
    ctx = context_of(st)
    if st.in_heredoc is not None:
        reader = _interpreter(st.in_heredoc[3])
        return Place(ctx, code=f"a heredoc read by {reader}" if reader else "")
    levels = [*st.outer, st.words]
    code = next((why for why in map(_code, levels) if why), "")
    line = source[source.rfind("\n", 0, pos) + 1 : pos]
    rest = source[pos : (source.find("\n", pos) + 1 or len(source) + 1) - 1]
    return Place(ctx, arith=_arith(st.kinds, st.words, line, rest), code=code)


def _command(words: list[str] | tuple[str, ...]) -> tuple[str, list[str]]:
    """The command a simple command runs (after assignments and wrappers), and its args."""
    i = 0
    while i < len(words):
        w = words[i]
        name = w.rsplit("/", 1)[-1]
        if _ASSIGN.match(w) or name in _WRAPPERS or (i and (w[:1] == "-" or w[:1].isdigit())):
            i += 1
        else:
            return name, list(words[i + 1 :])
    return "", []


def _code(words: list[str]) -> str:
    """Why the words of this command make the text after them code, or ""."""
    for i, w in enumerate(words):
        name = w.rsplit("/", 1)[-1]
        if name in SHELLS and any(_DASH_C.fullmatch(x) for x in words[i + 1 :]):
            return f"{name} -c"
    cmd, args = _command(words)
    if cmd in ("eval", "trap", "watch"):
        return cmd
    if cmd == "ssh":
        return "ssh (the remote shell parses its command)"
    if cmd == "su" and any(_DASH_C.fullmatch(a) for a in args):
        return "su -c"
    return ""


def _interpreter(words: tuple[str, ...]) -> str:
    """The interpreter among the words of a command that reads a heredoc, or ""."""
    for w in words:
        name = w.rsplit("/", 1)[-1]
        if name in _INTERPRETERS or _PYTHON.fullmatch(name) or name == "eval":
            return name
    return ""


def _arith(kinds: list[str], words: list[str], line: str, rest: str) -> bool:
    inner = next((k for k in reversed(kinds) if k not in ("paren", "brace")), "")
    if inner == "arith":
        return True
    cmd, args = _command(words)
    if cmd == "let" or (
        cmd in ("declare", "typeset", "local", "readonly", "export")
        and any(a.startswith("-") and "i" in a for a in args)
    ):
        return True
    opened = max((i for i, w in enumerate(words) if w == "[["), default=-1)
    if opened >= 0 and "]]" not in words[opened:]:
        test = " ".join(words[opened:]) + " " + rest.split("]]", 1)[0]
        if _ARITH_TEST.search(test):
            return True
    return bool(_SUBSCRIPT.search(line))
