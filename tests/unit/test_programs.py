"""A program's full path is looked up once per PATH, as subprocess would find it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from relbook.bash.programs import program


def _tool(directory: Path, name: str, mode: int = 0o755) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\necho from " + str(directory) + "\n")
    path.chmod(mode)
    return path


def test_the_first_executable_on_path_is_the_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "tool").mkdir(parents=True)  # a directory of that name: not it
    _tool(tmp_path / "b", "tool", mode=0o644)  # not executable: not it
    found = _tool(tmp_path / "c", "tool")
    _tool(tmp_path / "d", "tool")
    path = ":".join(str(tmp_path / d) for d in "abcd")
    monkeypatch.setenv("PATH", path)
    assert program("tool") == str(found)
    by_name = subprocess.run(["tool"], capture_output=True, text=True).stdout
    assert subprocess.run([program("tool")], capture_output=True, text=True).stdout == by_name


def test_another_path_is_looked_up_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _tool(tmp_path / "one", "tool"), _tool(tmp_path / "two", "tool")
    monkeypatch.setenv("PATH", str(tmp_path / "one"))
    assert program("tool") == str(first)
    monkeypatch.setenv("PATH", f"{tmp_path / 'two'}:{tmp_path / 'one'}")
    assert program("tool") == str(second)


def test_a_relative_entry_or_a_missing_program_leaves_the_name_bare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tool(tmp_path / "bin", "tool")
    monkeypatch.setenv("PATH", f".:{tmp_path / 'bin'}")  # `.`: where the program runs
    assert program("tool") == "tool"
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert program("no-such-tool-here") == "no-such-tool-here"
    assert program("./tool") == "./tool"
