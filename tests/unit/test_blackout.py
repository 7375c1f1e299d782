"""Blackout windows from front matter and from the guide's own section."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from relbook.errors import ParseError
from relbook.params.blackout import BlackoutError, Window, active_window, check_blackout, windows
from relbook.parse import parse_runbook
from tests.conftest import RUNBOOKS, read_once

RELEASE = str(RUNBOOKS / "release-management.md")


def guide(text: str) -> object:
    return parse_runbook(textwrap.dedent(text).lstrip("\n"), "guide.md")


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def test_release_management_holiday_window_from_its_own_section():
    rb = read_once(RELEASE)
    assert windows(rb) == [
        Window("12-20", "01-05", "Holiday seasons (Dec 20 - Jan 5)", RELEASE, 160)
    ]  # "Major business events" and the other dateless items are not windows


@pytest.mark.parametrize(
    ("iso", "inside"),
    [
        ("2026-12-19", False),
        ("2026-12-20", True),
        ("2026-12-24", True),
        ("2026-12-31", True),
        ("2027-01-01", True),
        ("2027-01-05", True),
        ("2027-01-06", False),
        ("2026-07-01", False),
    ],
)
def test_window_wraps_over_new_year(iso, inside):
    rb = read_once(RELEASE)
    found = active_window(rb, day(iso))
    assert (found is not None) == inside
    if inside:
        assert found.location == f"{RELEASE}:160"


def test_refusal_names_the_window_and_its_line():
    rb = read_once(RELEASE)
    with pytest.raises(BlackoutError) as e:
        check_blackout(rb, "2026-12-24")
    msg = str(e.value)
    assert msg.startswith(f"{RELEASE}:160: release date 2026-12-24 is inside the blackout window")
    assert "Holiday seasons (Dec 20 - Jan 5)" in msg and "--override-blackout" in msg
    assert e.value.exit_code == 2


def test_override_with_a_reason_returns_the_window_for_the_record():
    rb = read_once(RELEASE)
    window = check_blackout(rb, day("2026-12-24"), override="security fix")
    assert window is not None
    assert window.as_json() == {
        "start": "12-20",
        "end": "01-05",
        "text": "Holiday seasons (Dec 20 - Jan 5)",
        "path": RELEASE,
        "line": 160,
    }
    assert check_blackout(rb, "2026-03-31") is None
    assert check_blackout(rb, "2026-03-31", override="not needed") is None


def test_override_without_a_reason_is_refused():
    rb = read_once(RELEASE)
    with pytest.raises(BlackoutError, match="needs a reason"):
        check_blackout(rb, "2026-12-24", override="   ")


def test_front_matter_windows_with_lines():
    rb = guide(
        """
        ---
        title: Demo
        blackout:
          - "12-20..01-05"
          - "2026-11-26..2026-11-30"
          - {from: "07-01", to: "07-04", reason: "Summer shutdown"}
        ---
        # Demo
        """
    )
    assert [(w.start, w.end, w.text, w.line, w.recurring) for w in windows(rb)] == [
        ("12-20", "01-05", "blackout 12-20..01-05", 4, True),
        ("2026-11-26", "2026-11-30", "blackout 2026-11-26..2026-11-30", 5, False),
        ("07-01", "07-04", "Summer shutdown", 6, True),
    ]
    assert active_window(rb, day("2026-11-27")).line == 5
    assert active_window(rb, day("2027-11-27")) is None  # a dated window happens once
    assert active_window(rb, day("2030-07-04")).text == "Summer shutdown"


@pytest.mark.parametrize(
    ("item", "start", "end"),
    [
        ("Holiday seasons (Dec 20 - Jan 5)", "12-20", "01-05"),
        ("Year end: December 20th to January 5th", "12-20", "01-05"),
        ("Inventory week (Mar 3–7)", "03-03", "03-07"),
        ("Black Friday: 27 Nov - 1 Dec", "11-27", "12-01"),
        ("Christmas Day (Dec. 25)", "12-25", "12-25"),
        ("Leap day freeze (Feb 29)", "02-29", "02-29"),
    ],
)
def test_date_ranges_in_words(item, start, end):
    rb = guide(
        f"""
        # G

        ## Blackout Periods
        - {item}
        - Major business events

        ## After
        - Dec 1 - Dec 2 is outside the section and ignored
        """
    )
    assert [(w.start, w.end, w.text, w.line) for w in windows(rb)] == [(start, end, item, 4)]


def test_leap_day_window_only_on_leap_years():
    rb = guide("# G\n\n## Code freeze\n- Feb 29\n")
    assert active_window(rb, day("2028-02-29")) is not None
    assert active_window(rb, day("2027-02-28")) is None
    assert active_window(rb, day("2027-03-01")) is None


def test_a_guide_without_windows():
    rb = read_once(RUNBOOKS / "octoacme-release.md")
    assert windows(rb) == [] and check_blackout(rb, "2026-12-24") is None


@pytest.mark.parametrize(
    ("front", "message", "line"),
    [
        ('blackout: ["13-01..01-05"]', "not MM-DD or YYYY-MM-DD", 2),
        ('blackout: ["12-20..2027-01-05"]', "mixes a date", 2),
        ('blackout: ["2026-12-20..2026-12-01"]', "ends before it starts", 2),
        ('blackout: "12-20"', "", 0),
        ("blackout: 5", "must be a list", 1),
    ],
)
def test_bad_front_matter_windows(front, message, line):
    rb = guide(f"---\n{front}\n---\n# G\n")
    if not message:
        assert [(w.start, w.end) for w in windows(rb)] == [("12-20", "12-20")]
        return
    with pytest.raises(ParseError, match=message) as e:
        windows(rb)
    assert e.value.line == line and e.value.path == "guide.md"


def test_impossible_date_in_words_is_an_error_at_its_line():
    rb = guide("# G\n\n## Blackout Periods\n- Feb 30 - Mar 2\n")
    with pytest.raises(ParseError) as e:
        windows(rb)
    assert str(e.value).startswith("guide.md:4: blackout date")


def test_bad_date_argument():
    rb = read_once(RELEASE)
    with pytest.raises(Exception, match="expected YYYY-MM-DD"):
        check_blackout(rb, "24/12/2026")
