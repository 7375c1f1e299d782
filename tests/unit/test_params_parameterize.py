"""`relbook parameterize GUIDE -o OUT`: OUT runs the commands GUIDE runs, for any version."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from relbook.cli import main
from relbook.errors import ParamError
from relbook.params import Params, bind, render_shell, render_text
from relbook.parse import parse_runbook, read_runbook
from tests.conftest import RUNBOOKS
from tests.guides import generate

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


def _rendered(text: str, version: str) -> list[tuple[int, str, list[tuple[int, str]]]]:
    rb = parse_runbook(text, "g.md")
    params = bind(version, 'Fix "quotes" & $(stuff)', runbook=rb)
    ex = rb.example_version
    return [
        (
            s.line,
            _safely(render_text, s.text, params, ex),
            [(p.line, _safely(render_shell, p.source, params, ex)) for p in s.commands],
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


def _parameterized(text: str) -> str:
    from relbook.render.outline import parameterize

    return parameterize(parse_runbook(text, "g.md"))


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
        assert a.replace(str(guide), "G") == b.replace(str(out), "G")


def test_parameterize_to_stdout(capsys: pytest.CaptureFixture[str]):
    assert main(["parameterize", "octoacme-release"]) == 0
    assert capsys.readouterr().out == (RUNBOOKS / "octoacme-release.md").read_text()
