"""What a guide's commands need from the machine they run on: the programs they name
(first words, through the one splitter) and the git remotes they push to (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from relbook.bash.commands import git_args, simple_commands

# bash's builtins and keywords: never a program on PATH
_BUILTIN_WORDS = (
    "alias bg bind break builtin caller cd command compgen complete compopt continue declare "
    "dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs "
    "kill let local logout mapfile popd printf pushd pwd read readarray readonly return set "
    "shift shopt source suspend test times trap true type typeset ulimit umask unalias unset "
    "wait . : [ [[ ]] if then else elif fi case esac for select while until do done in "
    "function time { } ! coproc"
)
BUILTINS = frozenset(_BUILTIN_WORDS.split())
_FUNCTION = re.compile(r"(?m)^\s*(?:function\s+([A-Za-z_][\w.:-]*)|([A-Za-z_][\w.:-]*)\s*\(\s*\))")
_ALIAS = re.compile(r"\balias\s+([A-Za-z_][\w.:-]*)=")
_INSTALL = frozenset({"install", "add", "get"})  # pip install x, npm add -g x, go get x
_NAME = re.compile(r"[A-Za-z0-9_][\w.+-]*")


def programs(source: str) -> list[tuple[int, str]]:
    """(0-based line, name) of each program a bash source runs by name: not a path
    (./scripts/x.sh), not a word built at run time ($TOOL), not a shell builtin."""
    out = []
    for c in simple_commands(source):
        words = c.words
        if not words:
            continue
        name = words[0]
        if "/" in name or not _NAME.fullmatch(name) or name in BUILTINS:
            continue
        if name.isdigit() or (name.upper() == name and name.isidentifier()):
            continue  # a number or a NAME in capitals: an argument split off, not a program
        out.append((c.line, name))
    return out


def defined_names(sources: Iterable[str]) -> set[str]:
    """Names a guide makes itself: shell functions, aliases, and what it installs."""
    out: set[str] = set()
    for source in sources:
        for m in _FUNCTION.finditer(source):
            out.add(m.group(1) or m.group(2))
        out.update(_ALIAS.findall(source))
        for c in simple_commands(source):
            words = c.words
            if not _INSTALL & set(words[1:]):
                continue
            for w in words[1:]:
                base = re.split(r"[@=<>\[]", w.rstrip("/").split("/")[-1])[0]
                if base and not w.startswith("-"):
                    out.add(base)
    return out


def push_remotes(source: str) -> list[tuple[int, str]]:
    """(0-based line, remote) of each `git push`; remote "" when git picks it."""
    out = []
    for c in simple_commands(source):
        got = git_args(list(c.argv))
        if got is None or got[0] != "push":
            continue
        args, skip = got[1], False
        remote = ""
        for a in args:
            if skip:
                skip = False
            elif a in ("-o", "--push-option", "--repo", "--receive-pack", "--exec"):
                skip = True
            elif a.startswith("--repo="):
                remote = a.split("=", 1)[1]
                break
            elif not a.startswith("-"):
                remote = a
                break
        out.append((c.line, remote))
    return out


def remote_name(word: str) -> str:
    """The configured remote a push word names ("" for a URL, a path or a variable)."""
    if not word or "$" in word or ":" in word or "/" in word or Path(word).suffix == ".git":
        return ""
    return word if _NAME.fullmatch(word) else ""


def makes_remotes(sources: Iterable[str]) -> set[str]:
    """Remotes a guide adds itself (`git remote add NAME URL`)."""
    out = set()
    for source in sources:
        for c in simple_commands(source):
            got = git_args(list(c.argv))
            if got and got[0] == "remote" and got[1][:1] == ["add"]:
                names = [a for a in got[1][1:] if not a.startswith("-")]
                out.update(names[:1])
    return out
