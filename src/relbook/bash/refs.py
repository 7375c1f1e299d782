"""Which git commands delete or force-overwrite a tag or branch, and which refs.

Pure: the words of a command are read by the one splitter (relbook.bash.commands)
and its `$VARIABLES` expanded from a mapping; nothing runs here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from relbook.bash.commands import simple_commands
from relbook.datatype import datatype

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_GIT_VALUE_OPTS = {"-C", "-c", "--git-dir", "--work-tree", "--namespace"}


@datatype(frozen=True)
class RefChange:
    """A command's deletion or forced overwrite of a ref.

    `ref` is a full name (`refs/tags/v1.2.3`), a short one (`v1.2.3`: tag or
    branch), or "" when relbook cannot tell which ref (`--mirror`, a name it cannot
    expand). `remote` is the remote it happens on, "" for the local repository."""

    action: str  # "delete" | "overwrite"
    ref: str
    remote: str = ""
    kind: str = ""  # "tag" | "branch" | "" (either)

    def describe(self) -> str:
        kind = self.kind or next(
            (
                k
                for k, p in (("tag", "refs/tags/"), ("branch", "refs/heads/"))
                if self.ref.startswith(p)
            ),
            "",
        )
        what = {"tag": "tag ", "branch": "branch "}.get(kind, "")
        name = self.ref.removeprefix("refs/tags/").removeprefix("refs/heads/") or "a ref"
        where = f" on {self.remote}" if self.remote else ""
        verb = "delete" if self.action == "delete" else "force-overwrite"
        return f"{verb} {what}{name}{where}"


def ref_changes(command: str, values: Mapping[str, str] | None = None) -> list[RefChange]:
    """Deletions and forced overwrites of tags and branches that `command` makes."""
    out: list[RefChange] = []
    for argv in _simple_commands(command):
        out += _git_changes([_expand(w, values or {}) for w in argv])
    return out


def _simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command (the one splitter, relbook.bash.commands)."""
    return [c.words for c in simple_commands(command) if c.words]


def _expand(word: str, values: Mapping[str, str]) -> str:
    """`$NAME` / `${NAME}` from `values`; a word with anything else unexpanded is
    returned with a NUL in it (a name relbook cannot know)."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return values.get(name, "\0")

    text = _VAR.sub(one, word)
    return text if "$" not in text and "`" not in text else "\0"


def _git_changes(argv: list[str]) -> list[RefChange]:
    while argv and argv[0] in ("sudo", "command", "exec", "env", "time", "nohup"):
        argv = argv[1:]
    if argv and argv[0].rsplit("/", 1)[-1] == "gh":
        return _gh(argv[1:])
    if not argv or argv[0].rsplit("/", 1)[-1] != "git":
        return []
    args = argv[1:]
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in _GIT_VALUE_OPTS else args[1:]
    if not args:
        return []
    handler = _HANDLERS.get(args[0])
    return handler(args[1:]) if handler else []


def _split(args: list[str], with_value: set[str]) -> tuple[set[str], list[str]]:
    flags, pos, skip = set(), [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--":
            continue
        elif a.startswith("--"):
            flags.add(a.split("=", 1)[0])
            skip = a in with_value
        elif a.startswith("-") and len(a) > 1:
            flags |= {f"-{c}" for c in a[1:]}
            skip = a in with_value
        else:
            pos.append(a)
    return flags, pos


def _name(word: str) -> str:
    return "" if "\0" in word else word


def _tag(args: list[str]) -> list[RefChange]:
    flags, pos = _split(args, {"-m", "-F", "-u", "--message", "--file", "--local-user"})
    if flags & {"-d", "--delete"}:
        return [RefChange("delete", _name(p), kind="tag") for p in pos]
    if flags & {"-f", "--force"} and pos:
        return [RefChange("overwrite", _name(pos[0]), kind="tag")]
    return []


def _branch(args: list[str]) -> list[RefChange]:
    flags, pos = _split(args, {"-u", "--set-upstream-to", "-t", "--track"})
    forced = bool(flags & {"-f", "--force"})
    if "-D" in flags or (flags & {"-d", "--delete"} and forced):
        return [RefChange("delete", _name(p), kind="branch") for p in pos]
    if flags & {"-d", "--delete", "-m", "-M", "-c", "-C", "--move", "--copy"}:
        return []  # a plain -d refuses to lose unmerged work by itself
    if forced and pos:
        return [RefChange("overwrite", _name(pos[0]), kind="branch")]
    return []


def _checkout(args: list[str]) -> list[RefChange]:
    for i, a in enumerate(args[:-1]):
        if a in ("-B", "-C", "--force-create"):
            return [RefChange("overwrite", _name(args[i + 1]), kind="branch")]
    return []


def _update_ref(args: list[str]) -> list[RefChange]:
    flags, pos = _split(args, {"-m"})
    if "-d" in flags and pos:
        return [RefChange("delete", _name(pos[0]))]
    return []


def _push(args: list[str]) -> list[RefChange]:
    flags, pos = _split(args, {"-o", "--push-option", "--repo", "--receive-pack", "--exec"})
    remote, specs = (pos[0], pos[1:]) if pos else ("origin", [])
    remote = _name(remote) or "origin"
    force = bool(flags & {"-f", "--force", "--force-with-lease", "--force-if-includes"})
    if flags & {"--mirror", "--prune"}:
        return [RefChange("delete", "", remote)]
    if flags & {"-d", "--delete"}:
        return [RefChange("delete", _name(s), remote) for s in specs]
    out = []
    for spec in specs:
        plus = spec.startswith("+")
        src, colon, dst = spec.lstrip("+").partition(":")
        if colon and not src:
            out.append(RefChange("delete", _name(dst), remote))
        elif force or plus:
            out.append(RefChange("overwrite", _name(dst or src), remote))
    if force and (not specs or flags & {"--tags", "--all"}):
        out.append(RefChange("overwrite", "", remote))
    return out


_GH_REF = re.compile(r"(?:^|/)git/refs/(tags|heads)/(.+)$")


def _gh(args: list[str]) -> list[RefChange]:
    """GitHub's CLI: `gh release delete v1.2.3 --cleanup-tag` deletes the tag on GitHub,
    and so does `gh api -X DELETE repos/o/r/git/refs/tags/v1.2.3` (a branch's too)."""
    flags, pos = _split(args, {"-R", "--repo", "-X", "--method", "-H", "--header", "-f", "-F"})
    if pos[:2] == ["release", "delete"] and "--cleanup-tag" in flags and len(pos) > 2:
        return [RefChange("delete", _name(pos[2]), "origin", kind="tag")]
    if pos[:1] == ["api"] and _method(args) == "DELETE":
        for p in pos[1:]:
            m = _GH_REF.search(p)
            if m:
                kind = "tag" if m.group(1) == "tags" else "branch"
                return [RefChange("delete", _name(m.group(2)), "origin", kind=kind)]
    return []


def _method(args: list[str]) -> str:
    for i, a in enumerate(args):
        if a in ("-X", "--method") and i + 1 < len(args):
            return args[i + 1].upper()
        if a.startswith(("--method=", "-X")) and len(a) > 2:
            return a.split("=", 1)[-1].removeprefix("-X").upper()
    return ""


_HANDLERS: dict[str, Callable[[list[str]], list[RefChange]]] = {
    "tag": _tag,
    "branch": _branch,
    "checkout": _checkout,
    "switch": _checkout,
    "update-ref": _update_ref,
    "push": _push,
}
