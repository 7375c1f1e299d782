"""The drill sandbox: a temporary directory holding a clone of the repository
whose `origin` is a bare repository in the same directory, PATH shims, and the
log of every simulated call. Nothing in it points back at the real remote.

    <sandbox>/origin.git     bare repository standing in for the real origin
    <sandbox>/work           the clone the runbook runs in
    <sandbox>/bin            shims (first on PATH) and the git wrapper
    <sandbox>/calls.jsonl    one line per shimmed call
    <sandbox>/state.json     current step and active faults, read by the shims
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError

# Environment for every git command in and around a drill: only local
# transports, no credential prompts, no LFS downloads.
SAFE_GIT_ENV = {
    "GIT_ALLOW_PROTOCOL": "file",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LFS_SKIP_SMUDGE": "1",
    "GIT_ASKPASS": "true",
    "SSH_ASKPASS": "true",
}
DRILL_IDENTITY = ("relbook drill", "drill@relbook.invalid")
_HOOK = """#!{bash}
# relbook drill: rejects the pushes the scenario says the origin rejects
rules={rules}
[ -s "$rules" ] || exit 0
status=0
while read -r old new ref; do
  while IFS=$'\\t' read -r pattern message; do
    case $ref in
      $pattern) printf '%s\\n' "$message" >&2; status=1 ;;
    esac
  done < "$rules"
done
exit $status
"""


@dataclass
class Sandbox:
    root: Path
    source: str  # the --repo path, or "" for the generated demo repository
    simulated: set[str] = field(default_factory=set)
    wrapped: set[str] = field(default_factory=set)
    baseline: dict[str, str] = field(default_factory=dict)  # origin refs at the start

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def origin(self) -> Path:
        return self.root / "origin.git"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def log(self) -> Path:
        return self.root / "calls.jsonl"

    def env(self) -> dict[str, str]:
        """Extra environment for the runbook's steps."""
        path = os.environ.get("PATH", os.defpath)
        return {**SAFE_GIT_ENV, "PATH": f"{self.bin}{os.pathsep}{path}", "RELBOOK_DRILL": "1"}

    def git(self, *args: str, where: str = "local", check: bool = True) -> str:
        """Run git in the clone (`local`) or the bare origin (`origin`); stdout."""
        repo = self.work if where == "local" else self.origin
        return _git(["-C", str(repo), *args], check=check)

    def refs(self, where: str = "origin") -> dict[str, str]:
        """Ref name -> object id, in the clone or on the sandbox origin."""
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", where=where)
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def set_state(self, step: str, rules: list[dict[str, Any]]) -> None:
        """Tell the shims which step runs and which faults are active."""
        (self.root / "state.json").write_text(json.dumps({"step": step, "rules": rules}))
        flag = self.root / "faults-git"
        if any(r["command"][:1] == ["git"] for r in rules):
            flag.touch()
        elif flag.exists():
            flag.unlink()

    def reject_pushes(self, patterns: list[str], message: str) -> None:
        """From now on the sandbox origin rejects pushes to refs matching `patterns`."""
        text = "".join(f"{p}\t{message.replace(chr(10), ' ')}\n" for p in patterns)
        with open(self.root / "reject", "a", encoding="utf-8") as f:
            f.write(text)

    def calls(self) -> list[dict[str, Any]]:
        """Every shimmed call so far, oldest first."""
        try:
            lines = self.log.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def mask_log(self) -> None:
        """A kept sandbox's call log shows no secret (the shims log raw arguments)."""
        from relbook.record.mask import Masker

        masker = Masker.from_env({**os.environ, **self.env()})
        if masker.secrets and self.log.exists():
            text = self.log.read_text(encoding="utf-8", errors="surrogateescape")
            self.log.write_text(masker.mask(text), encoding="utf-8", errors="surrogateescape")

    def remove(self) -> None:
        """Delete the sandbox."""
        shutil.rmtree(self.root, ignore_errors=True)


