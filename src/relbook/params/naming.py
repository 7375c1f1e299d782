"""What a placeholder's name says it stands for: `<new-version>` is the version,
`<previous tag>` the previous tag, `<commit-sha>` an input the operator gives."""

from __future__ import annotations

import re

# words that say a version is another component's, not this release's
_OTHER = {
    "min", "max", "minimum", "maximum", "go", "golang", "node", "nodejs", "k8s", "kubernetes",
    "docs", "doc", "api", "chart", "helm", "python", "java", "jdk", "image", "rc", "without",
    "sha", "commit", "pre", "proxy", "base", "toolchain", "cli", "sdk", "rust", "cargo", "npm",
    "dependency", "dep", "schema", "protocol", "os", "kernel", "fedora", "ubuntu", "debian",
}  # fmt: skip
_PREV = {"prev", "previous", "old", "last", "latest", "current", "prior"}
VERSION_WORDS = {"version", "ver", "vers", "versions"}
_FILLER = {
    "new", "the", "this", "num", "number", "next", "release", "x", "y", "z", "string", "no",
    "insert", "here", "enter", "put", "your",
}  # fmt: skip


def words_of(name: str) -> list[str]:
    """`<new-version>` / `RELEASE_VERSION` / `versionNumber` -> lowercase words."""
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9#]+", name.lower()) if w]


def meaning(name: str) -> str:
    """The release value a placeholder's name stands for, or "input"."""
    words = words_of(name)
    if words in (["release"], ["releases"], ["new", "release"]):
        return "version"
    if words[:3] in (["version", "without", "patch"], ["release", "without", "patch"]):
        return "series"  # `<version_without_patch_and_v>`: major.minor
    ws = set(words)
    if not words or ws & _OTHER:
        return "input"
    if ws & {"date", "yyyy", "today"}:
        return "date"
    if ws & {"description", "summary", "descr"} and "add" not in ws:
        return "description"
    prev = bool(ws & _PREV) and not ws & {"new"}
    rest = ws - _PREV - VERSION_WORDS - _FILLER - {"tag", "major", "minor", "patch", "maj", "min"}
    if len(rest) > 1 or (rest and not (ws & VERSION_WORDS or "tag" in ws)):
        return "input"
    if "tag" in ws:
        return "previous_tag" if prev else "tag"
    if prev and ws & VERSION_WORDS:
        return "previous_version"
    parts = [w for w in words if w in {"major", "minor", "patch", "maj"}]
    if parts:
        if {"major", "minor"} <= ws or (parts == ["minor"] and ws & VERSION_WORDS):
            return "series"
        return {"maj": "major"}.get(parts[0], parts[0])
    if ws & VERSION_WORDS and not prev:
        return "version"
    return "input"


def param_name(text: str) -> str:
    """A run parameter's name from a placeholder: `<commit-sha>` -> `commit_sha`."""
    words = words_of(text)
    return "_".join(words)[:40].strip("_") or "value"
