"""`run --dry-run --json` prints one JSON document on stdout, whatever preflight warns."""

from __future__ import annotations

import json
from pathlib import Path

from relbook.cli import main
from tests.conftest import Repo


def test_a_history_warning_goes_to_stderr_and_the_plan_stays_json(
    origin_repo: Repo, tmp_path: Path, capsys
) -> None:
    guide = tmp_path / "g.md"
    guide.write_text("# Release\n\n## Tag\n\n```bash\ngit tag -a v1.3.0 -m 'Release'\n```\n")
    # 1.3.0 over a history with no commits since v1.2.2: larger than the history implies
    args = ["run", str(guide), "--version", "1.3.0", "--repo", str(origin_repo.path)]
    assert main([*args, "--dry-run", "--json"]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert plan["schema"] == "relbook.plan/1"
    assert [c["text"] for s in plan["steps"] for c in s["commands"]] == [
        "git tag -a v1.3.0 -m 'Release'"
    ]
    assert "warning: version 1.3.0 is a minor release, larger than its history" in err
