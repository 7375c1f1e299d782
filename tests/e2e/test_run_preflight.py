"""Preflight: what makes a run fail for sure is found before its first step is recorded."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Repo
from tests.e2e.runhelp import GUIDE, release_args, run


def test_a_directory_that_is_not_a_repository_is_refused_before_any_step(tmp_path, capsys):
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    records = tmp_path / "rec"
    args = [GUIDE, "--version", "1.2.3", "--repo", plain, "--records", records, "--yes"]
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert f"--repo {plain}: not a git repository, and the runbook runs git ({GUIDE}:" in err
    assert "Traceback" not in err
    assert not list(records.rglob("*.jsonl")) and not list(records.rglob("*.ipynb"))


def test_an_answers_key_that_names_no_step_is_refused_with_the_closest_id(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        'release-testng.3: "skip: no drill environment"\npre-release-checklist.1: done\n'
    )
    records = tmp_path / "rec"
    assert run(*release_args(origin_repo, records, "--yes", "--answers", str(answers))) == 2
    err = capsys.readouterr().err
    assert "answers: 'release-testng.3' names no step or instruction" in err
    assert "did you mean 'release-testing.3'?" in err
    assert not list(records.rglob("*.jsonl"))
    assert origin_repo.origin_git("tag") == "v1.2.2"  # nothing ran


NEEDS = """
    # Releasing

    ## Build

    ```bash
    build() { echo "building $RELBOOK_VERSION"; }
    build
    ./scripts/release.sh
    cd . && printf '%s\\n' ok
    goreleaser release --clean
    gh release create "v$RELBOOK_VERSION"
    ```

    ## Publish

    ```bash
    git push upstream main
    ```

    <!-- relbook: optional -->
    ```bash
    docker push example/app
    ```

    ## Major release process

    ```bash
    terraform apply
    ```

    ## Announce

    - [ ] Tell the `helm` users

    ## Rollback

    ```bash
    kubectl rollout undo deploy/app
    ```
"""


def _only_git_and_bash(tmp_path: Path, monkeypatch, *tools: str) -> Path:
    """A PATH with git, bash and the given stand-in tools (each prints its arguments)."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("git", "bash"):
        (bin_dir / name).symlink_to(shutil.which(name))
    for name in tools:
        tool = bin_dir / name
        tool.write_text(f'#!{shutil.which("bash")}\necho "{name} $*" >> "{tmp_path}/calls"\n')
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_missing_tools_and_remotes_are_refused_all_at_once_before_any_step(
    origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
) -> None:
    from tests.e2e.runhelp import write_runbook

    rb = write_runbook(tmp_path / "needs.md", NEEDS)
    _only_git_and_bash(tmp_path, monkeypatch)
    records = tmp_path / "rec"
    args = [rb, "--version", "1.2.3", "--repo", origin_repo.path, "--records", records, "--yes"]
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert "3 problems found before the first step; nothing was recorded" in err
    assert f"{rb}:10: `goreleaser` is not on PATH" in err
    assert f"{rb}:11: `gh` is not on PATH" in err
    assert f"{rb}:17: the runbook pushes to 'upstream', but {origin_repo.path} has no " in err
    assert "(its remotes: origin); add it with `git remote add upstream URL`" in err
    # builtins, the guide's own function, a script by path; an optional step, one for
    # major releases only, a manual step and a contingency section: none counts
    for name in ("build", "scripts", "printf", "cd", "docker", "terraform", "helm", "kubectl"):
        assert f"`{name}`" not in err, name
    assert not list(records.rglob("*.jsonl")) and not list(records.rglob("*.ipynb"))
    assert "Traceback" not in err


def test_with_the_tools_on_path_and_the_remote_added_the_run_goes_through(
    origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
) -> None:
    from tests.e2e.runhelp import write_runbook

    rb = write_runbook(tmp_path / "needs.md", NEEDS.replace("./scripts/release.sh", ":"))
    _only_git_and_bash(tmp_path, monkeypatch, "goreleaser", "gh")
    origin_repo.git("remote", "add", "upstream", str(origin_repo.origin))
    records = tmp_path / "rec"
    args = [rb, "--version", "1.2.3", "--repo", origin_repo.path, "--records", records, "--yes"]
    assert run(*args) == 0, capsys.readouterr().err
    assert (tmp_path / "calls").read_text() == (
        "goreleaser release --clean\ngh release create v1.2.3\n"
    )


def test_a_drill_counts_the_sandbox_shims_as_present(
    origin_repo: Repo, tmp_path: Path, monkeypatch, capsys
) -> None:
    from relbook.cli import main
    from tests.e2e.runhelp import write_runbook

    guide = "# Releasing\n\n## Publish\n\n```bash\ngh release create v1.2.3\n"
    guide += "git push origin main\n```\n"
    rb = write_runbook(tmp_path / "shimmed.md", guide)
    _only_git_and_bash(tmp_path, monkeypatch)
    argv = ["drill", str(rb), "--version", "1.2.3", "--repo", str(origin_repo.path)]
    assert main([*argv, "--records", str(tmp_path / "records")]) == 0, capsys.readouterr()
    records = tmp_path / "rec"
    assert run(rb, "--version", "1.2.3", "--repo", origin_repo.path, "--records", records) == 2
    assert f"{rb}:6: `gh` is not on PATH" in capsys.readouterr().err


ARITHMETIC = """# Release

## Count

```bash
N=0; N=$((N+1)); ((N++)); parts=(one two)
for ((i=0; i<2; i++)); do N=$((N+i)); done
echo "$N ${parts[1]}"
```
"""


def test_arithmetic_and_arrays_are_not_taken_for_programs(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    from tests.e2e.runhelp import write_runbook

    rb = write_runbook(tmp_path / "count.md", ARITHMETIC)
    records = tmp_path / "rec"
    args = [rb, "--version", "1.2.3", "--repo", origin_repo.path, "--records", records, "--yes"]
    assert run(*args) == 0
    out = capsys.readouterr()
    assert "not on PATH" not in out.err and "3 two" in out.out
