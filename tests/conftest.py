"""Shared fixtures: real git repositories with a bare `origin`, fixed identities."""

from __future__ import annotations

import gc
import itertools
import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from relbook.model import Runbook

ROOT = Path(__file__).resolve().parents[1]
RUNBOOKS = ROOT / "runbooks"
SEEDS = ROOT.parent / "shared" / "seeds"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Rel Tester",
    "GIT_AUTHOR_EMAIL": "rel@example.com",
    "GIT_COMMITTER_NAME": "Rel Tester",
    "GIT_COMMITTER_EMAIL": "rel@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(scope="session")
def _homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("homes")


_HOME_NUMBERS = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, _homes: Path) -> None:
    """Every test gets a clean HOME, fixed git identity and no colour.

    Each HOME is a new numbered directory in one session directory: mktemp per test
    lists the whole base directory to number the next one, which grows with the suite.
    """
    home = _homes / str(next(_HOME_NUMBERS))
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Rel Tester\n\temail = rel@example.com\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    for k in list(os.environ):
        # a test suite run on GitHub Actions must not make relbook speak to the runner
        if k.startswith(("RELBOOK_", "GITHUB_", "RUNNER_")) or k in ("CI",):
            monkeypatch.delenv(k, raising=False)


@cache
def read_once(path: str | Path) -> Runbook:
    """`read_runbook(path)`, read and parsed once per session.

    For tests that only look at a guide that does not change during the run (a shipped
    runbook, a seed): a Runbook is frozen, so they can share one. A test of reading
    itself, or of a file it writes, calls read_runbook.
    """
    from relbook.parse import read_runbook

    return read_runbook(path)


@cache
def parse_once(text: str, path: str = "<runbook>") -> Runbook:
    """`parse_runbook(text, path)`, once per session for the same text and path."""
    from relbook.parse import parse_runbook

    return parse_runbook(text, path)


# The day the blackout check sees in-process (it reads the real clock): outside the
# shipped guide's holiday window, so runs of it pass whatever day the suite runs on.
# Tests of the clock itself are marked real_clock (and use windows around today).
CLOCK_DAY = "2026-06-15"


@pytest.fixture(autouse=True)
def _blackout_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_clock"):
        return
    import datetime as dt

    from relbook.params import blackout

    monkeypatch.setattr(blackout, "today", lambda: dt.date.fromisoformat(CLOCK_DAY))


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run real git in `cwd` and return its stdout."""
    out = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    if check and out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {out.stderr}")
    return out.stdout.strip()


@dataclass
class Repo:
    """A working clone at `path` whose `origin` is the bare repository `origin`."""

    path: Path
    origin: Path

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.path, *args, check=check)

    def origin_git(self, *args: str, check: bool = True) -> str:
        return git(self.origin, *args, check=check)

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for name, text in (files or {"notes.txt": message + "\n"}).items():
            f = self.path / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def make_repo(base: Path, tags: tuple[str, ...] = ("v1.2.2",), version: str = "1.2.2") -> Repo:
    """A bare origin plus a clone with a VERSION file, the given tags pushed."""
    origin = base / "origin.git"
    work = base / "work"
    git(base, "init", "-q", "--bare", "-b", "main", str(origin))
    git(base, "clone", "-q", str(origin), str(work))
    repo = Repo(work, origin)
    repo.commit("Initial commit", {"VERSION": version + "\n", "README.md": "# demo\n"})
    for tag in tags:
        repo.git("tag", "-a", tag, "-m", f"Release {tag}")
    repo.git("push", "-q", "origin", "main", "--tags")
    return repo


@pytest.fixture
def origin_repo(tmp_path: Path) -> Repo:
    """A clone with a bare `origin`, tag v1.2.2 and VERSION holding 1.2.2."""
    return make_repo(tmp_path)


E2E = Path(__file__).resolve().parent / "e2e"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast tier (`-m "not slow"`) does not import tests/e2e only to deselect it all.

    Every test there is marked slow (below), so none of them can be selected; importing
    those modules (notebooks, pexpect, the drill's tools) cost the fast tier a second.
    """
    if collection_path == E2E and config.getoption("markexpr", "").strip() == "not slow":
        return True
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, test items, parametrize ids) lives for the whole
    session: frozen, the cyclic garbage collector stops walking it on every full pass
    (about a second of the fast tier's CPU went into those passes)."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whole runs through the CLI are the e2e tier: out of the fast `-m "not slow"` suite.

    A test already marked slow (a kernel, a browser, a big output) stays only slow, so
    `-m "not slow or e2e"` picks the fast tier plus the ordinary end-to-end runs.
    """
    for item in items:
        if E2E in Path(str(item.path)).parents and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
