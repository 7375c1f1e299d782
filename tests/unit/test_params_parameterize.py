"""`relbook parameterize GUIDE -o OUT`: OUT runs the commands GUIDE runs, for any version."""

from __future__ import annotations

import json
import random
import re
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from relbook.cli import main
from relbook.errors import ParamError
from relbook.params import Params, bind, render_shell, render_text
from relbook.parse import parse_runbook, read_runbook
from tests.conftest import RUNBOOKS, parse_once
from tests.guides import generate
from tests.unit.test_parse_choice_directive import KINDS, WAYS

CUSTOM = """\
# Service release

## Prepare
- [ ] Write notes for v3.4.5 and link [Release summary] in chat
- [ ] Confirm nothing blocks 3.4.5

```console
$ ./bump.sh 3.4.4 3.4.5 \\
    --next 3.4.6
bumped
$ git tag -a "v3.4.5" -m 'Release 3.4.5: [Short description]'
```

```bash
cat <<'EOF' > notes.md
## 3.4.5
[Brief description]
EOF
if [ "$(cat VERSION)" != "3.4.5" ]; then
  echo "3.4.5" > VERSION
fi
echo "3.4.50 and 13.4.5 and 3.4.5.1 stay"
```
"""

VERSIONS = ["2.0.0", "1.2.3-hotfix.1", "10.20.30-rc.2"]


def _guides() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(RUNBOOKS.glob("*.md"))]
    out.append(("custom", CUSTOM))
    out += [(f"generated-{i}", generate(random.Random(i), 16).text) for i in range(3)]
    return out


def _rendered(text: str, version: str) -> list[tuple[str, str, list[str]]]:
    """Each step, filled in, with its commands (lines left out: directives add lines)."""
    rb = parse_once(text, "g.md")
    params = bind(version, 'Fix "quotes" & $(stuff)', runbook=rb)
    ex = rb.example_version
    return [
        (
            s.id,
            _safely(render_text, s.text, params, ex),
            [_safely(render_shell, p.source, params, ex) for p in s.commands],
        )
        for s in rb.steps
    ]


def _safely(render: Callable[..., str], source: str, params: Params, example: str) -> str:
    try:
        return render(source, params, example=example)
    except ParamError as e:  # e.g. previous_version unknown without --repo: same for both
        return f"error: {e.msg}"


@pytest.mark.parametrize(("name", "text"), _guides(), ids=[n for n, _ in _guides()])
@pytest.mark.parametrize("version", VERSIONS)
def test_explicit_form_runs_the_same_commands(name: str, text: str, version: str):
    out = _parameterized(text)
    assert _rendered(out, version) == _rendered(text, version)


@cache
def _parameterized(text: str) -> str:
    """The guide with its placeholders written out (once per text: the versions and
    the tests below compare against the same written guide)."""
    from relbook.render.outline import parameterize

    return parameterize(parse_once(text, "g.md"))


def test_custom_guide_placeholders():
    out = _parameterized(CUSTOM)
    assert "Write notes for v{{ version }} and link {{ description }} in chat" in out
    assert "$ ./bump.sh {{ previous_version }} {{ version }} \\" in out
    assert "--next {{ next_patch }}" in out
    assert 'echo "3.4.50 and 13.4.5 and 3.4.5.1 stay"' in out
    assert "## {{ version }}\n{{ description }}\nEOF" in out
    assert _parameterized(out) == out  # idempotent


def test_parameterize_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    guide = RUNBOOKS / "release-management.md"
    out = tmp_path / "explicit.md"
    assert main(["parameterize", str(guide), "-o", str(out)]) == 0
    assert "14 placeholders" in capsys.readouterr().err
    explicit = read_runbook(out)
    assert explicit.example_version == ""
    assert {p.literal for p in explicit.placeholders} >= {"{{ version }}", "{{ description }}"}
    for args in (["--version", "2.0.0"], ["--version", "1.2.3-hotfix.1", "--description", "x y"]):
        assert main(["params", str(guide), *args]) == 0
        a = capsys.readouterr().out.split("commands with these values:")[1]
        assert main(["params", str(out), *args]) == 0
        b = capsys.readouterr().out.split("commands with these values:")[1]
        assert _unlined(a, guide) == _unlined(b, out)  # directives shift lines, nothing else


