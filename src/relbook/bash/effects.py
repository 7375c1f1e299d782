"""What a command does to the world: remote-touching, destructive, and how to
tell that its effect is already in place (so a resumed release skips it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REMOTE = re.compile(
    r"\bgit\s+(?:push|fetch|pull|ls-remote|clone)\b|\bgh\s|\bcurl\b|\bwget\b|\bscp\b|\brsync\b"
    r"|\bssh\b|\bkubectl\b|\bhelm\b|\baws\b|\bgcloud\b|\baz\s|\bdocker\s+push\b|\bnpm\s+publish\b"
    r"|\btwine\s+upload\b|\bcargo\s+publish\b|\bterraform\s+apply\b",
)
_DESTRUCTIVE = re.compile(
    r"\bpush\b[^\n]*(?:\s--force\b|\s-f\b|\s--delete\b|\s-d\b|\s:\S)|\breset\s+--hard\b"
    r"|\brm\s+-[a-zA-Z]*[rf]|\bbranch\s+-[dD]\b|\btag\s+-d\b|\bclean\s+-[a-zA-Z]*f"
    r"|\bkubectl\s+delete\b|\bhelm\s+(?:uninstall|delete)\b|\bdrop\s+(?:table|database)\b",
    re.I,
)


def touches_remote(command: str) -> bool:
    """True when the command talks to another machine (push, deploy, API calls)."""
    return bool(_REMOTE.search(command))


def is_destructive(command: str) -> bool:
    """True when the command deletes or rewrites something."""
    return bool(_DESTRUCTIVE.search(command))


def words(command: str) -> list[str]:
    """Split one command into its shell words, keeping each word's raw text (quotes kept)."""
    out: list[str] = []
    cur, quote, i = "", "", 0
    while i < len(command):
        c = command[i]
        if quote:
            cur += c
            if c == "\\" and quote == '"' and i + 1 < len(command):
                cur += command[i + 1]
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
            cur += c
        elif c == "\\" and i + 1 < len(command):
            cur += command[i : i + 2]
            i += 1
        elif c in " \t\n":
            if cur:
                out.append(cur)
            cur = ""
        elif c in ";|&<>#" and not cur:
            return out  # stop at the first operator: guards only look at simple commands
        else:
            cur += c
        i += 1
    if cur:
        out.append(cur)
    return out


@dataclass(frozen=True)
class Guard:
    """A bash test that succeeds when `command`'s effect is already in place."""

    test: str
    reason: str
    instead: str = ""  # run this instead of skipping when the test succeeds


def guard_for(command: str) -> Guard | None:
    """The already-done check for a common git command, or None."""
    w = words(command)
    if len(w) < 2 or w[0] != "git" or "\n" in command:
        return None
    sub, args = w[1], w[2:]
    handler = _GUARDS.get(sub)
    return handler(args) if handler else None


def _positional(args: list[str], with_value: tuple[str, ...] = ()) -> list[str]:
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in with_value:
            skip = True
        elif not a.startswith("-"):
            out.append(a)
    return out


def _tag(args: list[str]) -> Guard | None:
    if any(a in ("-d", "--delete", "-l", "--list", "-v") for a in args):
        return None
    pos = _positional(args, ("-m", "-F", "-u", "--message", "--file"))
    if not pos:
        return None
    return Guard(
        f'git rev-parse -q --verify "refs/tags/"{pos[0]} >/dev/null', f"tag {pos[0]} exists"
    )


def _push(args: list[str]) -> Guard | None:
    delete = any(a in ("--delete", "-d") for a in args)
    pos = _positional(args, ("-o", "--push-option", "--repo"))
    if len(pos) != 2 or any(a in ("--all", "--mirror", "--tags") for a in args):
        return None
    remote, ref = pos
    if delete:
        return Guard(
            f'! git ls-remote --exit-code {remote} "refs/heads/"{ref} >/dev/null 2>&1',
            f"branch {ref} already deleted on {remote}",
        )
    if ":" in ref:
        return None
    test = (
        f'{{ t="$(git ls-remote {remote} "refs/tags/"{ref} "refs/heads/"{ref} | cut -f1)";'
        f' [ -n "$t" ] && {{ [ "$t" = "$(git rev-parse "refs/tags/"{ref} 2>/dev/null)" ]'
        f' || [ "$t" = "$(git rev-parse "refs/heads/"{ref} 2>/dev/null)" ]; }}; }}'
    )
    return Guard(test, f"{ref} already on {remote}")


def _branch(args: list[str]) -> Guard | None:
    if args[:1] in (["-d"], ["-D"], ["--delete"]) and len(args) == 2:
        return Guard(
            f'! git rev-parse -q --verify "refs/heads/"{args[1]} >/dev/null',
            f"branch {args[1]} already deleted",
        )
    return None


def _checkout(args: list[str]) -> Guard | None:
    if len(args) >= 2 and args[0] == "-b":
        return Guard(
            f'git rev-parse -q --verify "refs/heads/"{args[1]} >/dev/null',
            f"branch {args[1]} exists; switched to it",
            instead=f"git checkout {args[1]}",
        )
    return None


def _commit(args: list[str]) -> Guard | None:
    """Already made when HEAD has the message and nothing is left to commit: the tree
    is compared, not only the subject. Changes staged again after a kill (or an older
    commit that happens to have the subject) are committed, never left behind."""
    flag = next((a for a in args if a in ("-m", "-am") or a == "--message"), None)
    if flag is None or args.index(flag) + 1 >= len(args):
        return None
    msg = args[args.index(flag) + 1]
    same = f'[ "$(git log -1 --format=%s 2>/dev/null)" = {msg} ] && git diff --cached --quiet'
    if flag == "-am" or any(a in ("-a", "--all") for a in args):
        same += " && git diff --quiet"
    return Guard(same, "the commit is already made (its message and tree match)")


def _merge(args: list[str]) -> Guard | None:
    pos = _positional(args, ("-m", "-s", "-X"))
    if len(pos) != 1:
        return None
    return Guard(
        f"git merge-base --is-ancestor {pos[0]} HEAD 2>/dev/null", f"{pos[0]} already merged"
    )


_GUARDS = {
    "tag": _tag,
    "push": _push,
    "branch": _branch,
    "checkout": _checkout,
    "switch": None,
    "commit": _commit,
    "merge": _merge,
}
_GUARDS = {k: v for k, v in _GUARDS.items() if v}


def guarded(command: str, guard: Guard, line: int, fd_var: str) -> str:
    """Bash that skips (or replaces) `command` when its guard holds, reporting it."""
    note = f'printf "done %s\\n" {line} >&"${fd_var}"'
    alt = guard.instead or ":"
    return f"if {guard.test}; then {note}; {alt}; else\n{command}\nfi"