def network_isolation(tabletop: bool) -> tuple[bool, str]:
    """(isolated, what to say): drill steps run without a network (a network namespace
    with only loopback); where that cannot be made, the text says why."""
    if tabletop:
        return False, "not needed: nothing executes"
    from relbook.engines.netns import isolation

    why = isolation()
    isolated = not why
    return isolated, (
        "isolated: steps run in a network namespace with only loopback"
        if isolated
        else f"NOT isolated ({why}): only the shims stand between the steps and the network"
    )


def _git(args: list[str], *, check: bool = True, input: bytes | None = None) -> str:
    env = {**os.environ, **SAFE_GIT_ENV}
    got = subprocess.run(["git", *args], capture_output=True, env=env, input=input)
    if check and got.returncode != 0:
        err = got.stderr.decode("utf-8", "replace").strip()
        sub = args[2] if args[0] == "-C" else args[0]
        raise RelbookError(f"drill sandbox: git {sub} failed: {err}")
    return got.stdout.decode("utf-8", "replace").strip()


def create_sandbox(
    repo: str | None,
    version: tuple[int, int, int],
    simulate: set[str],
    wrap: set[str],
) -> Sandbox:
    """Build a sandbox from `repo` (or a demo repository) with shims installed."""
    from relbook.drill.shims import install

    root = Path(tempfile.mkdtemp(prefix="relbook-drill-"))
    box = Sandbox(root, str(Path(repo).resolve()) if repo else "")
    try:
        if repo:
            _clone_origin(Path(repo), box.origin)
        else:
            from relbook.drill.demo import build_demo

            build_demo(box.origin, *version)
        _clone_work(box, _current_branch(Path(repo)) if repo else "main")
        _install_hook(box)
        real = install(box.bin, simulate, wrap | {"git"})
        box.simulated, box.wrapped = set(simulate) - set(wrap), set(real)
        config = {"log": str(box.log), "real": real}
        (root / "drill.json").write_text(json.dumps(config, indent=1))
        box.set_state("", [])
        box.baseline = box.refs("origin")
    except BaseException:
        box.remove()
        raise
    return box


def _clone_origin(repo: Path, bare: Path) -> None:
    """The sandbox origin: a bare copy of the repository's branches and tags, made
    from the local path (the repository's own remotes are never read or contacted)."""
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        raise RelbookError(f"--repo {repo}: not a git repository")
    _git(["clone", "-q", "--bare", "--no-local", "--template=", "--", str(repo), str(bare)])
    _git(["-C", str(bare), "remote", "remove", "origin"], check=False)


def _current_branch(repo: Path) -> str:
    got = _git(["-C", str(repo), "symbolic-ref", "-q", "--short", "HEAD"], check=False)
    return got or ""


def _clone_work(box: Sandbox, branch: str) -> None:
    heads = box.refs("origin")
    args = ["clone", "-q", "--template="]
    if branch and f"refs/heads/{branch}" in heads:
        args += ["-b", branch]
    _git([*args, "--", str(box.origin), str(box.work)])
    hooks = box.root / "hooks"
    hooks.mkdir()
    _git(["-C", str(box.work), "config", "core.hooksPath", str(hooks)])
    _git(["-C", str(box.work), "config", "advice.detachedHead", "false"])
    if not _git(["-C", str(box.work), "config", "user.email"], check=False):
        _git(["-C", str(box.work), "config", "user.name", DRILL_IDENTITY[0]])
        _git(["-C", str(box.work), "config", "user.email", DRILL_IDENTITY[1]])


def _install_hook(box: Sandbox) -> None:
    hooks = box.origin / "hooks"
    hooks.mkdir(exist_ok=True)
    hook = hooks / "pre-receive"
    bash = shutil.which("bash") or "/bin/bash"
    hook.write_text(_HOOK.format(bash=bash, rules=shlex.quote(str(box.root / "reject"))))
    hook.chmod(0o755)
