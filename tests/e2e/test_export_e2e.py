"""Run exported workflows the way GitHub Actions would, on real repositories.

A small runner plays each job in order: a fresh clone of the bare `origin` for
actions/checkout, expressions evaluated only where Actions evaluates them
(`env:`, `if:`, job outputs), and every `run:` script executed by real bash
(`bash --noprofile --norc -eo pipefail`, as `shell: bash`) or python. A
description input of `$(touch pwned)` must reach git as text and run nowhere.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from relbook.guard import actions_params
from relbook.guard.export import export_github_actions
from relbook.parse import parse_runbook, read_runbook
from tests.conftest import RUNBOOKS, Repo, git, make_repo

EVIL = "$(touch pwned) `touch pwned2` ${RELBOOK_VERSION:?x}; touch pwned3"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class Runner:
    """Plays a workflow's jobs against a bare origin."""

    workflow: dict[str, Any]
    origin: Path
    base: Path
    inputs: dict[str, Any]
    needs: dict[str, dict[str, str]] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)

    def run(self, only: tuple[str, ...] | None = None) -> None:
        for job_id, job in self.workflow["jobs"].items():
            if only is None or job_id in only:
                self.run_job(job_id, job)

    def run_job(self, job_id: str, job: dict[str, Any]) -> None:
        work = self.base / job_id
        work.mkdir()
        steps: dict[str, dict[str, str]] = {}
        job_env = {k: self.expand(str(v), steps) for k, v in job.get("env", {}).items()}
        for n, step in enumerate(job["steps"]):
            if "uses" in step:
                assert step["uses"].startswith("actions/checkout@")
                git(self.base, "clone", "-q", str(self.origin), str(work))
                continue
            if "if" in step and not self.condition(step["if"], steps):
                continue
            env = {
                **job_env,
                **{k: self.expand(str(v), steps) for k, v in step.get("env", {}).items()},
            }
            outputs = self.run_script(job_id, n, step, env, work, steps)
            if "id" in step:
                steps[step["id"]] = outputs
        self.needs[job_id] = {k: self.expand(v, steps) for k, v in job.get("outputs", {}).items()}

    def run_script(
        self,
        job_id: str,
        n: int,
        step: dict[str, Any],
        env: dict[str, str],
        cwd: Path,
        steps: dict[str, dict[str, str]],
    ) -> dict[str, str]:
        script = self.expand(step["run"], steps)  # as Actions does, before bash sees it
        path = self.base / f"{job_id}-{n}.script"
        path.write_text(script)
        output, summary = self.base / f"{job_id}-{n}.out", self.base / f"{job_id}.summary"
        output.touch()
        argv = {
            "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
            "python": [sys.executable, str(path)],
        }[step["shell"]]
        env = {
            **os.environ,
            **env,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise StepError(f"{job_id} / {step.get('name')}", proc.stdout + proc.stderr)
        self.summaries[job_id] = summary.read_text() if summary.exists() else ""
        return dict(line.split("=", 1) for line in output.read_text().splitlines())

    def value(self, expr: str, steps: dict[str, dict[str, str]]) -> Any:
        parts = expr.split(".")
        if parts[0] == "inputs":
            return self.inputs.get(parts[1], "")
        if parts[0] == "needs" and parts[2] == "outputs":
            return self.needs[parts[1]][parts[3]]
        if parts[0] == "steps" and parts[2] == "outputs":
            return steps[parts[1]][parts[3]]
        if expr == "github.ref":
            return "refs/heads/main"
        raise AssertionError(f"expression the runner does not know: {expr}")

    def expand(self, text: str, steps: dict[str, dict[str, str]]) -> str:
        return _EXPR.sub(lambda m: str(self.value(m.group(1), steps)), text)

    def condition(self, expr: str, steps: dict[str, dict[str, str]]) -> bool:
        for term in expr.split("&&"):
            left, _, right = term.strip().partition(" == ")
            value = self.value(left, steps)
            if (value != right.strip("'")) if right else not value:
                return False
        return True


class StepError(AssertionError):
    def __init__(self, where: str, output: str) -> None:
        super().__init__(f"{where} failed:\n{output}")
        self.output = output


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))
    return data


def no_pwned(base: Path) -> None:
    found = [p for p in base.rglob("pwned*")] + [p for p in Path.home().rglob("pwned*")]
    assert found == []


AUTOMATED = """
# Demo release

## Checks
- [ ] CI is green on main

## Prepare
```bash
git checkout -b release/v1.2.3
echo 1.2.3 > VERSION
git commit -am "Prepare release v1.2.3: [Brief description]"
git push origin release/v1.2.3
```

## Approval
- [ ] Release manager sign-off
- [ ] Management approval (major releases only)

## Publish
```bash
git checkout main
git merge --no-ff -m "Merge release/v1.2.3" release/v1.2.3
git tag -a v1.2.3 -m "Release v1.2.3: [Brief description]"
git push origin main v1.2.3
echo "previous {{ previous_tag }}, next {{ next_patch }}, {{ release_type }}" > released.txt
git push origin --delete release/v1.2.3
```
"""


