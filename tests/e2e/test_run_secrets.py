"""Secrets never reach the terminal, the logs, the journal or the notebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import outcomes, run, write_runbook

SECRET = "s3cr3t-value"

RUNBOOK = """
    # Secret release

    ## Steps

    ```bash
    echo "$GITHUB_TOKEN"
    echo "token=$GITHUB_TOKEN and again ${GITHUB_TOKEN}!"
    printf '%s' "${GITHUB_TOKEN:0:4}"; sleep 0.3; printf '%s\\n' "${GITHUB_TOKEN:4}"
    echo "$DEPLOY_KEY" >&2
    ```

    ```bash
    echo "the end: $GITHUB_TOKEN"; exit 3
    ```
"""


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def secret_run(origin_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("DEPLOY_KEY", "plain-but-private-42")
    rb = write_runbook(tmp_path / "secret.md", RUNBOOK)
    records = tmp_path / "records"
    rc = run(
        rb,
        "--version",
        "1.3.0",
        "--description",
        f"uses {SECRET}",
        "--repo",
        origin_repo.path,
        "--records",
        records,
        "--mask",
        "DEPLOY_KEY",
    )
    out, err = capsys.readouterr()
    return rc, out, err, records


def test_token_never_written_or_shown(secret_run) -> None:
    rc, out, err, records = secret_run
    assert rc == 1  # the second step fails: its output is shown once, not again in the error
    files = sorted(p.name for p in records.rglob("*") if p.is_file())
    assert "output.log" in files and any(n.endswith(".jsonl") for n in files)
    data = all_bytes(records)
    assert SECRET.encode() not in data
    assert b"s3cr" + b"3t-value" not in data
    assert SECRET not in out and SECRET not in err
    assert out.count("the end: ***") == 1 and "the end" not in err
    assert "token=*** and again ***!" in out


def test_mask_names_more_variables(secret_run) -> None:
    rc, out, err, records = secret_run
    assert b"plain-but-private-42" not in all_bytes(records)
    assert "plain-but-private-42" not in out + err


def test_split_secret_is_masked_in_the_record(secret_run) -> None:
    rc, out, err, records = secret_run
    step = outcomes(records / "secret" / "1.3.0.ipynb")["steps.1"]
    assert step["output"].splitlines() == ["***", "token=*** and again ***!", "***", "***"]
    start, end = step["extra"]["log_bytes"]
    log = (records / "secret" / step["log"]).read_bytes()[start:end].decode()
    assert log.splitlines() == step["output"].splitlines()
