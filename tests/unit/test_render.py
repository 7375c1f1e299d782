"""`relbook render checklist`, templates, overrides and template errors."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.errors import TemplateError
from relbook.render import render_template, templates_dir
from tests.conftest import ROOT, RUNBOOKS

RM = str(RUNBOOKS / "release-management.md")
OCTO = str(RUNBOOKS / "octoacme-release.md")


def _checklist(capsys, *argv: str) -> str:
    assert main(["render", "checklist", *argv]) == 0
    return capsys.readouterr().out


def test_blank_checklist_has_every_task_item_unchecked_with_values_filled_in(capsys):
    out = _checklist(capsys, RM, "--version", "1.3.0", "--description", "Canary deploys")
    items = re.findall(r"^- \[( |x)\] (.*)$", out, re.M)
    assert len(items) == 19 and all(box == " " for box, _ in items)
    assert (
        items[0][1] == "All CI checks passing (readiness:agents, alerts:validate, runbooks:index)"
    )
    assert "git checkout -b release/v1.3.0\n" in out
    assert 'git tag -a v1.3.0 -m "Release v1.3.0: Canary deploys"\n' in out
    assert "1.2.3" not in out  # the guide's example version is replaced everywhere
    assert out.startswith("# Release Management Guide — v1.3.0\n")


def test_checklist_sections_in_order_with_contingency_apart_at_the_end(capsys):
    out = _checklist(capsys, RM, "--version", "1.3.0")
    headings = re.findall(r"^## (.*)$", out, re.M)
    assert headings == [
        "Release Process › 1. Pre-Release Checklist",
        "Release Process › 2. Release Branch Creation",
        "Release Process › 3. Release Testing",
        "Release Process › 4. Release Approval",
        "Release Process › 5. Release Deployment",
        "Release Process › 6. Post-Release Activities",
        "Rollback Procedures › Emergency Rollback",
    ]
    normal, contingency = out.split("\n---\n")
    assert "Emergency Rollback" not in normal and "only if something goes wrong" in contingency
    assert "**Run:** Revert to previous stable tag" in contingency
    assert "\n\n\n" not in out


def test_shell_steps_show_their_commands_as_code_blocks(capsys):
    out = _checklist(capsys, RM, "--version", "2.0.0")
    head = "**Run:** Merge release branch to main ("  # then the file:line of its block
    where, block = out.split(head, 1)[1].split(")\n\n```bash\n", 1)
    assert where.endswith("release-management.md:69")
    block = block.split("```")[0]
    assert block.splitlines()[:4] == [
        "# Merge release branch to main",
        "git checkout main",
        "git merge release/v2.0.0",
        "git push origin main",
    ]


def test_steps_for_other_release_kinds_are_marked(capsys):
    minor = _checklist(capsys, RM, "--version", "1.3.0")
    major = _checklist(capsys, RM, "--version", "2.0.0")
    line = "- [ ] Management approval for major releases _(sign-off)_"
    assert f"{line} _(not for this release: major releases only)_\n" in minor
    assert f"{line}\n" in major


def test_unknown_values_are_shown_as_placeholders_not_errors(capsys):
    out = _checklist(capsys, RM, "--version", "1.3.0")
    assert "git checkout v<previous_version>\n" in out
    assert 'git tag -a v1.3.0 -m "Release v1.3.0: <description>"' in out


def test_octoacme_checklist_and_output_file(tmp_path, capsys):
    out_file = tmp_path / "checklist.md"
    assert main(["render", "checklist", OCTO, "--version", "1.3.0", "-o", str(out_file)]) == 0
    assert capsys.readouterr().out == ""
    text = out_file.read_text()
    assert len(re.findall(r"^- \[ \] ", text, re.M)) == 6
    assert "- [ ] Deployment window scheduled (if needed)\n" in text


def test_checklist_needs_a_version(capsys):
    assert main(["render", "checklist", RM]) == 2
    assert "give --version (or --record)" in capsys.readouterr().err


# -- templates -----------------------------------------------------------------


def test_shipped_templates_are_found():
    names = {p.name for p in templates_dir().glob("*.j2")}
    assert {"checklist.md.j2", "release-notes.md.j2", "runbook-notes.md.j2"} <= names
    assert templates_dir() == ROOT / "templates"


def test_templates_dir_overrides_one_template_and_keeps_the_others(tmp_path, capsys):
    (tmp_path / "release-notes.md.j2").write_text(
        '{% from "_notes.md.j2" import issue_list with context %}'
        "Ship {{ tag }} on {{ date }}\n{{ issue_list(known_issues)|trim }}\n"
    )
    argv = ["render", "notes", RM, "--version", "1.3.0", "--date", "2026-04-01"]
    assert main([*argv, "--templates", str(tmp_path), "--known-issue", "slow"]) == 0
    assert capsys.readouterr().out == "Ship v1.3.0 on 2026-04-01\n- slow\n"
    assert (
        main(["render", "checklist", RM, "--version", "1.3.0", "--templates", str(tmp_path)]) == 0
    )
    assert capsys.readouterr().out.count("- [ ] ") == 19


def test_broken_template_syntax_reports_file_and_line(tmp_path, capsys):
    bad = tmp_path / "checklist.md.j2"
    bad.write_text("# {{ runbook.title }}\n\n{% for s in sections %}\n{{ s.title }\n{% endfor %}\n")
    assert (
        main(["render", "checklist", RM, "--version", "1.3.0", "--templates", str(tmp_path)]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"relbook: error: {bad}:4: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_undefined_variable_reports_file_and_line(tmp_path, capsys):
    bad = tmp_path / "release-notes.md.j2"
    bad.write_text("# {{ version }}\n\n{{ summary }}\n{{ no_such_value }}\n")
    assert main(["render", "notes", RM, "--version", "1.3.0", "--templates", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"relbook: error: {bad}:4: 'no_such_value' is undefined\n"


def test_error_inside_an_imported_template_names_that_file(tmp_path, capsys):
    (tmp_path / "_notes.md.j2").write_text(
        "{% macro changes_block(groups, level) %}\n{{ groups.missing.deeper }}\n{% endmacro %}\n"
        "{% macro migration_list(s) %}{% endmacro %}{% macro issue_list(s) %}{% endmacro %}\n"
    )
    assert main(["render", "notes", RM, "--version", "1.3.0", "--templates", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"relbook: error: {tmp_path / '_notes.md.j2'}:2: ")


def test_templates_option_must_be_a_directory(tmp_path, capsys):
    argv = ["render", "checklist", RM, "--version", "1.3.0", "--templates", str(tmp_path / "no")]
    assert main(argv) == 2
    assert "not a directory" in capsys.readouterr().err


def test_html_templates_are_autoescaped_markdown_ones_are_not(tmp_path):
    (tmp_path / "x.html.j2").write_text("<p>{{ v }}</p>")
    (tmp_path / "x.md.j2").write_text("{{ v }}")
    ctx = {"v": "<script>alert(1)</script>"}
    assert render_template("x.html.j2", ctx, str(tmp_path)) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render_template("x.md.j2", ctx, str(tmp_path)) == "<script>alert(1)</script>"


def test_templates_are_sandboxed(tmp_path):
    (tmp_path / "x.md.j2").write_text("{{ v.__class__.__mro__ }}")
    with pytest.raises(TemplateError) as e:
        render_template("x.md.j2", {"v": ""}, str(tmp_path))
    assert e.value.path.endswith("x.md.j2") and e.value.line == 1


def test_render_modules_import_no_heavy_libraries():
    code = (
        "import sys, relbook.cli, relbook.render, relbook.render.notes, relbook.render.changelog; "
        "print(sorted(m for m in ('jinja2', 'git', 'nbformat', 'yaml') if m in sys.modules))"
    )
    env = {"PYTHONPATH": str(Path(ROOT) / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[]", out.stderr


def test_runtime_error_in_a_template_reports_file_and_line(tmp_path, capsys):
    bad = tmp_path / "release-notes.md.j2"
    bad.write_text("{{ version }}\n{{ 1 / 0 }}\n")
    assert main(["render", "notes", RM, "--version", "1.3.0", "--templates", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"relbook: error: {bad}:2: division by zero\n"