@pytest.mark.slow
def test_whole_workflow_runs_and_the_description_stays_text(tmp_path):
    repo = make_repo(tmp_path)
    rb = parse_runbook(AUTOMATED, str(tmp_path / "demo.md"))
    runner = Runner(load(export_github_actions(rb)), repo.origin, tmp_path / "ci", {})
    runner.base.mkdir()
    runner.inputs = {"version": "v1.2.3", "description": EVIL}
    runner.run()
    assert list(runner.needs) == ["params", "checks", "prepare", "approval", "publish"]
    assert runner.needs["params"]["previous_tag"] == "v1.2.2"
    message = repo.origin_git("tag", "-l", "--format=%(contents:subject)", "v1.2.3")
    assert message == f"Release v1.2.3: {EVIL}"
    assert repo.origin_git("show", "main:VERSION") == "1.2.3"
    assert repo.origin_git("log", "-1", "--format=%s", "main") == "Merge release/v1.2.3"
    assert repo.origin_git("branch", "--list", "release/*") == ""
    published = (tmp_path / "ci" / "publish" / "released.txt").read_text()
    assert published == "previous v1.2.2, next 1.2.4, operational\n"
    assert "- [x] Release manager sign-off" in runner.summaries["approval"]
    assert "Management approval" not in runner.summaries["approval"]  # a minor release
    no_pwned(tmp_path)


@pytest.mark.slow
def test_release_management_deployment_section_as_written(tmp_path):
    """The seed's own deployment job, after a release branch was pushed."""
    repo = make_repo(tmp_path)
    repo.git("checkout", "-q", "-b", "release/v1.2.3")
    repo.commit("Prepare release v1.2.3", {"VERSION": "1.2.3\n"})
    repo.git("push", "-q", "origin", "release/v1.2.3")
    rb = read_runbook(RUNBOOKS / "release-management.md")
    runner = Runner(load(export_github_actions(rb)), repo.origin, tmp_path / "ci", {})
    runner.base.mkdir()
    runner.inputs = {"version": "1.2.3", "description": EVIL, "override_blackout": "drill"}
    runner.run(only=("params", "release-approval", "release-deployment"))
    message = repo.origin_git("tag", "-l", "--format=%(contents:subject)", "v1.2.3")
    assert message == f"Release v1.2.3: {EVIL}"
    assert repo.origin_git("show", "main:VERSION") == "1.2.3"
    assert repo.origin_git("branch", "--list", "release/*") == ""  # cleaned up on origin
    no_pwned(tmp_path)


@pytest.mark.parametrize("version", ["1.2.3$(touch pwned)", "1.2.2", "1.2"])
def test_params_job_stops_bad_or_released_versions(tmp_path, version):
    repo = make_repo(tmp_path)
    rb = parse_runbook(AUTOMATED, "demo.md")
    runner = Runner(load(export_github_actions(rb)), repo.origin, tmp_path / "ci", {})
    runner.base.mkdir()
    runner.inputs = {"version": version, "description": ""}
    with pytest.raises(StepError) as e:
        runner.run()
    assert "::error title=relbook::" in e.value.output
    assert list(runner.needs) == []  # nothing after params ran
    assert repo.origin_git("tag", "-l") == "v1.2.2"
    no_pwned(tmp_path)


def test_blackout_window_stops_the_workflow_unless_overridden(tmp_path):
    today = dt.datetime.now(dt.timezone.utc).date()  # noqa: UP017
    window = f"{today:%m-%d}..{today:%m-%d}"
    text = f'---\nblackout: ["{window}"]\n---\n' + textwrap.dedent(AUTOMATED)
    rb = parse_runbook(text, "demo.md")
    repo = make_repo(tmp_path)
    wf = load(export_github_actions(rb))
    runner = Runner(wf, repo.origin, tmp_path / "ci", {"version": "1.2.3"})
    runner.base.mkdir()
    with pytest.raises(StepError) as e:
        runner.run(only=("params",))
    assert f"blackout {window}" in e.value.output and "demo.md:2" in e.value.output
    runner = Runner(wf, repo.origin, tmp_path / "ci2", {"version": "1.2.3"})
    runner.base.mkdir()
    runner.inputs["override_blackout"] = "security fix"
    runner.run(only=("params",))
    assert "overridden: security fix" in runner.summaries["params"]


@pytest.mark.parametrize(
    ("version", "tags"),
    [
        ("1.2.3", ["v1.2.1", "v0.9.0"]),
        ("v2.0.0", ["v1.9.9", "v1.9.9-hotfix.1", "other"]),
        ("1.2.3-hotfix.1", ["v1.2.3", "v1.2.3-rc.1"]),
        ("1.3.0-rc.1", ["v1.2.3-hotfix.2", "v1.2.3"]),
        ("3.0.0", []),
    ],
)
def test_params_script_derives_what_bind_derives(tmp_path, version, tags):
    from relbook.params import bind

    repo: Repo = make_repo(tmp_path, tags=("v1.2.2", *tags))
    day = dt.date(2026, 3, 31)
    expected = bind(version, repo=str(repo.path), date=day.isoformat())
    tag_list = repo.git("tag", "--list").split()
    got = actions_params.derive(version, "v", tag_list, day)
    assert got == {k: v or "" for k, v in expected.values.items() if k != "description"}