def _unlined(text: str, path: Path) -> str:
    return re.sub(re.escape(str(path)) + r":\d+:", "G:", text)


def test_parameterize_to_stdout(capsys: pytest.CaptureFixture[str]):
    """A guide that writes its placeholders already gets only its conditions written
    out: the optional items and the rollback section, each a directive on its line."""
    source = (RUNBOOKS / "octoacme-release.md").read_text()
    assert main(["parameterize", "octoacme-release"]) == 0
    out = capsys.readouterr().out
    assert (
        '- [ ] Deployment window scheduled (if needed) <!-- relbook: optional="if needed" -->'
        in out
    )
    plain = re.sub(r" <!-- relbook: [^>]*-->", "", out)
    assert plain.replace("<!-- relbook: contingency -->\n", "") == source


CONDITIONS = """\
# Releasing

## Checks

- Run the tests.
- If the build fails, abort the release.

## Minor release process

1. Create the release branch:

   ```bash
   git checkout -b "release-2.3"
   ```

## Every release

- Open the next milestone [RC.0 only]
- Run the checks (if needed)
   * Only for major releases, update the API docs:
      ```bash
      make api-docs
      ```

If `gh` is available, watch the build:

```bash
gh run watch
```

Rolling back
------------

```bash
git push origin :refs/tags/v2.3.1
```
"""


def _plan(path: Path, version: str, tmp: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """The dry run's plan (or, when the run is refused, what it says), lines left out."""
    args = ["run", str(path), "--version", version, "--dry-run", "--json"]
    code = main([*args, "--repo", str(tmp), "--records", str(tmp / "rec")])
    got = capsys.readouterr()
    return code, _no_lines(json.loads(got.out) if code == 0 else got.err, str(path))


def _no_lines(x: Any, path: str) -> Any:
    if isinstance(x, dict):
        return {k: _no_lines(v, path) for k, v in x.items() if k not in ("line", "runbook")}
    if isinstance(x, list):
        return [_no_lines(v, path) for v in x]
    if isinstance(x, str):
        return re.sub(r"\bline \d+", "line N", re.sub(re.escape(path) + r"(?::\d+)?", "G", x))
    return x


@pytest.mark.parametrize(
    ("name", "text"),
    [("conditions", CONDITIONS), ("custom", CUSTOM)]
    + [("ways", textwrap.dedent(WAYS)), ("kinds", textwrap.dedent(KINDS))]
    + [(p.name, p.read_text()) for p in sorted(RUNBOOKS.glob("*.md"))],
)
def test_the_written_guide_plans_the_same_and_is_written_once(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide, out = tmp_path / "guide.md", tmp_path / "explicit.md"
    guide.write_text(text)
    written = _parameterized(text)
    out.write_text(written)
    assert _parameterized(written) == written  # idempotent
    for version in ("2.4.0", "2.3.2", "3.0.0-rc.1"):
        assert _plan(out, version, tmp_path, capsys) == _plan(guide, version, tmp_path, capsys)


def test_conditions_contingency_and_optional_steps_become_directives() -> None:
    out = _parameterized(CONDITIONS)
    assert '1. Create the release branch: <!-- relbook: applies-to=minor from="the heading' in out
    assert "Rolling back\n------------\n<!-- relbook: contingency -->\n" in out
    # a step about things going wrong outside such a section says so itself
    assert (
        '- If the build fails, abort the release. <!-- relbook: optional="If the build fails" '
        "flow=contingency -->" in out
    )
    assert "- Run the tests.\n" in out
    assert '- Run the checks (if needed) <!-- relbook: optional="if needed" -->' in out
    # the paragraph that introduces a fence keeps doing so: its directive goes at its end
    intro = 'watch the build: <!-- relbook: optional="If gh is available" -->\n\n```bash\ngh'
    assert intro in out


def test_the_parts_of_the_version_written_as_templates_are_uses() -> None:
    """`{{ series }}`, `{{ major }}` in a written guide are listed like `{{ version }}`."""
    rb = parse_runbook("# R\n\n```bash\ngit checkout -b release-{{ series }}.x v{{ major }}\n```\n")
    assert {(p.name, p.literal) for p in rb.placeholders} == {
        ("series", "{{ series }}"),
        ("major", "{{ major }}"),
    }
