"""Insert a version's section into a Keep a Changelog file, touching nothing else.

The section goes below the `## [Unreleased]` section if there is one, else above
the newest version's section, else at the end. A file that already has a section
for the version is left alone, so running twice gives one section. Line endings
follow the file's own (LF or CRLF); every other byte is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from relbook.errors import RelbookError

if TYPE_CHECKING:
    from relbook.params.commits import Change

CATEGORIES = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
# Housekeeping commits that people reading a changelog do not need (unless breaking).
QUIET_TYPES = {"chore", "ci", "test", "tests", "build", "style"}
HEADER = (
    "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n"
    "## [Unreleased]\n"
)
_H2 = re.compile(r"^ {0,3}##(?:[ \t]|$)")
_H1 = re.compile(r"^ {0,3}#(?:[ \t]|$)")
_UNRELEASED = re.compile(r"^ {0,3}##[ \t]+\[?unreleased\]?", re.I)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def category(change: Change) -> str | None:
    """The Keep a Changelog category of a change, or None for housekeeping."""
    text = change.description.lower()
    if change.type in QUIET_TYPES and not change.breaking:
        return None
    if re.match(r"(remove|drop|delete)\b", text):
        return "Removed"
    if re.match(r"deprecate", text):
        return "Deprecated"
    if change.type == "fix":
        security = re.search(r"secur|cve-|vulnerab", f"{change.scope} {text}")
        return "Security" if security else "Fixed"
    return "Added" if change.type == "feat" else "Changed"


def section(version: str, date: str, changes: list[Change]) -> list[str]:
    """The version's section as lines without line ends."""
    lines = [f"## [{version}] - {date}"]
    by_cat: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for change in changes:
        cat = category(change)
        if cat:
            by_cat[cat].append(_entry(change))
    for cat in CATEGORIES:
        if by_cat[cat]:
            lines += ["", f"### {cat}", ""] + by_cat[cat]
    if len(lines) == 1:
        lines += ["", "No notable changes."]
    return lines


def _entry(change: Change) -> str:
    text = change.description[:1].upper() + change.description[1:]
    if change.scope:
        text = f"**{change.scope}:** {text}"
    if change.breaking:
        extra = "" if change.breaking == change.description else f": {change.breaking}"
        text = f"**Breaking:** {text}{extra}"
    refs = " ".join(f"(#{n})" for n in change.prs)
    return f"- {text} {refs}".rstrip()


def has_version(text: str, version: str) -> bool:
    """True if the changelog already has a `## [version]` section."""
    pat = re.compile(rf"^ {{0,3}}##[ \t]+\[?v?{re.escape(version)}\]?(?:[ \t]|$)", re.M)
    return any(pat.match(line) for line in _outside_fences(text.split("\n")))


def insert(text: str, version: str, lines: list[str]) -> str:
    """`text` with the section `lines` inserted; unchanged if the version is there."""
    if has_version(text, version):
        return text
    eol = "\r\n" if "\r\n" in text else "\n"
    rows = re.split(r"(?<=\n)", text)
    at = _insert_at(rows)
    before = "".join(rows[:at])
    block = eol.join(lines) + eol
    if at < len(rows) and rows[at]:
        block += eol  # blank line before the next heading
    if before and not before.endswith("\n"):
        before += eol
    if before and before.strip() and not _blank_end(before):
        block = eol + block
    return before + block + "".join(rows[at:])


def _blank_end(text: str) -> bool:
    return text.endswith(("\n\n", "\r\n\r\n"))


def _insert_at(rows: list[str]) -> int:
    """Index of the row the new section goes before."""
    headings = [i for i, _ in _headings(rows)]
    unreleased = next((i for i, row in _headings(rows) if _UNRELEASED.match(row)), None)
    if unreleased is not None:
        return next((i for i in headings if i > unreleased), len(rows))
    return next((i for i, row in _headings(rows) if _H2.match(row)), len(rows))


def _headings(rows: list[str]) -> list[tuple[int, str]]:
    """(index, row) of level 1-2 ATX headings outside code fences."""
    out = []
    fence = ""
    for i, row in enumerate(rows):
        m = _FENCE.match(row)
        if m and (not fence or m.group(1).startswith(fence)):
            fence = "" if fence else m.group(1)[:3]
            continue
        if not fence and (_H2.match(row) or _H1.match(row)):
            out.append((i, row))
    return out


def _outside_fences(lines: list[str]) -> list[str]:
    out, fence = [], ""
    for line in lines:
        m = _FENCE.match(line)
        if m and (not fence or m.group(1).startswith(fence)):
            fence = "" if fence else m.group(1)[:3]
        elif not fence:
            out.append(line)
    return out


def update(path: str, version: str, date: str, changes: list[Change]) -> str:
    """Insert the section into the file at `path`: "added", "created" or "unchanged"."""
    from relbook.record.files import write_atomic

    p = Path(path)
    new = not p.exists()
    text = HEADER if new else _read(p)
    out = insert(text, version, section(version, date, changes))
    if out == text and not new:
        return "unchanged"
    write_atomic(p, out.encode("utf-8"))
    return "created" if new else "added"


def _read(p: Path) -> str:
    try:
        data = p.read_bytes()
    except OSError as e:
        raise RelbookError(f"cannot read: {e.strerror or e}", path=str(p)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RelbookError("not UTF-8 text", path=str(p), line=line) from None
