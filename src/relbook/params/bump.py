"""Automated version bumping in the files that hold the version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError

_SEMVER = r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
# file name -> regex whose group 2 is the version to replace
PATTERNS: dict[str, list[str]] = {
    "VERSION": [rf"(^\s*)({_SEMVER})"],
    "version.txt": [rf"(^\s*)({_SEMVER})"],
    "pyproject.toml": [rf'(?m)(^version\s*=\s*["\'])({_SEMVER})'],
    "package.json": [rf'("version"\s*:\s*")({_SEMVER})'],
    "Chart.yaml": [
        rf"(?m)(^version:\s*[\"']?)({_SEMVER})",
        rf"(?m)(^appVersion:\s*[\"']?)({_SEMVER})",
    ],
}


@dataclass(frozen=True)
class Bump:
    path: Path
    old: str
    new: str


def about_versions(instruction: str) -> bool:
    """True when an instruction inside a block is one relbook can automate by a bump."""
    return bool(re.search(r"\bversion", instruction, re.I))


def plan_bump(repo: str | Path, version: str, front: dict[str, Any] | None = None) -> list[Bump]:
    """The version files found in `repo` (or listed in front matter `version_files`)."""
    repo = Path(repo)
    listed = (front or {}).get("version_files")
    names = [str(n) for n in listed] if listed else list(PATTERNS)
    out = []
    for name in names:
        path = repo / name
        if not path.is_file():
            if listed:
                raise RelbookError(f"version file {name} (listed in front matter) does not exist")
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS.get(path.name, [rf"(^|\W)({_SEMVER})"]):
            m = re.search(pattern, text)
            if m:
                new = ("v" if m.group(2).startswith("v") else "") + version
                out.append(Bump(path, m.group(2), new))
                break
    return out


def apply_bump(bumps: list[Bump]) -> None:
    """Write the new version into each file (first occurrence per pattern)."""
    for b in bumps:
        text = b.path.read_text(encoding="utf-8")
        for pattern in PATTERNS.get(b.path.name, [rf"(^|\W)({_SEMVER})"]):
            text = re.sub(pattern, lambda m, new=b.new: m.group(1) + new, text, count=1)
        b.path.write_text(text, encoding="utf-8")


def describe(bumps: list[Bump], repo: str | Path) -> str:
    """`VERSION: 1.2.2 -> 1.2.3, package.json: ...`."""
    return ", ".join(f"{b.path.relative_to(repo)}: {b.old} -> {b.new}" for b in bumps)
