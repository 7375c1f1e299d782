"""Blackout windows: dates when a runbook must not be released (pure).

Windows come from front matter, e.g.

    blackout: ["12-20..01-05", "2026-11-26..2026-11-30"]
    blackout: [{from: "12-20", to: "01-05", reason: "Holiday freeze"}]

or from the guide's own "Blackout Periods" section, whose items carry dates in
words: "Holiday seasons (Dec 20 - Jan 5)". Month-day windows recur every year
and may wrap over new year; windows with a year happen once. Items without a
date ("Major business events") are not windows.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from relbook.datatype import datatype
from relbook.errors import ParamError, ParseError, RelbookError
from relbook.model import Runbook

_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_TO = r"\s*(?:-|–|—|to|through|thru|until|till)\s*"
_WORD_RANGE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY})\b(?:{_TO}(?:(?P<m2>{_MONTH})\s+)?(?P<d2>{_DAY})\b)?"
    rf"|\b(?P<e1>{_DAY})\s+(?P<n1>{_MONTH})(?:{_TO}(?P<e2>{_DAY})(?:\s+(?P<n2>{_MONTH}))?)?",
    re.I,
)
_SECTION = re.compile(r"blackout|freeze|no[- ]release|quiet period", re.I)
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})")
_FULL_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


@datatype(frozen=True)
class Window:
    """A blackout window; `start`/`end` are "MM-DD" (every year) or "YYYY-MM-DD" (once)."""

    start: str
    end: str
    text: str
    path: str
    line: int

    @property
    def recurring(self) -> bool:
        return not _FULL_DATE.fullmatch(self.start)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def contains(self, day: _dt.date) -> bool:
        """True when `day` falls inside the window (both ends included)."""
        if not self.recurring:
            return _dt.date.fromisoformat(self.start) <= day <= _dt.date.fromisoformat(self.end)
        key, first, last = (day.month, day.day), _md(self.start), _md(self.end)
        if first <= last:
            return first <= key <= last
        return key >= first or key <= last  # wraps over new year

    def as_json(self) -> dict[str, Any]:
        """The window as recorded in a release record."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "path": self.path,
            "line": self.line,
        }


class BlackoutError(RelbookError):
    """The release date falls inside a blackout window and no override was given."""


def windows(rb: Runbook) -> list[Window]:
    """Every blackout window of a runbook: front matter first, then the guide's section."""
    return _front_matter_windows(rb) + _section_windows(rb)


def active_window(rb: Runbook, day: _dt.date) -> Window | None:
    """The first window that contains `day`, if any."""
    return next((w for w in windows(rb) if w.contains(day)), None)


def today() -> _dt.date:
    """The real clock's date: what a blackout is checked against (never --date)."""
    return _dt.date.today()


def check_blackout(
    rb: Runbook, day: _dt.date | str | None = None, override: str | None = None
) -> Window | None:
    """Refuse a release inside a window unless `override` gives a reason; `day` is
    today (the real clock) unless given.

    Returns the overridden window (for the record), or None outside any window."""
    when = day_of(day) if day else today()
    window = active_window(rb, when)
    if window is None:
        return None
    if override is not None and override.strip():
        return window
    hint = (
        'the override needs a reason, e.g. --override-blackout "security fix"'
        if override is not None
        else 'to release anyway, pass --override-blackout "reason" (it goes into the record)'
    )
    what = f"today, {when.isoformat()}," if day is None else f"release date {when.isoformat()}"
    raise BlackoutError(
        f"{what} is inside the blackout window {window.text!r}; {hint}",
        path=window.path,
        line=window.line,
    )


def day_of(day: _dt.date | str) -> _dt.date:
    """A `--date` value (YYYY-MM-DD) as a date."""
    if isinstance(day, _dt.date):
        return day
    try:
        return _dt.date.fromisoformat(day)
    except ValueError:
        raise ParamError(f"invalid date {day!r}: expected YYYY-MM-DD, e.g. 2026-12-24") from None


# -- front matter -------------------------------------------------------------


def _front_matter_windows(rb: Runbook) -> list[Window]:
    items = rb.front_matter.get("blackout")
    if items is None:
        return []
    if isinstance(items, (str, dict)):
        items = [items]
    if not isinstance(items, list):
        raise ParseError(
            'front matter blackout must be a list such as ["12-20..01-05"]', path=rb.path, line=1
        )
    return [_front_matter_window(rb, item) for item in items]


