"""Release notes facts: Conventional Commits from the git history between two tags,
and the fields of a runbook's own release-notes template section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relbook.errors import RelbookError
from relbook.params.commits import GROUP_TITLES, Change, parse_message

if TYPE_CHECKING:
    from relbook.model import Runbook

_CHERRY = re.compile(r"^\(cherry picked from commit [0-9a-f]+\)$")
_PR_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_PR_REF = re.compile(r"#(\d+)\b")


def commit_range(repo_path: str, since: str | None, until: str) -> list[Change]:
    """Changes in `since..until` (all history up to `until` when `since` is None)."""
    from relbook.params.gitfacts import open_repo

    repo = open_repo(repo_path)
    rev = f"{_resolve(repo, since)}..{_resolve(repo, until)}" if since else _resolve(repo, until)
    commits = list(repo.iter_commits(rev))
    prs = _merged_prs(repo, [c for c in commits if len(c.parents) > 1])
    changes: dict[str, Change] = {}
    for c in reversed(commits):  # oldest first: notes read in the order work landed
        if len(c.parents) > 1:
            continue  # merge commits: the commits they bring in are listed instead
        _add(changes, _clean(c.message), c.hexsha[:7], prs.get(c.hexsha))
    return list(changes.values())


def _resolve(repo: Any, ref: str) -> str:
    import git

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
    except git.GitCommandError:
        hint = " (it may be on origin only: run git fetch --tags)" if ref != "HEAD" else ""
        raise RelbookError(f"{ref}: no such commit or tag in {repo.working_dir}{hint}") from None


def _merged_prs(repo: Any, merges: list[Any]) -> dict[str, str]:
    """Commit -> PR number, for commits brought in by `Merge pull request #N` merges."""
    out: dict[str, str] = {}
    for m in merges:
        pr = _PR_MERGE.match(m.message)
        if not pr:
            continue
        for c in repo.iter_commits(f"{m.parents[0].hexsha}..{m.parents[1].hexsha}"):
            out.setdefault(c.hexsha, pr.group(1))
    return out


def _clean(message: str) -> str:
    lines = [ln for ln in message.strip().split("\n") if not _CHERRY.match(ln.strip())]
    return "\n".join(lines).strip()


def _add(changes: dict[str, Change], message: str, short: str, pr: str | None) -> None:
    """Add a commit; an identical message (a cherry-pick, a re-applied commit) is listed once."""
    change = changes.get(message)
    if change is None:
        change = changes[message] = parse_message(message)
    change.hashes.append(short)
    if pr and pr not in change.prs and not re.search(rf"#{pr}\b", change.description):
        change.prs.append(pr)


def group_changes(changes: list[Change]) -> list[dict[str, Any]]:
    """Non-empty groups in a fixed order: [{"key", "title", "changes"}]."""
    out = []
    for key, title in GROUP_TITLES.items():
        items = [c for c in changes if c.group == key]
        if items:
            out.append({"key": key, "title": title, "changes": items})
    return out


def migration_steps(changes: list[Change]) -> list[Change]:
    """The breaking changes, each of which needs a migration step."""
    return [c for c in changes if c.breaking]


def summarize(changes: list[Change]) -> str:
    """`2 features, 1 fix (1 breaking change)` when no description is given."""
    if not changes:
        return "No changes since the previous release."
    names = {"features": "feature", "fixes": "fix", "performance": "performance change"}
    names |= {"docs": "documentation change", "other": "other change"}
    parts = []
    for g in group_changes(changes):
        n = len(g["changes"])
        word = names[g["key"]]
        parts.append(f"{n} {word}{'es' if n > 1 and word.endswith('x') else 's' if n > 1 else ''}")
    text = ", ".join(parts)
    breaking = len(migration_steps(changes))
    if breaking:
        text += f" ({breaking} breaking change{'s' if breaking > 1 else ''})"
    return text + "."


# -- the runbook's own release-notes template --------------------------------

_NOTES_SECTION = re.compile(r"release[ -]?notes?", re.I)
_FIELD = re.compile(r"(?P<label>[^:\n]{1,80}?)\s*:\s*(?P<value>.*)")
# Checked in order: the first pattern matching a field's label gives its kind.
FIELD_KINDS = (
    ("known_issues", re.compile(r"known issue|known problem|limitation|caveat", re.I)),
    ("migration", re.compile(r"migrat|upgrad|breaking", re.I)),
    ("date", re.compile(r"\bdate\b|released on", re.I)),
    ("changes", re.compile(r"change|what'?s new|highlight|features|fixes", re.I)),
    ("summary", re.compile(r"summary|description|overview|synopsis", re.I)),
    ("name", re.compile(r"\bname\b|number|version|\btag\b|\brelease\b", re.I)),
)


@dataclass(frozen=True)
class NotesField:
    """One `Label:` line of a runbook's release-notes template."""

    label: str
    kind: str  # name, date, summary, changes, migration, known_issues, or "text"
    value: str  # text after the colon in the runbook (used for "text" fields)
    line: int


def notes_fields(rb: Runbook) -> tuple[str, list[NotesField]] | None:
    """The runbook's release-notes template section: (title, fields), or None."""
    from relbook.parse.source import scan

    for i, sec in enumerate(rb.sections):
        if not (_NOTES_SECTION.search(sec.title) and re.search(r"template", sec.title, re.I)):
            continue
        end = next((s.line for s in rb.sections[i + 1 :]), 10**9)
        items = [it for it in scan(rb.source).items if sec.line < it.line < end and not it.task]
        fields = [_field(it.text, it.line) for it in items]
        found = [f for f in fields if f is not None]
        if len(found) >= 2:
            return sec.title, found
    return None


def _field(text: str, line: int) -> NotesField | None:
    m = _FIELD.fullmatch(text.strip())
    if not m:
        return None
    label = re.sub(r"^\*\*|\*\*$", "", m.group("label").strip()).strip()
    kind = next((k for k, pat in FIELD_KINDS if pat.search(label)), "text")
    return NotesField(label, kind, m.group("value").strip().strip("*").strip(), line)
