"""Conventional Commits: a commit message as a change (type, scope, breaking note).

Pure text rules, shared by the release notes and the version check.
"""

from __future__ import annotations

import re

from relbook.datatype import datatype, field

# Conventional Commits type -> notes group; anything else is "other".
GROUPS = {"feat": "features", "fix": "fixes", "perf": "performance", "docs": "docs"}
GROUP_TITLES = {
    "features": "Features",
    "fixes": "Fixes",
    "performance": "Performance",
    "docs": "Documentation",
    "other": "Other changes",
}
_HEADER = re.compile(
    r"(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\n]*)\))?(?P<bang>!)?:[ \t]+(?P<desc>.+)"
)
_BREAKING = re.compile(r"^BREAKING[ -]CHANGE:[ \t]*(.*)$")
_FOOTER = re.compile(r"^(?:[A-Za-z][A-Za-z-]*|BREAKING CHANGE)(?::[ \t]|[ \t]#)")


@datatype
class Change:
    """One change in the release: a commit (or identical commits) described once."""

    type: str
    group: str
    description: str
    scope: str = ""
    breaking: str = ""  # migration note; non-empty means a breaking change
    conventional: bool = True
    hashes: list[str] = field(default_factory=list)
    prs: list[str] = field(default_factory=list)  # PR numbers not already in `description`

    @property
    def refs(self) -> str:
        """`(#12) (abc1234)` style references that follow the description."""
        parts = [f"(#{n})" for n in self.prs]
        parts.append("(" + ", ".join(self.hashes) + ")")
        return " ".join(parts)


def parse_message(message: str) -> Change:
    """A commit message as a Change (type, scope, `!`, BREAKING CHANGE footer)."""
    lines = message.strip("\n").split("\n")
    header = lines[0].strip()
    m = _HEADER.fullmatch(header)
    if not m:
        return Change("other", "other", header, conventional=False)
    kind = m.group("type").lower()
    note = _breaking_note(lines[1:])
    if m.group("bang") and not note:
        note = m.group("desc").strip()
    return Change(
        type=kind,
        group=GROUPS.get(kind, "other"),
        description=m.group("desc").strip(),
        scope=(m.group("scope") or "").strip(),
        breaking=note,
    )


def _breaking_note(body: list[str]) -> str:
    """Text of a `BREAKING CHANGE:` footer, with its continuation lines."""
    for i, line in enumerate(body):
        m = _BREAKING.match(line)
        if not m:
            continue
        text = [m.group(1).strip()]
        for more in body[i + 1 :]:
            if not more.strip() or _FOOTER.match(more):
                break
            text.append(more.strip())
        return " ".join(t for t in text if t)
    return ""
