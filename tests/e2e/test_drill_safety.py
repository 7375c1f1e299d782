"""A drill never reaches the real remote and changes nothing outside the sandbox
and the records directory; remote tools are simulated by logging shims."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from relbook.drill.shims import command_names, simulated
from tests.conftest import git
from tests.e2e.drilltools import (
    RELEASE,
    calls,
    drill,
    drill_process,
    drill_records,
    notebook,
    outcomes,
    snapshot,
    write,
)

UNREACHABLE = "ssh://git@192.0.2.1/ops/agent-orchestration-ops.git"

DEPLOY = textwrap.dedent(
    """\
    # Service release

    ## Build
    ```bash
    # Build and publish the image
    docker build -t registry.example.com/api:1.4.0 .
    docker push registry.example.com/api:1.4.0
    ```

    ## Deploy
    - [ ] Change window approved

    ```bash
    # Roll out to production
    helm upgrade --install api charts/api --set image.tag=1.4.0
    kubectl rollout status deploy/api --timeout=120s
    ```

    ## Announce
    ```bash
    # Tell the team
    curl -fsS -H "Authorization: Bearer $SLACK_TOKEN" https://hooks.example/T0 -d "api 1.4.0 out"
    ```

    ## Rollback
    ```bash
    # Roll back the deployment
    helm rollback api
    kubectl rollout status deploy/api
    ```
    """
)


@pytest.fixture
def tripwire(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fake `ssh` first on PATH and as GIT_SSH_COMMAND: it records any call and fails."""
    bin_dir = tmp_path / "tripwire"
    bin_dir.mkdir()
    log = tmp_path / "tripwire.log"
    ssh = bin_dir / "ssh"
    ssh.write_text(f'#!/bin/sh\necho "ssh $*" >> {log}\nexit 255\n')
    ssh.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GIT_SSH_COMMAND": str(ssh)}
    return log, env


