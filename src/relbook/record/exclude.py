"""relbook's own files inside the repository being released stay out of git's way.

A records directory, a release notebook written with `render notebook -o`, and
the notebook papermill writes from it are relbook's outputs, not changes to
release: they are listed in the repository's `.git/info/exclude`, so a guide's
`git add .` leaves them alone and the dirty-tree check does not count them.
"""

from __future__ import annotations

import json
from pathlib import Path

_LARGEST = 64 << 20  # larger files are not taken for notebooks relbook wrote


def exclude(repo: Path, path: Path, *, directory: bool = False) -> bool:
    """Add `path` (inside `repo`) to the repository's info/exclude; False if outside."""
    try:
        rel = path.resolve().relative_to(repo.resolve())
    except ValueError:
        return False
    info = _info_dir(repo)
    if info is None:
        return False
    line = f"/{rel.as_posix()}" + ("/" if directory else "")
    target = info / "exclude"
    try:
        text = target.read_text() if target.exists() else ""
        if line not in text.split("\n"):
            info.mkdir(parents=True, exist_ok=True)
            with open(target, "a") as f:
                f.write(("" if text.endswith("\n") or not text else "\n") + line + "\n")
            from relbook.params.gitfacts import forget

            forget(str(repo))  # what git was asked before may show the file
    except OSError:
        return False  # an unwritable .git: the dirty check will say what is there
    return True


def exclude_own_notebooks(repo: Path) -> list[str]:
    """Untracked notebooks relbook wrote (or papermill ran from one), now excluded."""
    from relbook.params.gitfacts import UNTRACKED_NOTEBOOKS, git_out

    code, text = git_out(str(repo), *UNTRACKED_NOTEBOOKS)
    if code != 0:
        return []
    found = [name for name in text.split("\0") if name and is_relbook_notebook(repo / name)]
    for name in found:
        exclude(repo, repo / name)
    return found


def is_relbook_notebook(path: Path) -> bool:
    """A notebook whose metadata says relbook made it (papermill keeps that metadata)."""
    try:
        if path.stat().st_size > _LARGEST:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    meta = data.get("metadata") if isinstance(data, dict) else None
    return isinstance(meta, dict) and isinstance(meta.get("relbook"), dict)


def _info_dir(repo: Path) -> Path | None:
    dot = repo / ".git"
    if dot.is_dir():
        return dot / "info"
    if dot.is_file():  # a worktree: its exclude file is the main repository's
        from relbook.params.gitfacts import git_out

        code, common = git_out(str(repo), "rev-parse", "--git-common-dir")
        if code == 0 and common.strip():
            return (repo / common.strip()).resolve() / "info"
    return None
