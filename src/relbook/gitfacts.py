"""Facts from git (GitPython): tags, HEAD, branch, dirty tree, log between tags."""

from __future__ import annotations

from typing import Any

from relbook.errors import RelbookError


def open_repo(path: str) -> Any:
    """A git.Repo for `path`, or a clear error."""
    import git

    try:
        return git.Repo(path, search_parent_directories=False)
    except (git.NoSuchPathError, git.InvalidGitRepositoryError):
        raise RelbookError(f"--repo {path}: not a git repository") from None


def release_tags(path: str, *, remote: bool = True) -> dict[str, str]:
    """Tag names in the repo and on `origin`: name -> "local", "origin" or "both"."""
    repo = open_repo(path)
    out = {t.name: "local" for t in repo.tags}
    if remote and "origin" in [r.name for r in repo.remotes]:
        for name in remote_tags(repo):
            out[name] = "both" if name in out else "origin"
    return out


def remote_tags(repo: Any) -> list[str]:
    """Tags on origin (ls-remote); an unreachable origin gives none."""
    import git

    try:
        text = repo.git.ls_remote("--tags", "origin", kill_after_timeout=20)
    except git.GitCommandError:
        return []
    names = []
    for row in text.splitlines():
        ref = row.split("\t")[-1]
        if ref.startswith("refs/tags/") and not ref.endswith("^{}"):
            names.append(ref[len("refs/tags/") :])
    return names


def head_facts(path: str) -> dict[str, str]:
    """HEAD commit, branch and dirtiness, for the record."""
    repo = open_repo(path)
    try:
        head = repo.head.commit.hexsha
    except ValueError:
        head = ""
    branch = "" if repo.head.is_detached else repo.active_branch.name
    origin = next((r for r in repo.remotes if r.name == "origin"), None)
    return {
        "head": head,
        "branch": branch,
        "dirty": "yes" if repo.is_dirty(untracked_files=True) else "no",
        "origin": origin.url if origin else "",
    }


def is_dirty(path: str) -> bool:
    """True if the working tree has changes or untracked files."""
    return bool(open_repo(path).is_dirty(untracked_files=True))


def user_name(path: str | None) -> str:
    """git config user.name, or empty."""
    import subprocess

    cmd = ["git", "config", "user.name"]
    try:
        out = subprocess.run(cmd, cwd=path or None, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()
