"""What a command does to the world: remote-touching, destructive, and how to
tell that its effect is already in place (so a resumed release skips it).

`classify()` is the one answer, command by command, for the run (the say-so a
risky step needs), lint (RB003), the dry run's marks and the drill; it reads
the words of each simple command from `relbook.bash.commands`.
"""

from __future__ import annotations

import re

from relbook.bash.commands import (
    git_args,
    program_name,
    short_flags,
    simple_commands,
    unwrap,
    words_as_written,
)
from relbook.datatype import datatype


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# programs that act on another machine whatever their arguments
REMOTE_TOOLS = _names(
    """gh hub glab curl wget scp sftp rsync ssh kubectl helm aws gcloud gsutil az terraform
    tofu pulumi ansible ansible-playbook argocd flux heroku flyctl vercel netlify"""
)
# (program, subcommand) pairs that publish to another machine
REMOTE_PAIRS = frozenset(
    {
        ("docker", "push"),
        ("podman", "push"),
        ("npm", "publish"),
        ("yarn", "publish"),
        ("pnpm", "publish"),
        ("twine", "upload"),
        ("cargo", "publish"),
        ("gem", "push"),
        ("poetry", "publish"),
    }
)
REMOTE_GIT = frozenset({"push", "fetch", "pull", "ls-remote", "clone"})
_DELETE_WORDS = frozenset({"delete", "destroy", "uninstall", "rm", "remove", "purge", "prune"})
_SQL_DROP = re.compile(r"\bdrop\s+(?:table|database|schema)\b", re.I)


@datatype(frozen=True)
class Effect:
    """What one command does: why it touches a remote, why it is destructive ("" if not)."""

    remote: str = ""
    destructive: str = ""

    def __bool__(self) -> bool:
        return bool(self.remote or self.destructive)


def classify(argv: list[str]) -> Effect:
    """The effect of one simple command (its words)."""
    argv = unwrap(list(argv))
    if not argv:
        return Effect()
    git = git_args(argv)
    if git:
        return _git(*git)
    name = program_name(argv[0])
    sub = next((a for a in argv[1:] if not a.startswith("-")), "")
    remote = ""
    if name in REMOTE_TOOLS:
        remote = f"{name} reaches another machine"
    elif (name, sub) in REMOTE_PAIRS:
        remote = f"{name} {sub} publishes"
    return Effect(remote, _destroys(name, argv[1:]))


def effects(source: str) -> list[tuple[int, list[str], Effect]]:
    """(line in `source`, words, effect) of each simple command with an effect."""
    out = []
    for cmd in simple_commands(source):
        found = classify(list(cmd.argv))
        if found:
            out.append((cmd.line, list(cmd.argv), found))
    return out


def touches_remote(command: str) -> bool:
    """True when the command talks to another machine (push, deploy, API calls)."""
    return any(e.remote for _, _, e in effects(command))


def is_destructive(command: str) -> bool:
    """True when the command deletes or rewrites something."""
    return any(e.destructive for _, _, e in effects(command))


def destructive_kind(argv: list[str]) -> str:
    """A description of what the command destroys, or '' when it is harmless."""
    return classify(argv).destructive


def _git(sub: str, args: list[str]) -> Effect:
    flags = short_flags(args) | {a.split("=")[0] for a in args if a.startswith("--")}
    refs = [a for a in args if not a.startswith("-")]
    remote = f"git {sub} reaches the remote" if sub in REMOTE_GIT else ""
    if sub == "remote" and refs[:1] == ["update"]:
        remote = "git remote update reaches the remote"
    destroys = ""
    if sub == "push":
        if {"f", "--force", "--force-with-lease", "--mirror"} & flags or any(
            r.startswith("+") for r in refs
        ):
            destroys = "git push --force (rewrites history on the remote)"
        elif {"d", "--delete"} & flags or any(r.startswith(":") for r in refs[1:]):
            destroys = "git push --delete (deletes a branch or tag on the remote)"
    elif sub == "reset" and "--hard" in flags:
        destroys = "git reset --hard (discards uncommitted work)"
    elif sub == "branch" and ("D" in flags or ({"d", "--delete"} & flags and "--force" in flags)):
        destroys = "git branch -D (deletes a branch even if it is not merged)"
    elif sub == "tag" and {"d", "--delete"} & flags:
        destroys = "git tag -d (deletes a tag)"
    elif sub == "clean" and {"f", "--force"} & flags:
        destroys = "git clean -f (deletes untracked files)"
    return Effect(remote, destroys)


def _destroys(name: str, args: list[str]) -> str:
    if name == "rm":
        flags = short_flags(args) | {a for a in args if a.startswith("--")}
        recursive = bool({"r", "R", "--recursive"} & flags)
        force = bool({"f", "--force"} & flags)
        if recursive or force:
            how = "rm -rf" if recursive and force else "rm -r" if recursive else "rm -f"
            return f"{how} (deletes files for good)"
        return ""
    words = [a.lower() for a in args if not a.startswith("-")]
    if name in REMOTE_TOOLS and _DELETE_WORDS & set(words[:3]):
        verb = next(w for w in words[:3] if w in _DELETE_WORDS)
        return f"{name} {verb} (deletes on another machine)"
    if name in ("curl", "http") and any(a.upper() == "DELETE" for a in args):
        return "an HTTP DELETE request"
    if any(_SQL_DROP.search(a) for a in args):
        return "DROP TABLE or DATABASE"
    return ""


@datatype(frozen=True)
class Guard:
    """A bash test that succeeds when `command`'s effect is already in place."""

    test: str
    reason: str
    instead: str = ""  # run this instead of skipping when the test succeeds
    said: str = ""  # the test in words, where its bash is too long to show

    def shown(self) -> str:
        """How the record says the check succeeded."""
        return self.said or f"`{self.test}` succeeded"


def guard_for(command: str) -> Guard | None:
    """The already-done check for a common git command, or None."""
    w = words_as_written(command)
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
    said = f"`git ls-remote {remote} {ref}` names the commit the local {ref} names"
    return Guard(test, f"{ref} already on {remote}", said=said)


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


def guarded(command: str, guard: Guard, note: str) -> str:
    """Bash that skips (or replaces) `command` when its guard holds, reporting it by
    running `note`."""
    alt = guard.instead or ":"
    return f"if {guard.test}; then {note}; {alt}; else\n{command}\nfi"
