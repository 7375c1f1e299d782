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


# What the start of a run asks git (the same arguments as where each is asked): asked
# all at once when the run starts (prefetch), while relbook reads the guide
TOPLEVEL = ("rev-parse", "--show-toplevel")
TAGS = ("for-each-ref", "--format=%(refname:short)", "refs/tags")
ORIGIN_URL = ("config", "--get", "remote.origin.url")
COMMON_DIR = ("rev-parse", "--path-format=absolute", "--git-common-dir")
REMOTES = ("remote",)
UNTRACKED_NOTEBOOKS = ("ls-files", "--others", "--exclude-standard", "-z", "*.ipynb")
STATUS = ("status", "--porcelain=v2", "--branch", "--untracked-files=normal")
REFS = ("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags")
PLAN_QUERIES = (TOPLEVEL, TAGS, ORIGIN_URL)  # a dry run's
RUN_QUERIES = (*PLAN_QUERIES, COMMON_DIR, REMOTES, UNTRACKED_NOTEBOOKS, STATUS, ORIGIN_URL, REFS)

_PENDING: dict[tuple[str, tuple[str, ...]], list[Any]] = {}  # asked, not yet taken


def prefetch(path: str, queries: tuple[tuple[str, ...], ...]) -> None:
    """Start git for each of `queries` in `path` now, side by side; git_out() with the
    same arguments takes the answer (each once) instead of asking again. Nothing in the
    repository may change before they are taken but what forget() is told of."""
    import os
    import subprocess

    from relbook.bash.programs import program

    key = os.path.abspath(path)
    for args in queries:
        try:
            proc = subprocess.Popen(
                [program("git"), *args],
                cwd=path,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError:  # no such directory, no git: asked again, and said then
            return
        _PENDING.setdefault((key, args), []).append(proc)


def forget(path: str | None = None) -> None:
    """Drop what prefetch() asked (in `path`, or everywhere): the repository changed."""
    import os

    key = None if path is None else os.path.abspath(path)
    for k in [k for k in _PENDING if key is None or k[0] == key]:
        for proc in _PENDING.pop(k):
            _reap(proc)


def _reap(proc: Any) -> None:
    """End a git asked ahead whose answer is not taken (it may still be running)."""
    proc.kill()
    proc.communicate()


def git_out(path: str, *args: str, timeout: float = 20) -> tuple[int, str]:
    """Run plain `git` (cheap: no GitPython import on the release hot path)."""
    import subprocess

    if _PENDING:
        got = _taken(path, args, timeout)
        if got is not None:
            return got
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


def _taken(path: str, args: tuple[str, ...], timeout: float) -> tuple[int, str] | None:
    """The answer prefetch() asked for, once (None when it was not asked)."""
    import os
    import subprocess

    key = (os.path.abspath(path), args)
    procs = _PENDING.get(key)
    if not procs:
        return None
    proc = procs.pop(0)
    if not procs:
        del _PENDING[key]
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _reap(proc)
        return 124, ""
    return proc.returncode, out


def check_repo(path: str) -> None:
    """A clear error unless `path` is the top of a git work tree."""
    code, top = git_out(path, *TOPLEVEL) if _is_dir(path) else (1, "")
    if code != 0:
        raise RelbookError(f"--repo {path}: not a git repository")


def _is_dir(path: str) -> bool:
    import os

    return os.path.isdir(path)


def release_tags(path: str, *, remote: bool = True) -> dict[str, str]:
    """Tag names in the repo and on `origin`: name -> "local", "origin" or "both"."""
    check_repo(path)
    _, text = git_out(path, *TAGS)
    out = {name: "local" for name in text.split()}
    if remote and git_out(path, *ORIGIN_URL)[0] == 0:
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
    check = git_out(path, *STATUS)
    head = branch = ""
    dirty = False
    for row in check[1].splitlines():
        if row.startswith("# branch.oid "):
            head = row.split()[2] if row.split()[2] != "(initial)" else ""
        elif row.startswith("# branch.head "):
            branch = row.split()[2] if row.split()[2] != "(detached)" else ""
        elif not row.startswith("#"):
            dirty = True
    origin = git_out(path, *ORIGIN_URL)[1].strip()
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