def _front_matter_window(rb: Runbook, item: Any) -> Window:
    if isinstance(item, dict):
        start, end = str(item.get("from", "")), str(item.get("to", item.get("from", "")))
        reason = str(item.get("reason", "") or "")
        line = _front_matter_line(rb, start)
    else:
        start, _, end = str(item).partition("..")
        end = end or start
        reason, line = "", _front_matter_line(rb, str(item))
    first, last = _endpoint(start, rb.path, line), _endpoint(end, rb.path, line)
    if bool(_FULL_DATE.fullmatch(first)) != bool(_FULL_DATE.fullmatch(last)):
        raise ParseError(
            f"blackout window {start}..{end} mixes a date with a yearly MM-DD",
            path=rb.path,
            line=line,
        )
    if _FULL_DATE.fullmatch(first) and first > last:
        raise ParseError(
            f"blackout window {start}..{end} ends before it starts", path=rb.path, line=line
        )
    text = reason or f"blackout {first}..{last}"
    return Window(first, last, text, rb.path, line)


def _endpoint(text: str, path: str, line: int) -> str:
    """Normalize "12-20" / "2026-12-20" to zero-padded form; errors name the line."""
    text = text.strip()
    try:
        if _FULL_DATE.fullmatch(text):
            y, m, d = (int(x) for x in text.split("-"))
            return _dt.date(y, m, d).isoformat()
        m = _MONTH_DAY.fullmatch(text)
        if m:
            month, day = int(m.group(1)), int(m.group(2))
            _dt.date(2000, month, day)  # 2000 is a leap year: 02-29 is a valid yearly day
            return f"{month:02d}-{day:02d}"
    except ValueError:
        pass
    raise ParseError(
        f"blackout date {text!r} is not MM-DD or YYYY-MM-DD (e.g. 12-20..01-05)",
        path=path,
        line=line,
    )


def _front_matter_line(rb: Runbook, needle: str) -> int:
    lines = rb.source.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return 1
    for no, text in enumerate(lines[1:], 2):
        if text.rstrip() in ("---", "..."):
            break
        if needle and needle in text:
            return no
    return 1


# -- the guide's own section ----------------------------------------------------


def _section_windows(rb: Runbook) -> list[Window]:
    lines = rb.source.split("\n")
    out: list[Window] = []
    for start, end in _blackout_ranges(rb, len(lines)):
        for no in range(start, end + 1):
            out.extend(_line_windows(rb, lines[no - 1], no))
    return out


def _blackout_ranges(rb: Runbook, total: int) -> list[tuple[int, int]]:
    """(first, last) body lines of each blackout section, subsections included."""
    sections = sorted(rb.sections, key=lambda s: s.line)
    out = []
    for i, sec in enumerate(sections):
        if not _SECTION.search(sec.title):
            continue
        after = [s for s in sections[i + 1 :] if s.level <= sec.level]
        out.append((sec.line + 1, after[0].line - 1 if after else total))
    return out


def _line_windows(rb: Runbook, text: str, no: int) -> list[Window]:
    item = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", "", text).strip()
    out = []
    for m in _WORD_RANGE.finditer(text):
        try:
            first, last = _word_dates(m)
        except ValueError:
            raise ParseError(
                f"blackout date {m.group(0)!r} is not a real date", path=rb.path, line=no
            ) from None
        out.append(Window(first, last, item, rb.path, no))
    return out


def _word_dates(m: re.Match[str]) -> tuple[str, str]:
    """("MM-DD", "MM-DD") from "Dec 20 - Jan 5", "Dec 20-31", "20 Dec - 5 Jan", "Dec 25"."""
    if m.group("m1"):
        m1, d1, m2, d2 = m.group("m1"), m.group("d1"), m.group("m2"), m.group("d2")
    else:
        m1, d1, m2, d2 = m.group("n1"), m.group("e1"), m.group("n2"), m.group("e2")
    first = _month_day(m1, d1)
    last = _month_day(m2 or m1, d2 or d1)
    return first, last


def _month_day(month: str, day: str) -> str:
    n = _MONTHS[month.lower().rstrip(".")]
    d = int(re.match(r"\d+", day).group(0))  # type: ignore[union-attr]
    _dt.date(2000, n, d)
    return f"{n:02d}-{d:02d}"


def _md(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)