def _source_repo(base: Path) -> Path:
    """A repository whose origin is an address that must never be reached."""
    src = base / "src"
    git(base, "init", "-q", "-b", "main", str(src))
    (src / "VERSION").write_text("1.2.2\n")
    (src / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n- fix: things\n")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "feat: first release")
    git(src, "tag", "-a", "v1.2.2", "-m", "Release v1.2.2")
    git(src, "remote", "add", "origin", UNREACHABLE)
    git(src, "config", "branch.main.remote", "origin")
    git(src, "config", "branch.main.merge", "refs/heads/main")
    (src / "notes.txt").write_text("uncommitted work in progress\n")
    return src


def test_unreachable_origin_is_never_contacted_and_nothing_outside_changes(tmp_path, tripwire):
    log, env = tripwire
    src = _source_repo(tmp_path)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    before = snapshot(src)
    code, out, err, _ = drill_process(
        [RELEASE, "--version", "1.2.3", "--repo", str(src), "--keep"], cwd, env
    )
    assert code == 0, out + err
    assert not log.exists(), log.read_text()
    assert snapshot(src) == before  # refs, config, index, worktree: byte for byte
    sandbox = Path(next(ln for ln in out.splitlines() if ln.startswith("sandbox: ")).split()[1])
    try:
        assert calls(sandbox) == []  # this runbook needs no shim: nothing was simulated
        work, origin = sandbox / "work", sandbox / "origin.git"
        assert git(work, "remote", "get-url", "origin") == str(origin)
        assert git(work, "config", "--get-regexp", "^remote\\.").count("url") == 1
        assert git(origin, "tag", "--list") == "v1.2.2\nv1.2.3"
        assert git(origin, "show", "main:VERSION") == "1.2.3"
        assert not (work / "notes.txt").exists()  # committed history only
        assert sorted(p.name for p in cwd.iterdir()) == ["records"]
        assert f"a clone of `{src}`" in out
    finally:
        shutil.rmtree(sandbox)


@pytest.mark.parametrize("target", ["unreachable", "local"])
def test_a_push_outside_the_sandbox_is_refused(tmp_path, monkeypatch, capsys, tripwire, target):
    log, env = tripwire
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    elsewhere = tmp_path / "elsewhere.git"
    git(tmp_path, "init", "-q", "--bare", str(elsewhere))
    url = UNREACHABLE if target == "unreachable" else str(elsewhere)
    runbook = write(
        tmp_path / "leaky.md",
        f"# Leaky release\n\n## Publish\n```bash\ngit push {url} HEAD:refs/heads/leak\n```\n",
    )
    scenario = write(
        tmp_path / "s.yaml",
        "expect:\n  - result: failed\n  - step: publish.1\n    status: failed\n",
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = drill([runbook, "--version", "1.0.0", "--scenario", scenario], capsys)
    assert code == 0, out
    assert f"relbook drill: refusing to push outside the sandbox: {url}" in out
    assert not log.exists()
    assert git(elsewhere, "for-each-ref") == ""


def test_remote_tools_are_shimmed_logged_and_masked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_TOKEN", "xoxb-very-secret-token")
    monkeypatch.chdir(tmp_path)
    runbook = write(tmp_path / "deploy.md", DEPLOY)
    code, out, err = drill([runbook, "--version", "1.4.0", "--keep"], capsys)
    assert code == 0, out + err
    nb = notebook(drill_records(tmp_path, "deploy")[0])
    steps = outcomes(nb)
    assert steps["build.1"]["simulated"] == [
        "docker build -t registry.example.com/api:1.4.0 .",
        "docker push registry.example.com/api:1.4.0",
    ]
    assert steps["announce.1"]["simulated"] == [
        "curl -fsS -H 'Authorization: Bearer ***' https://hooks.example/T0 -d 'api 1.4.0 out'"
    ]
    assert steps["deploy.1"]["simulated"] == []  # a manual step
    text = json.dumps(nb)
    assert "xoxb-very-secret-token" not in text
    assert "simulated: helm upgrade --install api charts/api" in text  # the status line
    sandbox = Path(next(ln for ln in out.splitlines() if ln.startswith("sandbox: ")).split()[1])
    try:
        logged = [" ".join(c["argv"][:2]) for c in calls(sandbox)]
        assert logged == [
            "docker build",
            "docker push",
            "helm upgrade",
            "kubectl rollout",
            "curl -fsS",
        ]
        assert {c["step"] for c in calls(sandbox)} == {"build.1", "deploy.2", "announce.1"}
    finally:
        shutil.rmtree(sandbox)


def test_command_fault_is_detected_and_the_rollback_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    runbook = write(tmp_path / "deploy.md", DEPLOY)
    scenario = write(
        tmp_path / "rollout.yaml",
        textwrap.dedent(
            """\
            name: rollout-fails
            faults:
              - at: deploy.2
                kind: command-fails
                command: kubectl rollout status *
                status: 1
                stderr: 'error: deployment "api" exceeded its progress deadline'
                times: 1
            response:
              section: Rollback
            expect:
              - detected_at: deploy.2
              - called: helm rollback api
              - called: curl *
                present: false
            """
        ),
    )
    code, out, err = drill([runbook, "--version", "1.4.0", "--scenario", scenario], capsys)
    assert code == 0, out + err
    assert "Ran Rollback: succeeded" in out
    steps = outcomes(notebook(drill_records(tmp_path, "deploy")[0]))
    deploy = steps["deploy.2"]
    assert deploy["status"] == "failed" and deploy["exit_code"] == 1
    assert 'deployment "api" exceeded its progress deadline' in deploy["output"]
    assert deploy["extra"]["drill"]["faults"] == ["command-fails"]
    assert steps["rollback.1"]["status"] == "done"  # times: 1, so the second rollout passes


def test_slow_command_runs_into_the_step_timeout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    runbook = write(tmp_path / "deploy.md", DEPLOY)
    scenario = write(
        tmp_path / "slow.yaml",
        textwrap.dedent(
            """\
            timeout: 1
            faults:
              - at: deploy.2
                kind: slow
                command: helm upgrade *
                seconds: 5
            expect:
              - detected_at: deploy.2
              - step: deploy.2
                status: timeout
            """
        ),
    )
    code, out, err = drill([runbook, "--version", "1.4.0", "--scenario", scenario], capsys)
    assert code == 0, out + err
    assert "Detected at deploy.2 (`" in out and ", timeout)" in out


def test_git_runs_for_real_and_only_remote_tools_are_simulated():
    assert command_names("V=$(gh release view) ; sudo systemctl restart api") == [
        "gh",
        "sudo",
        "systemctl",
    ]
    assert command_names("cat <<EOF > notes\nkubectl in a heredoc\nEOF\nslack-notify done") == [
        "cat",
        "slack-notify",
    ]
    assert command_names('for f in *.yaml; do kubectl apply -f "$f"; done') == ["kubectl"]
    assert command_names("FOO=1 env X=2 aws s3 cp a b && echo 'kubectl'") == ["env", "aws", "echo"]
    assert [n for n in ("git", "sed", "jq", "make", "cd") if simulated(n)] == []
    assert [n for n in ("kubectl", "gh", "curl", "ssh", "sudo", "deployctl") if simulated(n)] == [
        "kubectl",
        "gh",
        "curl",
        "ssh",
        "sudo",
        "deployctl",
    ]
