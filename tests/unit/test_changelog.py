"""Keep a Changelog insertion: right place, idempotent, every other byte kept."""

import pytest

from relbook.errors import RelbookError
from relbook.render import changelog
from relbook.render.notes import parse_message

CHANGES = [
    parse_message("feat: add canary deploy (#12)"),
    parse_message("fix: correct rollback script path"),
    parse_message("feat!: drop v0 alerts\n\nBREAKING CHANGE: alerts v0 removed"),
]
SECTION = (
    "## [1.3.0] - 2026-04-01\n\n### Added\n\n- Add canary deploy (#12)\n\n"
    "### Removed\n\n- **Breaking:** Drop v0 alerts: alerts v0 removed\n\n"
    "### Fixed\n\n- Correct rollback script path\n"
)
HEAD = "# Changelog\n\nAll notable changes to this project are documented here.\n\n"
UNRELEASED = "## [Unreleased]\n\n### Added\n\n- Work in progress, not released\n\n"
OLDER = "## [1.2.2] - 2026-01-10\n\n### Fixed\n\n- Old fix\n\n[1.2.2]: https://example.com/v1.2.2\n"


def _update(path, version="1.3.0"):
    return changelog.update(str(path), version, "2026-04-01", CHANGES)


def test_section_goes_below_the_unreleased_section_and_nothing_else_changes(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes((HEAD + UNRELEASED + OLDER).encode())
    assert _update(f) == "added"
    assert f.read_bytes() == (HEAD + UNRELEASED + SECTION + "\n" + OLDER).encode()


def test_twice_gives_one_section_and_identical_bytes(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes((HEAD + UNRELEASED + OLDER).encode())
    _update(f)
    once = f.read_bytes()
    assert _update(f) == "unchanged"
    assert f.read_bytes() == once and once.count(b"## [1.3.0]") == 1


def test_crlf_file_gets_crlf_section_and_keeps_every_other_byte(tmp_path):
    original = (HEAD + UNRELEASED + OLDER).replace("\n", "\r\n").encode()
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes(original)
    _update(f)
    data = f.read_bytes()
    block = (SECTION + "\n").replace("\n", "\r\n").encode()
    assert block in data
    assert data.replace(block, b"", 1) == original
    assert b"\n" not in data.replace(b"\r\n", b"")
    _update(f)
    assert f.read_bytes() == data


def test_without_unreleased_it_goes_above_the_newest_version(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes((HEAD + OLDER).encode())
    _update(f)
    assert f.read_bytes() == (HEAD + SECTION + "\n" + OLDER).encode()


def test_unreleased_heading_last_without_trailing_newline(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes(b"# Changelog\n\n## [Unreleased]")
    _update(f)
    assert f.read_bytes() == ("# Changelog\n\n## [Unreleased]\n\n" + SECTION).encode()


def test_headings_inside_code_fences_are_not_sections(tmp_path):
    fenced = "## [Unreleased]\n\nExample:\n\n```md\n## [9.9.9] - 2020-01-01\n```\n\n"
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes((HEAD + fenced + OLDER).encode())
    _update(f, "9.9.9")
    assert f.read_bytes().count(b"## [9.9.9]") == 2
    f.write_bytes((HEAD + fenced + OLDER).encode())
    _update(f)
    assert f.read_bytes() == (HEAD + fenced + SECTION + "\n" + OLDER).encode()


def test_existing_v_prefixed_heading_counts_as_the_version(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    original = (HEAD + "## v1.3.0 - 2026-03-01\n\n- Already written by hand\n").encode()
    f.write_bytes(original)
    assert _update(f) == "unchanged"
    assert f.read_bytes() == original


def test_bom_and_trailing_whitespace_are_kept(tmp_path):
    original = "\ufeff# Changelog  \n\n## [Unreleased]\t\n\n" + OLDER
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes(original.encode())
    _update(f)
    data = f.read_bytes().decode()
    assert data.startswith("\ufeff# Changelog  \n") and data.replace(SECTION + "\n", "") == original


def test_missing_file_is_created_in_keep_a_changelog_form(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    assert _update(f) == "created"
    text = f.read_text()
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    assert text.endswith("## [Unreleased]\n\n" + SECTION)


def test_categories_follow_keep_a_changelog():
    msgs = {
        "feat: deprecate the v1 API": "Deprecated",
        "fix(security): escape tag names": "Security",
        "fix: patch CVE-2026-1234 in parser": "Security",
        "perf: faster lookups": "Changed",
        "refactor: split engine": "Changed",
        "Plain commit message": "Changed",
        "feat: remove legacy flag": "Removed",
        "chore: bump deps": None,
        "ci: cache pip": None,
        "chore!: require Python 3.11\n\nBREAKING CHANGE: 3.10 unsupported": "Changed",
    }
    assert {m: changelog.category(parse_message(m)) for m in msgs} == msgs


def test_no_notable_changes_still_gives_a_section():
    lines = changelog.section("1.2.4", "2026-04-02", [parse_message("chore: tidy")])
    assert lines == ["## [1.2.4] - 2026-04-02", "", "No notable changes."]


def test_changelog_that_is_not_utf8_is_an_error_with_its_line(tmp_path):
    f = tmp_path / "CHANGELOG.md"
    f.write_bytes(b"# Changelog\n\n- caf\xe9\n")
    with pytest.raises(RelbookError) as e:
        _update(f)
    assert str(e.value) == f"{f}:3: not UTF-8 text"
    assert f.read_bytes() == b"# Changelog\n\n- caf\xe9\n"
