"""Compiled regular expressions kept between runs: the second run reads what the first
compiled, gets the same patterns and the same output, and a damaged cache is ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import RUNBOOKS

SRC = str(Path(__file__).resolve().parents[2] / "src")
GUIDE = str(RUNBOOKS / "release-management.md")
PROBE = """
import re, sys
from relbook import regexcache
regexcache.load()
print(len(regexcache._loaded))
pattern = re.compile(sys.argv[1], re.I)
print(pattern.groupindex["w"], pattern.search(sys.argv[2]).group("w"))
"""


def _env(prefix: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": SRC, "PYTHONPYCACHEPREFIX": str(prefix), **extra}


def _probe(env: dict[str, str]) -> list[str]:
    args = [sys.executable, "-c", PROBE, r"\b(?P<w>minor|patch)\s+release", "A PATCH Release"]
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return out.stdout.split()


def _files(prefix: Path) -> list[Path]:
    return list(prefix.rglob("relbook-re*.marshal"))


def test_a_pattern_compiled_once_is_read_back_and_matches_alike(tmp_path: Path):
    env = _env(tmp_path)
    assert _probe(env) == ["0", "1", "PATCH"]  # nothing saved yet: compiled by re
    assert len(_files(tmp_path)) == 1
    loaded, *rest = _probe(env)
    assert int(loaded) >= 1 and rest == ["1", "PATCH"]  # built from the saved program


def test_the_cli_reads_the_same_guide_the_same_way_from_the_cache(tmp_path: Path):
    env = _env(tmp_path)
    cmd = [sys.executable, "-m", "relbook", "parse", GUIDE, "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert _files(tmp_path)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert first == second


def test_a_damaged_cache_is_ignored_and_rewritten(tmp_path: Path):
    env = _env(tmp_path)
    _probe(env)
    (cache,) = _files(tmp_path)
    cache.write_bytes(b"\x00not marshal")
    assert _probe(env) == ["0", "1", "PATCH"]
    assert _probe(env)[0] != "0"


def test_no_cache_written_without_bytecode(tmp_path: Path):
    _probe(_env(tmp_path, PYTHONDONTWRITEBYTECODE="1"))
    assert not _files(tmp_path)


def test_each_command_keeps_its_own_patterns(tmp_path: Path):
    """A parse loads what parses compiled, not also what a lint compiled after it."""
    env = _env(tmp_path)
    for command in (["parse", GUIDE], ["lint", GUIDE], ["parse", GUIDE]):
        subprocess.run([sys.executable, "-m", "relbook", *command], env=env, capture_output=True)
    names = sorted(f.name.split(".")[1] for f in _files(tmp_path))
    assert names == ["lint", "parse"]
    probe = "from relbook import regexcache\nregexcache.load('{}')\nprint(len(regexcache._loaded))"
    counts = {}
    for command in names:
        args = [sys.executable, "-c", probe.format(command)]
        out = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
        counts[command] = int(out.stdout)
    assert 0 < counts["parse"] < counts["lint"], (
        counts
    )  # a lint compiles what a parse does, and more
