"""Parameters reach bash as environment variables or quoted text: run real bash and check
that hostile values stay text, and that bash and Go template syntax survive rendering."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from relbook.errors import ParamError, TemplateError
from relbook.params import Params, bind, render_shell, render_text
from relbook.parse import parse_runbook
from tests.conftest import RUNBOOKS

HOSTILE = [
    '$(touch pwned); "x',
    "`touch pwned`",
    "'; touch pwned; echo '",
    '"; touch pwned; echo "',
    "${IFS}$(touch${IFS}pwned)",
    "a\\\nb $HOME \\$(touch pwned)",
    "line one\ntouch pwned\nEOF",
    "*",
    "-n",
]

CONTEXTS = {
    "unquoted": "printf '%s\\n' {{ description }}",
    "double": "printf '%s\\n' \"{{ description }}\"",
    "single": "printf '%s\\n' '{{ description }}'",
    "double, mid-word": "printf '%s\\n' \"<{{ description }}>\"",
    "single, mid-word": "printf '%s\\n' '<{{ description }}>'",
    "heredoc": "cat <<EOF\n{{ description }}\nEOF",
    "heredoc, tabs stripped": "cat <<-EOF\n\t{{ description }}\n\tEOF",
    "command substitution in double quotes": 'printf \'%s\\n\' "$(printf %s "{{ description }}")"',
    "computed": 'printf \'%s\\n\' "{{ description ~ "" }}"',
    "computed, unquoted": "printf '%s\\n' {{ description | trim }}",
}


def _run(source: str, params: Params, cwd: Path) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), **params.env()}
    env.update(getattr(source, "env", {}))  # the values of template expressions
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", source], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _expected(name: str, value: str) -> str:
    if name.endswith("mid-word"):
        value = f"<{value}>"
    if name == "computed, unquoted":
        value = value.strip()
    return value + "\n"


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_hostile_description_stays_text(name: str, value: str, tmp_path: Path):
    params = bind("1.2.3", value)
    source = render_shell(CONTEXTS[name], params)
    assert value not in source or name.startswith("computed")  # env refs, not the value
    assert _run(source, params, tmp_path) == _expected(name, value)
    assert not (tmp_path / "pwned").exists()


def test_quoted_heredoc_gets_an_inert_value_itself(tmp_path: Path):
    params = bind("1.2.3-rc.1", "x")
    source = render_shell("cat <<'EOF'\n{{ version }} {{ tag }}\nEOF", params)
    assert _run(source, params, tmp_path) == "1.2.3-rc.1 v1.2.3-rc.1\n"


@pytest.mark.parametrize("value", ["notes", "notes\nEOF\ntouch pwned"])
def test_free_text_in_a_quoted_heredoc_is_refused_whatever_the_value(value: str):
    params = bind("1.2.3", value)
    with pytest.raises(ParamError, match="quoted heredoc") as e:
        render_shell("cat <<'EOF'\nok\n{{ description }}\nEOF", params, path="g.md", line=7)
    assert str(e.value).startswith("g.md:9: ")


def test_guide_command_with_hostile_description(tmp_path: Path):
    """The real guide's tag command, inferred `[Brief description]` and all."""
    rb = parse_runbook((RUNBOOKS / "release-management.md").read_text(), "rm.md")
    tag = next(p for s in rb.steps for p in s.commands if p.source.startswith("git tag -a"))
    params = bind("2.0.0", '$(touch pwned); "x')
    source = render_shell(tag.source, params, example=rb.example_version)
    ref = "${RELBOOK_VERSION}"
    assert source == f'git tag -a v"{ref}" -m "Release v{ref}: ${{RELBOOK_DESCRIPTION}}"'
    fake_git = 'git() { printf "%s\\n" "$@"; }\n'
    out = _run(fake_git + source, params, tmp_path)
    assert out == 'tag\n-a\nv2.0.0\n-m\nRelease v2.0.0: $(touch pwned); "x\n'
    assert not (tmp_path / "pwned").exists()


def test_conditions_see_real_values(tmp_path: Path):
    src = "{% if description %}echo has {{ description }}{% else %}echo none{% endif %}"
    assert _run(render_shell(src, bind("1.2.3", "")), bind("1.2.3", ""), tmp_path) == "none\n"
    params = bind("1.2.3", "x y")
    assert _run(render_shell(src, params), params, tmp_path) == "has x y\n"
    hotfix = bind("1.2.3-hotfix.1")
    src = '{% if release_type == "hotfix" %}echo hot {{ tag }}{% endif %}'
    assert _run(render_shell(src, hotfix), hotfix, tmp_path) == "hot v1.2.3-hotfix.1\n"


def test_bash_array_length_is_not_a_jinja_comment(tmp_path: Path):
    src = 'arr=(a b c)\necho "${#arr[@]} {{ version }}" ${#arr[@]}\n# {# braces #}\necho end'
    params = bind("1.2.3")
    out = render_shell(src, params)
    assert "${#arr[@]}" in out and "# {# braces #}" in out
    assert _run(out, params, tmp_path) == "3 1.2.3 3\nend\n"
    assert render_text("count ${#arr[@]} of {{ version }}", params) == "count ${#arr[@]} of 1.2.3"


@pytest.mark.parametrize(
    "template",
    [
        "docker inspect --format '{{ .Name }}' app",
        'docker ps --format "{{.ID}} {{.Names}}"',
        "docker inspect -f '{{json .Config}}' app",
        "kubectl get pods -o go-template='{{- range .items }}{{ .metadata.name }}{{ end }}'",
        "echo '${{ github.ref }}'",
        "printf '{%s}\\n' x",
        "echo '{{ unknown_name }}'",
    ],
)
def test_other_template_syntax_is_left_alone(template: str, tmp_path: Path):
    params = bind("1.2.3")
    src = template + "\necho {{ version }}"
    out = render_shell(src, params)
    assert out == template + '\necho "${RELBOOK_VERSION}"'
    assert render_text(src, params) == template + "\necho 1.2.3"


def test_broken_template_is_a_located_error():
    with pytest.raises(TemplateError) as e:
        render_shell("echo ok\necho {{ version", bind("1.2.3"), path="g.md", line=40)
    assert str(e.value).startswith("g.md:")


def test_unknown_previous_version_is_a_located_error():
    with pytest.raises(ParamError, match="previous_version") as e:
        render_shell("git checkout v{{ previous_version }}", bind("2.0.0"), path="g.md", line=9)
    assert str(e.value).startswith("g.md:9: ")


@pytest.mark.parametrize(
    "template", ["git tag v{{ verison }}", "{% if relase_type == 'hotfix' %}echo hot{% endif %}"]
)
def test_a_misspelt_name_is_an_error_naming_the_closest(template: str):
    with pytest.raises(TemplateError, match="did you mean '(version|release_type)'") as e:
        render_shell("echo ok\n" + template, bind("1.2.3"), path="g.md", line=4)
    assert str(e.value).startswith(("g.md:5: ", "g.md:4: "))
