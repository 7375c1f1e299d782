"""Bytes that are not UTF-8 (in arguments, answers, scenarios, templates) and guides that
are not files (a FIFO, a device, a directory): one clear line, exit 2, no traceback,
nothing run or recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import env, write_runbook

GUIDE = "# R\n\n- [ ] Announce\n\n```bash\ntouch RAN\n```\n"


@pytest.mark.parametrize("option", ["--description", "--operator"])
def test_non_utf8_argument_is_exit_2(option: str, origin_repo: Repo, tmp_path: Path):
    guide = write_runbook(tmp_path / "g.md", GUIDE)
    words = [sys.executable, "-m", "relbook", "run", guide, "--version", "1.2.3", "--yes",
             "--repo", origin_repo.path, "--records", tmp_path / "rec", option]  # fmt: skip
    argv = [str(w).encode() for w in words] + [b"bad \xff byte"]
    out = subprocess.run(argv, capture_output=True, env=env(), timeout=60)
    err = out.stderr.decode()
    assert out.returncode == 2, err
    assert (
        err == f"relbook: error: {option}: not UTF-8 text (byte 0xff at character 5); pass UTF-8\n"
    )
    assert not (origin_repo.path / "RAN").exists() and not (tmp_path / "rec").exists()


def test_non_utf8_answers_scenario_and_template_files(origin_repo: Repo, tmp_path: Path, capsys):
    guide = str(write_runbook(tmp_path / "g.md", GUIDE))
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(b'r.1: done\nr.2: "skip: caf\xe9"\n')
    run = ["run", guide, "--version", "1.2.3", "--repo", str(origin_repo.path)]
    assert main([*run, "--answers", str(answers), "--records", str(tmp_path / "rec")]) == 2
    err = capsys.readouterr().err
    assert err == f"relbook: error: {answers}:2: answers: not UTF-8 text (byte 0xe9); " + (
        "save the file as UTF-8\n"
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(b"name: s\ndescription: \xff\n")
    assert main(["drill", guide, "--version", "1.2.3", "--scenario", str(scenario)]) == 2
    assert f"{scenario}:2: scenario: not UTF-8 text (byte 0xff)" in capsys.readouterr().err
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "checklist.md.j2").write_bytes(b"# \xfe {{ params.version }}\n")
    argv = ["render", "checklist", guide, "--version", "1.2.3", "--templates", str(templates)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{templates / 'checklist.md.j2'}:1: template: not UTF-8 text (byte 0xfe)" in err
    assert not (origin_repo.path / "RAN").exists()


def test_a_fifo_as_the_guide_is_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "guide.md"
    os.mkfifo(fifo)
    for cmd in (
        ["parse", str(fifo)],
        ["lint", str(fifo)],
        ["run", str(fifo), "--version", "1.2.3"],
    ):
        out = subprocess.run(
            [sys.executable, "-m", "relbook", *cmd], capture_output=True, text=True, env=env(),
            timeout=30,
        )  # fmt: skip
        assert out.returncode == 2
        assert (
            out.stderr == f"relbook: error: {fifo}: is a named pipe (FIFO), not a Markdown file\n"
        )


@pytest.mark.parametrize(("path", "what"), [("/dev/null", "a device"), (".", "a directory")])
def test_a_device_or_directory_as_the_guide(path: str, what: str, capsys):
    assert main(["parse", path]) == 2
    assert capsys.readouterr().err == f"relbook: error: {path}: is {what}, not a Markdown file\n"
