"""Conventional Commit parsing and the runbook's own release-notes template fields."""

from textwrap import dedent

from relbook.parse import parse_runbook, read_runbook
from relbook.render.notes import group_changes, notes_fields, parse_message, summarize
from tests.conftest import RUNBOOKS


def test_feature_with_scope_and_pr_number():
    c = parse_message("feat(deploy): add canary deploy (#12)\n")
    assert (c.type, c.group, c.scope) == ("feat", "features", "deploy")
    assert c.description == "add canary deploy (#12)"
    assert not c.breaking and c.conventional


def test_bang_without_footer_uses_the_description_as_migration_note():
    c = parse_message("refactor(api)!: rename /v1/alerts to /v2/alerts")
    assert c.group == "other"
    assert c.breaking == "rename /v1/alerts to /v2/alerts"


def test_breaking_change_footer_with_continuation_lines_and_other_footers():
    msg = dedent(
        """\
        feat: new alert routing

        Routes alerts by team.

        BREAKING CHANGE: alerts v0 removed; move rules
          to the v1 format before upgrading.
        Reviewed-by: Sam
        Refs #40
        """
    )
    c = parse_message(msg)
    assert c.breaking == "alerts v0 removed; move rules to the v1 format before upgrading."


def test_breaking_change_hyphen_token_is_accepted():
    assert parse_message("fix: x\n\nBREAKING-CHANGE: config key renamed").breaking == (
        "config key renamed"
    )


def test_non_conventional_message_goes_to_other():
    c = parse_message("Update README with install steps")
    assert (c.group, c.conventional, c.description) == (
        "other",
        False,
        "Update README with install steps",
    )


def test_groups_keep_a_fixed_order_and_skip_empty_groups():
    changes = [parse_message(m) for m in ("docs: a", "fix: b", "feat: c", "chore: d", "perf: e")]
    assert [g["title"] for g in group_changes(changes)] == [
        "Features",
        "Fixes",
        "Performance",
        "Documentation",
        "Other changes",
    ]
    assert summarize(changes[:3]) == "1 feature, 1 fix, 1 documentation change."


def test_octoacme_notes_template_fields_and_kinds():
    title, fields = notes_fields(read_runbook(RUNBOOKS / "octoacme-release.md"))
    assert title == "Release Notes Template"
    assert [(f.label, f.kind) for f in fields] == [
        ("Release name / number", "name"),
        ("Date", "date"),
        ("Summary", "summary"),
        ("Notable changes", "changes"),
        ("Migration steps (if any)", "migration"),
        ("Known issues", "known_issues"),
    ]
    assert fields[0].line == 36


def test_a_guide_without_a_notes_template_section_has_none():
    assert notes_fields(read_runbook(RUNBOOKS / "release-management.md")) is None


def test_notes_template_detected_generally_bold_labels_and_unknown_fields():
    rb = parse_runbook(
        dedent(
            """\
            # Guide

            ## Checklist
            - [ ] Ship it

            ### Template for release notes
            * **Version:**
            * **What's new:**
            * Support contact: ops@example.com
            * **Upgrade notes:**

            ## Other
            - Owner: someone
            """
        ),
        "guide.md",
    )
    title, fields = notes_fields(rb)
    assert title == "Template for release notes"
    assert [(f.label, f.kind, f.value) for f in fields] == [
        ("Version", "name", ""),
        ("What's new", "changes", ""),
        ("Support contact", "text", "ops@example.com"),
        ("Upgrade notes", "migration", ""),
    ]


def test_release_notes_heading_without_field_lines_is_not_a_template():
    rb = parse_runbook("# G\n\n## Release notes template\nWrite them in the wiki.\n", "g.md")
    assert notes_fields(rb) is None
