"""Which git commands delete or force-overwrite which refs (bash.refs)."""

from __future__ import annotations

import pytest

from relbook.bash.refs import ref_changes


@pytest.mark.parametrize(
    ("command", "want"),
    [
        ("git push origin :refs/tags/v2.5.0", [("delete", "refs/tags/v2.5.0", "origin")]),
        ("git push --delete origin v2.5.0", [("delete", "v2.5.0", "origin")]),
        ("git push origin --delete release/v1.2.3", [("delete", "release/v1.2.3", "origin")]),
        ("git tag -d v2.5.0", [("delete", "v2.5.0", "")]),
        ("git tag -f v2.5.0 HEAD", [("overwrite", "v2.5.0", "")]),
        ("git push -f origin main", [("overwrite", "main", "origin")]),
        ("git push --force-with-lease upstream HEAD", [("overwrite", "HEAD", "upstream")]),
        ("git push origin +main:main", [("overwrite", "main", "origin")]),
        ("git branch -D release-2.5", [("delete", "release-2.5", "")]),
        ("git checkout -B release-2.5 main", [("overwrite", "release-2.5", "")]),
        ("git push --mirror origin", [("delete", "", "origin")]),
        ('git push origin :"refs/tags/v${VERSION}"', [("delete", "refs/tags/v2.6.0", "origin")]),
        ('git push origin :"$UNKNOWN"', [("delete", "", "origin")]),
        (
            "git -C repo tag -d v1 && git push origin :v1",
            [("delete", "v1", ""), ("delete", "v1", "origin")],
        ),
        # GitHub's CLI deletes tags and branches on GitHub too
        ("gh release delete v2.5.0 --cleanup-tag --yes", [("delete", "v2.5.0", "origin")]),
        ("gh -R o/r release delete v2.5.0 --cleanup-tag", [("delete", "v2.5.0", "origin")]),
        ("gh api -X DELETE repos/o/r/git/refs/tags/v2.5.0", [("delete", "v2.5.0", "origin")]),
        ("gh api --method=DELETE /repos/o/r/git/refs/heads/rel", [("delete", "rel", "origin")]),
        # not undoing anything
        ("gh release delete v2.5.0 --yes", []),  # the release page; the tag stays
        ("gh api repos/o/r/git/refs/tags/v2.5.0", []),
        ("git branch -d release-2.5", []),
        ("git push origin v2.5.0", []),
        ("git tag -a v2.5.0 -m 'Release -d'", []),
        ("echo git push origin :v1", []),
        ("git push origin main --tags", []),
    ],
)
def test_ref_changes(command: str, want: list[tuple[str, str, str]]) -> None:
    got = ref_changes(command, {"VERSION": "2.6.0"})
    assert [(c.action, c.ref, c.remote) for c in got] == want
