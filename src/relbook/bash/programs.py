"""A program's full path, looked up once per PATH.

Given a bare name, `subprocess` tries every PATH entry in turn on each run (one
failed `execve` per entry before the one that holds it): relbook runs git a dozen
times per release. The path found is kept per value of PATH; a name not found on an
absolute PATH entry before any relative one (`.`, an empty entry) is left bare, for
`subprocess` to look up as it would have (a relative entry means the directory the
program runs in)."""

from __future__ import annotations

import os

_FOUND: dict[tuple[str, str], str] = {}


def program(name: str) -> str:
    """`name`'s full path on this process's PATH, or `name` when it is not found."""
    path = os.environ.get("PATH", os.defpath)
    key = (name, path)
    found = _FOUND.get(key)
    if found is None:
        found = _FOUND[key] = _lookup(name, path)
    return found


def _lookup(name: str, path: str) -> str:
    if os.sep in name:
        return name
    for entry in path.split(os.pathsep):
        if not os.path.isabs(entry):
            return name  # a relative entry: found where the program runs, not here
        candidate = os.path.join(entry, name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return name
