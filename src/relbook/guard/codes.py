"""relbook lint's own codes: kept apart so that `relbook --help` reads them cheaply."""

from __future__ import annotations

RULES = {
    "RB001": "version literal that will not follow --version",
    "RB002": "tag, push or publish before any check or test step",
    "RB003": "destructive command without a confirm directive",
    "RB004": "empty section",
    "RB005": "unterminated code fence",
    "RB006": "directive that applies to no step",
    "RB007": "unclosed HTML comment",
    "RB008": "refused before the first step (unsafe value place, undefined name, template)",
    "RB009": "unfilled placeholder (the command is blocked until it is given)",
    "RB010": "a shell block that is not bash (another language, or bash cannot parse it)",
    "RB011": "variable used that nothing sets before it (no earlier block, release value, "
    "front matter default or well-known variable)",
}


def codes_help() -> str:
    """relbook's codes, for `relbook lint --help`."""
    lines = [f"  {code}  {text}" for code, text in RULES.items()]
    return "\n".join(["relbook codes:", *lines, "SC codes are shellcheck's. Silence codes in "
                      "front matter: `lint: {ignore: [SC2086, RB004]}`."])  # fmt: skip
