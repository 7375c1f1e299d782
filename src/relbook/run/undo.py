"""A run never undoes itself: a command that deletes or force-overwrites a tag or
branch this same run created or moved is refused, even with --yes, unless the
operator answers for that exact command.

Backstop for any section that contingency detection misses ("## If it goes
wrong"). What the run made is what differs from the refs at its start (kept in the
journal, so a resumed run knows too). A branch merged into another that holds its
commits (the usual clean-up after a merge) may go; a tag the run made may not."""

from __future__ import annotations

import re
from typing import Any

from relbook.bash.refs import RefChange, ref_changes
from relbook.errors import RelbookError
from relbook.model import Part, Status
from relbook.params.gitfacts import REFS, git_out

ANSWER_PREFIX = "undo: "
REF_WORD = re.compile(
    r"\bgit\b|\bgh\b"
)  # git, and GitHub's CLI (`gh release delete --cleanup-tag`)


def changes_refs(source: str) -> bool:
    """True when a command deletes or force-overwrites a tag or branch (any name)."""
    return bool(REF_WORD.search(source)) and bool(ref_changes(source))


def local_refs(repo: str) -> dict[str, str] | None:
    """refs/heads and refs/tags of `repo` -> object ids (None: not a git repository)."""
    got = _git(repo, *REFS)
    if got is None:
        return None
    return dict(line.split(" ", 1) for line in got.splitlines() if " " in line)


def _git(repo: str, *args: str) -> str | None:
    try:
        code, out = git_out(repo, *args, timeout=60)
    except (OSError, RelbookError):  # no git, no such directory
        return None
    return out if code == 0 else None


class RefWatch:
    """The refs a run created or moved, from the journal and the repository."""

    def __init__(self, repo: str, events: list[dict[str, Any]]) -> None:
        self.repo = repo
        self.start: dict[str, str] | None = None
        self.made: set[str] = set()
        for e in events:
            if e.get("event") == "refs":
                if "at_start" in e and self.start is None:
                    self.start = dict(e["at_start"])
                self.made |= set(e.get("made", []))

    def begin_event(self) -> dict[str, Any] | None:
        """The journal event of a new run: its refs at the start (None: nothing to do)."""
        if self.start is not None:
            return None
        refs = local_refs(self.repo)
        if refs is None:
            return None
        self.start = refs
        return {"event": "refs", "at_start": refs}

    def update(self) -> list[str]:
        """Refs made since the last look (new or moved since the start)."""
        if self.start is None:
            return []
        now = local_refs(self.repo) or {}
        new = sorted(n for n, oid in now.items() if self.start.get(n) != oid and n not in self.made)
        self.made |= set(new)
        return new

    # -- the check -----------------------------------------------------------------
    def why_refused(self, change: RefChange) -> str:
        """Why `change` would undo what this run made ("" when it would not)."""
        if not self.made:
            return ""
        if not change.ref:
            made = ", ".join(_short(n) for n in sorted(self.made))
            return (
                f"it may {change.describe()}; relbook cannot tell which, and this run made {made}"
            )
        for name in self._names(change):
            if name not in self.made:
                continue
            branch = name.startswith("refs/heads/")
            if change.action == "delete" and branch and self._kept(name, change):
                continue
            return f"it would {change.describe()}, which this run created or moved"
        return ""

    def _names(self, change: RefChange) -> list[str]:
        ref = change.ref
        if ref == "HEAD":
            head = (_git(self.repo, "symbolic-ref", "-q", "HEAD") or "").strip()
            return [head] if head else []
        if ref.startswith("refs/"):
            return [ref]
        kinds = {"tag": ["refs/tags/"], "branch": ["refs/heads/"]}.get(
            change.kind, ["refs/tags/", "refs/heads/"]
        )
        return [k + ref for k in kinds]

    def _kept(self, name: str, change: RefChange) -> bool:
        """A branch whose last commit another branch holds (merged) loses no work."""
        if change.remote:
            heads = _remote_heads(self.repo, change.remote)
            tip = heads.pop(name, None)
            others = list(heads.values())
        else:
            tip = (_git(self.repo, "rev-parse", "-q", "--verify", name) or "").strip() or None
            got = _git(self.repo, "for-each-ref", "--format=%(objectname)", "refs/heads")
            others = [o for o in (got or "").split() if o != tip]
        if not tip:
            return True  # nothing there to lose
        return any(
            _git(self.repo, "merge-base", "--is-ancestor", tip, other) is not None
            for other in others
        )


def _remote_heads(repo: str, remote: str) -> dict[str, str]:
    got = _git(repo, "ls-remote", "--heads", remote) or ""
    return {
        ref: oid for oid, ref in (line.split("\t", 1) for line in got.splitlines() if "\t" in line)
    }


def _short(name: str) -> str:
    return name.removeprefix("refs/tags/").removeprefix("refs/heads/")


def watch_refs(run: Any) -> RefWatch | None:
    """At the start of a run (or a resume): know the refs it began with (journaled)."""
    repo = run.git_repo()
    if not repo:
        return None
    journal = run.recorder.journal
    refs = RefWatch(repo, journal.events)
    event = refs.begin_event()
    if event:
        journal.append(event)
    return refs


def note_refs(run: Any, step: Any) -> None:
    """After a shell step that runs git: journal the refs it made."""
    refs = getattr(run, "refs", None)
    if refs is None or not any(REF_WORD.search(p.source) for p in step.commands):
        return
    new = refs.update()
    if new:
        run.recorder.journal.append({"event": "refs", "step": step.id, "made": new})


def undo_allowed(run: Any, step: Any, segment: list[Part], outcome: Any) -> bool:
    """Before a command that deletes or overwrites refs: refuse it when it undoes what
    this run made, unless the operator answered for that exact command."""
    part, refs = segment[0], getattr(run, "refs", None)
    if refs is None or part.kind != "command" or not changes_refs(part.source):
        return True
    session = getattr(run.engine, "session", None)
    values = {**run.env, **(session.values() if session else {})}
    refs.update()
    changes = ref_changes(run.bash(part.source, part.line), values)
    reasons = [r for c in changes if (r := refs.why_refused(c))]
    if not reasons:
        return True
    command, filled = part.source.strip(), run.fill(part.source, part.line).strip()
    why = "; ".join(reasons)
    if _answered(run, command, filled, why, part.line):
        allowed = {"line": part.line, "command": filled}
        outcome.extra.setdefault("undo_allowed", []).append(allowed)
        return True
    outcome.status, outcome.failed_line = Status.PENDING, part.line
    outcome.reason = f"refused: {why}"
    outcome.extra["refused"] = (
        f"{run.rb.path}:{part.line}: step {step.id!r} refused to run `{filled}`: {why}. "
        "A run never undoes itself, even with --yes (is this section about things going "
        "wrong? mark it with <!-- relbook: contingency --> after its heading). If you mean "
        f'it, answer for that exact command: in --answers FILE, "{ANSWER_PREFIX}{command}": '
        "run, or confirm it on a terminal; the same command resumes."
    )
    return False


def _answered(run: Any, command: str, filled: str, why: str, line: int) -> bool:
    answers = run.opts.answers
    raw = answers.get(ANSWER_PREFIX + command, answers.get(ANSWER_PREFIX + filled))
    if raw is not None:
        return str(raw).strip().lower() in ("run", "yes", "done")
    if not run.ui.interactive:
        return False
    run.recorder.journal.sync()
    return bool(
        run.ui.confirm(f"{run.rb.path}:{line}: `{filled}`: {why}. Run exactly this command anyway?")
    )
