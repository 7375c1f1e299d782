"""relbook metrics over records that real `relbook run`s wrote in a real repository."""

from __future__ import annotations

import json
import textwrap

import pytest

from relbook.cli import main
from tests.conftest import make_repo

RUNBOOK = textwrap.dedent(
    """\
    # Demo release

    ## Checks
    - [ ] CI is green

    ## Publish
    ```bash
    echo "{{ version }}" > VERSION
    git commit -qam "Release {{ version }}"
    git tag -a "v{{ version }}" -m "Release {{ version }}"
    git push -q origin main "v{{ version }}"
    ```

    ## Emergency Rollback
    ```bash
    git revert --no-edit HEAD
    git push -q origin main
    ```
    """
)


@pytest.mark.slow
def test_three_releases_one_rolled_back(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path)
    runbook = tmp_path / "demo.md"
    runbook.write_text(RUNBOOK)
    records = tmp_path / "records"
    monkeypatch.chdir(repo.path)
    base = ["run", str(runbook), "--yes", "--records", str(records), "--repo", str(repo.path)]
    for version in ("1.2.3", "1.2.4", "1.3.0"):
        assert main([*base, "--version", version]) == 0
    assert main([*base, "--version", "1.3.0", "--section", "Emergency Rollback"]) == 0
    assert repo.origin_git("show", "main:VERSION") == "1.2.4"  # 1.3.0 reverted on origin
    capsys.readouterr()

    assert main(["metrics", str(records)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"3 release records in {records} (3 done, 1 with a rollback)")
    table = out.split("\n\n")[1]
    rows = [line.split() for line in table.splitlines() if line.split()[0] == "demo"]
    # version, result, ..., failed attempts, time lost, rollback
    assert [(r[1], r[2], r[-3:]) for r in rows[:2]] == [
        ("1.2.3", "done", ["0", "-", "-"]),
        ("1.2.4", "done", ["0", "-", "-"]),
    ]
    assert rows[2][1:3] == ["1.3.0", "done"] and rows[2][-4:] == ["0", "-", "Emergency", "Rollback"]
    assert "Rollback frequency: 1 of 3 releases (33%) — demo 1.3.0: Emergency Rollback" in out

    assert main(["metrics", str(records), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(data["per_month"].values()) == 3
    assert data["rollbacks"]["count"] == 1
    publish = next(s for s in data["steps"] if s["step"] == "publish.1")
    assert publish["runs"] == 3 and publish["p50"] is not None and publish["p90"] >= publish["p50"]
    assert all(r["lead_time"] is not None and r["lead_time"] >= 0 for r in data["releases"])
