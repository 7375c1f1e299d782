"""Facts from git: tags, HEAD, branch, dirty tree (plain `git`, fast enough for the
start of every run), and a GitPython repository for history (release notes)."""

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


def git_out(path: str, *args: str, timeout: float = 20) -> tuple[int, str]:
    """Run plain `git` (cheap: no GitPython import on the release hot path)."""
    import subprocess

    from relbook.bash.programs import program

    try:
        out = subprocess.run(
            [program("git"), *args], cwd=path, capture_output=True, text=True, timeout=timeout
        )
    except FileNotFoundError:
        raise RelbookError("git is not installed (it is needed for --repo)") from None
    except subprocess.TimeoutExpired:
        return 124, ""
    return out.returncode, out.stdout


def check_repo(path: str) -> None:
    """A clear error unless `path` is the top of a git work tree."""
    code, top = git_out(path, "rev-parse", "--show-toplevel") if _is_dir(path) else (1, "")
    if code != 0:
        raise RelbookError(f"--repo {path}: not a git repository")


def _is_dir(path: str) -> bool:
    import os

    return os.path.isdir(path)


def release_tags(path: str, *, remote: bool = True) -> dict[str, str]:
    """Tag names in the repo and on `origin`: name -> "local", "origin" or "both"."""
    check_repo(path)
    _, text = git_out(path, "for-each-ref", "--format=%(refname:short)", "refs/tags")
    out = {name: "local" for name in text.split()}
    if remote and git_out(path, "config", "--get", "remote.origin.url")[0] == 0:
        for name in remote_tags(path):
            out[name] = "both" if name in out else "origin"
    return out


def remote_tags(path: str) -> list[str]:
    """Tags on origin (ls-remote); an unreachable origin gives none."""
    code, text = git_out(path, "ls-remote", "--tags", "origin")
    if code != 0:
        return []
    names = []
    for row in text.splitlines():
        ref = row.split("\t")[-1]
        if ref.startswith("refs/tags/") and not ref.endswith("^{}"):
            names.append(ref[len("refs/tags/") :])
    return names


def head_facts(path: str) -> dict[str, str]:
    """HEAD commit, branch, dirtiness and origin URL, for the record (two git calls)."""
    check = git_out(path, "status", "--porcelain=v2", "--branch", "--untracked-files=normal")
    head = branch = ""
    dirty = False
    for row in check[1].splitlines():
        if row.startswith("# branch.oid "):
            head = row.split()[2] if row.split()[2] != "(initial)" else ""
        elif row.startswith("# branch.head "):
            branch = row.split()[2] if row.split()[2] != "(detached)" else ""
        elif not row.startswith("#"):
            dirty = True
    origin = git_out(path, "config", "--get", "remote.origin.url")[1].strip()
    return {"head": head, "branch": branch, "dirty": "yes" if dirty else "no", "origin": origin}


def head_commit(path: str) -> str:
    """The commit HEAD is at ("" on a branch with no commit yet): one `rev-parse`,
    not the work tree's status, which on a large repository is the slow one."""
    code, out = git_out(path, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    return out.strip() if code == 0 else ""


def user_name(path: str | None) -> str:
    """git config user.name, or empty."""
    import subprocess

    cmd = ["git", "config", "user.name"]
    try:
        out = subprocess.run(cmd, cwd=path or None, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()
