"""Release parameters inside a GitHub Actions job (stdlib only; embedded by `relbook export`).

The exported workflow runs this file's source with `shell: python`. It applies
the same rules as relbook.params.bind: SemVer with an optional leading `v`;
hotfixes sort after their release and pre-releases before it; the version must
be new and greater than every release tag; the previous version is the highest
earlier tag. It also refuses to run inside a blackout window unless an override
reason was given. Inputs come from environment variables only, and outputs go
to $GITHUB_OUTPUT after validation, so no input text reaches a later script.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys

SEMVER = re.compile(
    r"^[vV]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


def parse(text: str) -> tuple[int, int, int, str, str] | None:
    """(major, minor, patch, prerelease, build), or None for a non-SemVer text."""
    m = SEMVER.match(text.strip())
    if not m:
        return None
    return int(m[1]), int(m[2]), int(m[3]), m[4] or "", m[5] or ""


def key(v: tuple[int, int, int, str, str]) -> tuple[object, ...]:
    """Pre-releases < the release < hotfixes, as relbook orders versions."""
    pre = v[3]
    rank = 2 if pre.lower().startswith("hotfix") else (0 if pre else 1)
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".") if p)
    return (v[0], v[1], v[2], rank, ids)


def text(v: tuple[int, int, int, str, str]) -> str:
    """The version as written, without a `v`."""
    return f"{v[0]}.{v[1]}.{v[2]}" + (f"-{v[3]}" if v[3] else "") + (f"+{v[4]}" if v[4] else "")


def fail(message: str) -> None:
    """Stop the job with an error annotation."""
    print(f"::error title=relbook::{message}")
    sys.exit(1)


def previous_release(
    v: tuple[int, int, int, str, str], prefix: str, tags: list[str], check: bool = True
) -> str:
    """The highest release tag below v; with check, fails on an existing or older version."""
    parsed = [(p, t) for t in tags if t.startswith(prefix) if (p := parse(t[len(prefix) :]))]
    if check and prefix + text(v) in tags:
        fail(f"tag {prefix}{text(v)} already exists: version {text(v)} was already released")
    if check and parsed:
        top, top_tag = max(parsed, key=lambda p: key(p[0]))
        if key(v) <= key(top):
            fail(f"version {text(v)} is not greater than the latest release {top_tag}")
    below = [p for p, _ in parsed if key(p) < key(v)]
    return text(max(below, key=key)) if below else ""


def bump(v: tuple[int, int, int, str, str], previous: str) -> str:
    """major, minor or patch, relative to the previous release."""
    p = parse(previous) if previous else None
    if p is None:
        return "major" if (v[1], v[2]) == (0, 0) else "minor" if v[2] == 0 else "patch"
    if v[0] != p[0]:
        return "major"
    return "minor" if v[1] != p[1] else "patch"


def in_window(day: datetime.date, start: str, end: str) -> bool:
    """Blackout windows: MM-DD (every year, may wrap) or YYYY-MM-DD (once)."""
    if len(start) > 5:
        return start <= day.isoformat() <= end
    md = day.strftime("%m-%d")
    return start <= md <= end if start <= end else (md >= start or md <= end)


def check_blackout(day: datetime.date) -> str:
    """Fail inside a window without an override; returns the override note."""
    windows = json.loads(os.environ.get("RELBOOK_BLACKOUT") or "[]")
    override = os.environ.get("RELBOOK_OVERRIDE_BLACKOUT", "").strip()
    for start, end, what, where in windows:
        if in_window(day, start, end):
            if not override:
                fail(
                    f"{day} is inside the blackout window {what!r} ({where}); "
                    "to release anyway, run again with an override_blackout reason"
                )
            print(f"::warning title=relbook::blackout window {what!r} overridden: {override!r}")
            return f"blackout window {what!r} ({where}) overridden: {override}"
    return ""


def derive(
    raw: str, prefix: str, tags: list[str], day: datetime.date, check: bool = True
) -> dict[str, str]:
    """Every derived parameter, as relbook.params.bind computes it with --repo."""
    v = parse(raw)
    if v is None:
        fail(f"invalid version {raw!r}: expected a version like 1.2.3, v1.2.3 or 1.2.3-rc.1")
    assert v is not None
    previous = previous_release(v, prefix, tags, check)
    pre = v[3].lower()
    return {
        "version": text(v),
        "tag": prefix + text(v),
        "previous_version": previous,
        "previous_tag": prefix + previous if previous else "",
        "next_patch": f"{v[0]}.{v[1]}.{v[2] + 1}",
        "release_type": "hotfix"
        if pre.startswith("hotfix")
        else "prerelease"
        if pre
        else "operational",
        "bump": bump(v, previous),
        "date": day.isoformat(),
    }


def main() -> None:
    """Read RELBOOK_VERSION and friends, write the outputs and a summary."""
    day = datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017 (any Python 3)
    note = check_blackout(day)
    tags = subprocess.run(
        ["git", "tag", "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    prefix = os.environ.get("RELBOOK_TAG_PREFIX", "v")
    check = os.environ.get("RELBOOK_CHECK_TAGS", "true") != "false"
    values = derive(os.environ["RELBOOK_VERSION"], prefix, tags, day, check)
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        for name, value in values.items():
            out.write(f"{name}={value}\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write("| parameter | value |\n|---|---|\n")
            out.writelines(f"| {k} | `{v}` |\n" for k, v in values.items())
            if note:
                out.write(f"\n{note}\n")


if __name__ == "__main__":
    main()
