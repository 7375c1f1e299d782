"""`relbook render notes` against real git repositories with a bare origin."""

import datetime as dt
import re
from pathlib import Path

from relbook.cli import main
from tests.conftest import RUNBOOKS, Repo, make_repo

OCTO = str(RUNBOOKS / "octoacme-release.md")
RM = str(RUNBOOKS / "release-management.md")


def _section(text: str, heading: str) -> str:
    """The body under `heading` up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n") + len(heading) + 1
    nxt = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, start)
    return text[start : nxt.start() if nxt else len(text)]


def _three_commits(repo: Repo) -> dict[str, str]:
    return {
        "canary": repo.commit("feat: add canary deploy (#12)", {"deploy.sh": "canary\n"}),
        "rollback": repo.commit("fix: correct rollback script path", {"rollback.sh": "ok\n"}),
        "alerts": repo.commit(
            "feat!: drop v0 alerts\n\nBREAKING CHANGE: alerts v0 removed", {"alerts": "v1\n"}
        ),
    }


def _notes(capsys, *argv: str) -> str:
    assert main(["render", "notes", *argv]) == 0
    return capsys.readouterr().out


def test_octoacme_notes_from_conventional_commits(origin_repo, capsys):
    shas = _three_commits(origin_repo)
    out = _notes(
        capsys, OCTO, "--version", "1.3.0", "--repo", str(origin_repo.path),
        "--description", "Canary deploys",
    )  # fmt: skip
    features = _section(out, "### Features")
    assert "- add canary deploy (#12) (%s)" % shas["canary"][:7] in features
    assert "drop v0 alerts (%s)" % shas["alerts"][:7] in features
    assert "correct rollback script path (%s)" % shas["rollback"][:7] in _section(out, "### Fixes")
    assert "rollback" not in features and "canary" not in _section(out, "### Fixes")
    migration = _section(out, "## Migration steps (if any)")
    assert "alerts v0 removed" in migration and "None" not in migration
    assert f"- **Date:** {dt.date.today().isoformat()}\n" in out
    assert "- **Summary:** Canary deploys\n" in out
    assert "- **Release name / number:** v1.3.0\n" in out
    assert _section(out, "## Known issues").strip() == "- None known."
    assert "Initial commit" not in out  # before the previous release tag


def test_guide_without_notes_section_uses_the_shipped_template(origin_repo, capsys):
    _three_commits(origin_repo)
    out = _notes(
        capsys, RM, "--version", "1.3.0", "--repo", str(origin_repo.path),
        "--known-issue", "Dashboards lag by 5 minutes", "--known-issue", "No ARM build yet",
    )  # fmt: skip
    assert out.startswith("# Release 1.3.0\n")
    assert "**Previous release:** v1.2.2" in out
    assert "add canary deploy (#12)" in _section(out, "### Features")
    assert _section(out, "## Summary").strip() == "2 features, 1 fix (1 breaking change)."
    issues = _section(out, "## Known issues")
    assert "- Dashboards lag by 5 minutes\n- No ARM build yet" in issues


def test_every_group_and_non_conventional_commits(origin_repo, capsys):
    for msg in ("perf: cache tag lookups", "docs: explain rollback", "chore: bump deps"):
        origin_repo.commit(msg, {"f": msg})
    origin_repo.commit("Update README wording", {"README.md": "# demo 2\n"})
    out = _notes(capsys, RM, "--version", "1.2.3", "--repo", str(origin_repo.path))
    assert "cache tag lookups" in _section(out, "### Performance")
    assert "explain rollback" in _section(out, "### Documentation")
    other = _section(out, "### Other changes")
    assert "bump deps" in other and "Update README wording" in other
    assert _section(out, "## Migration steps").strip() == "- None."


def test_merged_pull_request_commits_listed_once_with_its_number(origin_repo, capsys):
    repo = origin_repo
    repo.git("checkout", "-q", "-b", "feature/routing")
    a = repo.commit("feat: route alerts by team", {"routing": "1\n"})
    b = repo.commit("fix: routing typo", {"routing": "2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("docs: note on routing", {"docs.md": "x\n"})
    repo.git("merge", "-q", "--no-ff", "feature/routing", "-m", "Merge pull request #34 from o/r")
    out = _notes(capsys, RM, "--version", "1.3.0", "--repo", str(repo.path))
    assert out.count("route alerts by team") == 1 and out.count("routing typo") == 1
    assert f"route alerts by team (#34) ({a[:7]})" in out
    assert f"routing typo (#34) ({b[:7]})" in out
    assert "Merge pull request" not in out


def test_cherry_picked_commit_is_listed_once_with_both_hashes(origin_repo, capsys):
    repo = origin_repo
    repo.git("checkout", "-q", "-b", "side")
    first = repo.commit("fix: tolerate missing tags", {"tags": "1\n"})
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", "-x", first)
    second = repo.git("rev-parse", "HEAD")
    repo.git("merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    out = _notes(capsys, RM, "--version", "1.3.0", "--repo", str(repo.path))
    assert out.count("tolerate missing tags") == 1
    assert f"({first[:7]}, {second[:7]})" in out or f"({second[:7]}, {first[:7]})" in out


def test_released_version_uses_its_tag_not_head(origin_repo, capsys):
    _three_commits(origin_repo)
    origin_repo.git("tag", "-a", "v1.3.0", "-m", "Release v1.3.0")
    origin_repo.commit("feat: work after the release", {"later": "1\n"})
    out = _notes(capsys, OCTO, "--version", "1.3.0", "--repo", str(origin_repo.path))
    assert "add canary deploy" in out and "work after the release" not in out
    nxt = _notes(capsys, OCTO, "--version", "1.4.0", "--repo", str(origin_repo.path))
    assert "work after the release" in nxt and "canary" not in nxt


def test_previous_tag_only_on_origin_is_a_clear_error(origin_repo, capsys):
    _three_commits(origin_repo)
    origin_repo.git("tag", "-d", "v1.2.2")  # still on origin
    assert (
        main(["render", "notes", OCTO, "--version", "1.3.0", "--repo", str(origin_repo.path)]) == 2
    )
    err = capsys.readouterr().err
    assert "v1.2.2" in err and "git fetch --tags" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_first_release_lists_all_history(tmp_path, capsys):
    repo = make_repo(tmp_path, tags=())
    repo.commit("feat: first feature", {"a": "1\n"})
    out = _notes(capsys, RM, "--version", "0.1.0", "--repo", str(repo.path))
    assert "first feature" in out and "Initial commit" in _section(out, "### Other changes")


def test_without_repo_the_notes_say_git_was_not_read(capsys):
    out = _notes(capsys, OCTO, "--version", "1.3.0", "--date", "2026-03-31")
    assert "- **Date:** 2026-03-31" in out
    assert "give `--repo`" in _section(out, "## Notable changes")


def test_notes_and_changelog_written_to_files(origin_repo, tmp_path, capsys):
    _three_commits(origin_repo)
    changelog = tmp_path / "CHANGELOG.md"
    argv = ["render", "notes", OCTO, "--version", "1.3.0", "--repo", str(origin_repo.path)]
    argv += ["--date", "2026-04-01", "--changelog", str(changelog), "-o", str(tmp_path / "n.md")]
    assert main(argv) == 0
    assert "created with section 1.3.0" in capsys.readouterr().err
    first = changelog.read_bytes()
    text = first.decode()
    assert (
        "## [Unreleased]\n\n## [1.3.0] - 2026-04-01\n\n### Added\n\n- Add canary deploy (#12)\n"
        in text
    )
    assert "### Removed\n\n- **Breaking:** Drop v0 alerts: alerts v0 removed\n" in text
    assert "### Fixed\n\n- Correct rollback script path\n" in text
    assert main(argv) == 0
    assert "already has section 1.3.0" in capsys.readouterr().err
    assert changelog.read_bytes() == first
    assert "add canary deploy (#12)" in Path(tmp_path / "n.md").read_text()
