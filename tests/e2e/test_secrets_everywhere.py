"""Secrets in every form, in every channel: a release whose steps print a token and a
multi-line key as themselves, base64 (three alignments), URL-encoded, JSON, `printf %q`
and `set -x`, whose description (so titles, commit messages and notes) holds the token;
then every document relbook renders from it. No form of either secret is found in
anything relbook printed or wrote."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

from relbook.cli import main
from tests.conftest import Repo
from tests.e2e.runhelp import write_runbook

TOKEN = "Zq9-s3cr3t p@ss/w\u00f6rd+'x\"$y"
KEY = "-----BEGIN TEST KEY-----\nAbCdEfGh1234IjKl\nMnOpQrSt5678UvWx\n-----END TEST KEY-----"
DESCRIPTION = f"Rotate {TOKEN} safely"

GUIDE = """\
    # Release

    - [ ] Announce {{ description }}

    ```bash
    echo "$DEPLOY_TOKEN"
    printf '%s' "$DEPLOY_TOKEN" | base64 -w0; echo
    printf 'x%s' "$DEPLOY_TOKEN" | base64 -w0; echo
    printf 'xy%s' "$DEPLOY_TOKEN" | base64 -w0; echo
    echo "$DEPLOY_TOKEN" | base64
    python3 -c 'import os, json, urllib.parse as u; t = os.environ["DEPLOY_TOKEN"]
    print(u.quote(t, safe="")); print(u.quote_plus(t)); print(json.dumps({"t": t}))'
    printf '%q\\n' "$DEPLOY_TOKEN"
    (set -x; : "$DEPLOY_TOKEN")
    echo "$PRIVATE_KEY"
    printf '%s' "$PRIVATE_KEY" | base64 -w0; echo
    git commit -q --allow-empty -m "Release {{ version }}: {{ description }}"
    ```
"""


def _bash(script: str, *args: str, stream: str = "stdout") -> str:
    out = subprocess.run(["bash", "-c", script, "_", *args], capture_output=True, text=True)
    return getattr(out, stream)


def forms(secret: str) -> set[str]:
    """The secret as tools print it, computed here independently of relbook."""
    data = secret.encode()
    found = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
    for k in range(3):
        enc = base64.b64encode(b"x" * k + data).decode()
        start = -(-8 * k // 6)
        found.add(enc[start + 1 : (8 * (k + len(data))) // 6 - 1])  # its middle
    found.add(_bash('printf %q "$1"', secret))
    trace = _bash('set -x; : "$1"', secret, stream="stderr")
    found.add(trace.split(": ", 1)[1].strip().strip("'"))
    found.update(line for line in secret.splitlines() if len(line) > 8)
    return {f for f in found if f}


def test_no_form_of_a_secret_in_any_output(origin_repo: Repo, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", TOKEN)
    monkeypatch.setenv("PRIVATE_KEY", KEY)
    guide = write_runbook(tmp_path / "secret.md", GUIDE)
    records, docs = tmp_path / "records", tmp_path / "docs"
    docs.mkdir()
    repo = str(origin_repo.path)
    common = ["--version", "1.2.3", "--repo", repo]
    codes = [
        main(["run", str(guide), *common, "--description", DESCRIPTION, "--records",
              str(records), "--yes", "--operator", "alice", "--date", "2026-06-15"]),
        main(["params", str(guide), *common, "--description", DESCRIPTION]),
        main(["render", "checklist", str(guide), "--version", "1.2.3", "--description",
              DESCRIPTION]),
        main(["render", "notes", str(guide), *common, "--description", DESCRIPTION]),
        main(["render", "notes", str(guide), *common, "--description", DESCRIPTION, "-o",
              str(docs / "notes.md")]),
        main(["render", "report", str(records / "secret" / "1.2.3.ipynb"), "-o",
              str(docs / "report.html")]),
        main(["render", "checklist", str(guide), "--record",
              str(records / "secret" / "1.2.3.ipynb"), "-o", str(docs / "checklist.md")]),
        main(["metrics", str(records)]),
        main(["metrics", str(records), "--format", "json"]),
        main(["export", str(guide), "--to", "github-actions", "-o", str(docs / "wf.yml")]),
    ]  # fmt: skip
    printed = capsys.readouterr()
    assert codes == [0] * len(codes), (codes, printed.err)
    assert "Release 1.2.3: Rotate" in origin_repo.git("log", "-1", "--format=%s")
    texts = {"stdout": printed.out, "stderr": printed.err}
    for path in [*records.rglob("*"), *docs.rglob("*")]:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert "***" in texts["stdout"]  # the step output was there, masked
    hits = [
        (where, form)
        for secret in (TOKEN, KEY)
        for form in forms(secret)
        for where, text in texts.items()
        if form in text
    ]
    assert hits == []


def test_a_secret_too_short_to_mask_is_a_warning_at_start(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("API_KEY", "ab")
    guide = write_runbook(tmp_path / "g.md", "# R\n\n```bash\necho hi\n```\n")
    assert main(["parse", str(guide)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("relbook: warning: API_KEY is shorter than 3 characters")
    assert "not masked" in err


def test_a_kept_drill_sandbox_and_its_records_hold_no_secret(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", TOKEN)
    guide = write_runbook(
        tmp_path / "drill.md",
        """\
        # Release

        ```bash
        kubectl annotate deploy/api note="{{ description }}" --token "$DEPLOY_TOKEN"
        curl -H "Authorization: Bearer $(printf '%s' "$DEPLOY_TOKEN" | base64 -w0)" https://x
        ```
        """,
    )
    records = tmp_path / "records"
    argv = ["drill", str(guide), "--version", "1.2.3", "--description", DESCRIPTION, "--keep"]
    assert main([*argv, "--records", str(records)]) == 0
    printed = capsys.readouterr()
    sandbox = Path(printed.out.split("sandbox: ")[-1].split()[0])
    calls = (sandbox / "calls.jsonl").read_text()
    shutil.rmtree(sandbox)
    assert "kubectl" in calls and "***" in calls
    texts = {"stdout": printed.out, "stderr": printed.err, "calls": calls}
    texts.update({str(p): p.read_text() for p in records.rglob("*") if p.is_file()})
    hits = [(where, f) for f in forms(TOKEN) for where, text in texts.items() if f in text]
    assert hits == []
