"""The prefix of a release's tags: front matter's `tag_prefix`, the version's channel
(`edge-` of edge-26.8.4), or the one prefix the repository's release tags carry when
none of them is `v` (`pyiceberg-` of pyiceberg-0.11.1, none of 12.3.0); else `v`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# a release tag: an optional word and dash (`pyiceberg-`), then a version
_RELEASE_TAG = re.compile(r"([A-Za-z][A-Za-z0-9_.]*-)?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?")


def repo_tags(repo: str | None) -> dict[str, str] | None:
    """The tags of `repo` and its origin (None without a repository)."""
    if not repo:
        return None
    from relbook.params.gitfacts import release_tags

    return release_tags(repo)


def repo_prefix(tags: Iterable[str]) -> str | None:
    """The prefix a repository's release tags carry when it is not `v`; None when the
    tags say nothing (none, a `v` tag among them, or prefixes that differ)."""
    found = set()
    for name in tags:
        if name[:1] in "vV" and name[1:2].isdigit():
            return None
        if m := _RELEASE_TAG.fullmatch(name):
            found.add(m.group(1) or "")
    return found.pop() if len(found) == 1 else None


def tag_prefix(
    front: dict[str, Any],
    channel: str,
    tags: dict[str, str] | None,
    repo: str | None,
    sources: dict[str, str],
) -> str:
    """The prefix of this release's tags (see the module); says where it came from."""
    if "tag_prefix" in front or channel:
        return str(front.get("tag_prefix", channel))
    inferred = repo_prefix(tags) if tags else None
    if inferred is None:
        return "v"
    sources["tag"] = f"the prefix of the release tags in {repo} ({inferred or 'none'})"
    return inferred
