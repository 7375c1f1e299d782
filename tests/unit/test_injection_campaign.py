"""The injection campaign: 13 places a value can stand in bash x 30 hostile values.

Each place either gets the literal value, checked with real bash (one bash per place
runs all 30 values, each in a subshell of its own directory), or is refused when the
runbook is checked, before any step runs. No value ever runs a command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from relbook.errors import ParamError
from relbook.params import Computed, bind, env_name, render_shell, shell_problems

PAYLOADS = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "; touch PWNED",
    "&& touch PWNED",
    "| touch PWNED",
    "'; touch PWNED; echo '",
    '"; touch PWNED; echo "',
    '\\"; touch PWNED; #',
    "line one\ntouch PWNED",
    "x\nEOF\ntouch PWNED\nEOF",
    "EOF",
    "\tEOF\n",
    "${IFS}touch${IFS}PWNED",
    "$(touch${IFS}PWNED)",
    "*",
    "?",
    "[a-z]*",
    "~root",
    "{a,b}",
    "$HOME ${HOME}",
    "\\$(touch PWNED)",
    "\\",
    "-n",
    "é ünïcödé ✓ 💥 $(touch PWNED)",
    "a[$(touch PWNED)]",
    "%s%n%d\\n",
    "<(touch PWNED) >(touch PWNED)",
    "`",
    "  leading and trailing  \n",
    "\u202e$(touch PWNED)\u202d $'\\x41' !!",
]

V = "{{ description }}"
OUT = ' > "$OUT"'


def _stripped(v: str) -> str:
    return v.rstrip("\n")  # command substitution drops trailing newlines


# place -> (template, what bash must write to $OUT, or None when it is refused)
PLACES = {
    "plain": (f"printf '%s' {V}{OUT}", lambda v: v),
    "double": (f"printf '%s' \"<{V}>\"{OUT}", lambda v: f"<{v}>"),
    "single": (f"printf '%s' '<{V}>'{OUT}", lambda v: f"<{v}>"),
    "backticks": (f"x=`printf '%s' {V}`\nprintf '%s' \"$x\"{OUT}", _stripped),
    "backticks in double quotes": (
        f"msg=\"`printf '%s' {V}`\"\nprintf '%s' \"$msg\"{OUT}",
        _stripped,
    ),
    "command substitution": (f'x="$(printf %s "{V}")"\nprintf %s "$x"{OUT}', _stripped),
    "heredoc": (f"cat{OUT} <<EOF\n{V}\nEOF", lambda v: v + "\n"),
    "quoted heredoc": (f"cat{OUT} <<'EOF'\n{V}\nEOF", None),
    "arithmetic": (f"echo $(( {V} + 1 )){OUT}", None),
    "array": (
        f'arr=(first {V} "{V}")\nprintf \'%s|\' "${{arr[@]}}"{OUT}',
        lambda v: f"first|{v}|{v}|",
    ),
    "printf %s": (f"printf '%s\\n' \"{V}\"{OUT}", lambda v: v + "\n"),
    "-m message": (
        'git() { printf \'%s\' "$3" > "$OUT"; }\ngit commit -m "Release {{ version }}: ' + V + '"',
        lambda v: f"Release 1.2.3: {v}",
    ),
    "filter | trim": (
        "msg=\"`printf '%s' {{ description | trim }}`\"\nprintf '%s' \"$msg\"" + OUT,
        lambda v: _stripped(v.strip()),
    ),
}


def _batch(template: str, tmp: Path) -> tuple[dict[int, str], dict[int, int], str]:
    """Run `template` filled for every payload in one bash: what each wrote, its exit."""
    scripts = set()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp)}
    body = []
    for i, value in enumerate(PAYLOADS):
        computed = Computed({env_name(n) for n in bind("1.2.3", value).values})
        script = render_shell(template, bind("1.2.3", value), computed=computed)
        scripts.add(str(script))
        names = {"RELBOOK_DESCRIPTION": value, "RELBOOK_VERSION": "1.2.3", **computed.env}
        exports = []
        for name, val in names.items():
            env[f"P{i}_{name}"] = val
            exports.append(f'export {name}="$P{i}_{name}"')
        (tmp / f"d{i}").mkdir()
        body.append(
            f'( cd d{i}; {"; ".join(exports)}; OUT="$PWD/out"; set -euo pipefail\n'
            f'{script}\n) 2>d{i}/err; echo "rc {i} $?"\n'
        )
    assert len(scripts) == 1, "the bash must not depend on the value"
    out = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "".join(body)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rcs = {int(w[1]): int(w[2]) for w in (line.split() for line in out.stdout.splitlines())}
    wrote = {
        i: (tmp / f"d{i}" / "out").read_text() if (tmp / f"d{i}" / "out").exists() else None
        for i in range(len(PAYLOADS))
    }
    return wrote, rcs, out.stderr


@pytest.mark.parametrize("place", sorted(PLACES))
def test_every_hostile_value_is_text_or_refused(place: str, tmp_path: Path):
    template, expected = PLACES[place]
    if expected is None:
        for value in PAYLOADS:
            found = shell_problems(template, bind("1.2.3", value), path="g.md", line=3)
            assert found and all(isinstance(p, ParamError) for p in found)
            assert str(found[0]).startswith("g.md:3: ") or str(found[0]).startswith("g.md:4: ")
        # refused whatever the value: even a harmless one
        assert shell_problems(template, bind("1.2.3", "notes"))
        return
    wrote, rcs, stderr = _batch(template, tmp_path)
    assert not list(tmp_path.rglob("PWNED")), "a value ran a command"
    for i, value in enumerate(PAYLOADS):
        assert rcs.get(i) == 0, (value, (tmp_path / f"d{i}" / "err").read_text(), stderr)
        assert wrote[i] == expected(value), value


def test_the_campaign_covers_13_places_and_30_values():
    assert len(PLACES) == 13 and len(PAYLOADS) == 30 and len(set(PAYLOADS)) == 30


@pytest.mark.parametrize(
    "template",
    [
        'eval "echo {{ description }}"',
        "eval 'echo {{ description }}'",
        "bash -c 'echo {{ description }}'",
        'sh -ec "printf %s {{ description }}"',
        "sudo -u deploy bash -c 'echo {{ description }}'",
        "kubectl exec api -- sh -c 'echo {{ description }}'",
        "ssh deploy@host 'echo {{ description }}'",
        "bash <<EOF\necho {{ description }}\nEOF",
        "python3 - <<EOF\nprint('{{ description }}')\nEOF",
        "x=$(bash -c \"echo $(printf %s '{{ description }}')\")",
        "(( n = {{ description }} ))",
        "[[ {{ description }} -gt 1 ]]",
        'echo "${arr[{{ description }}]}"',
        "let n={{ description }}+1",
    ],
)
def test_no_safe_form_is_refused_with_its_line(template: str):
    found = shell_problems("echo ok\n" + template, bind("1.2.3", "notes"), path="g.md", line=10)
    assert found, template
    assert str(found[0]).startswith(("g.md:11: ", "g.md:12: ")), found[0]
    assert "no quoting makes that safe" in str(found[0])


@pytest.mark.parametrize(
    "template",
    [
        "bash -c 'git tag v{{ version }}'",
        "ssh deploy@host 'deploy {{ tag }}'",
        "echo $(( {{ version | replace('.', '') }} + 1 ))",
        "cat <<'EOF'\nversion {{ version }} of {{ date }}\nEOF",
    ],
)
def test_values_that_cannot_hold_shell_syntax_are_allowed_there(template: str):
    assert shell_problems(template, bind("1.2.3", "$(touch PWNED)")) == []


def test_the_value_of_an_expression_reaches_bash_as_a_variable(tmp_path: Path):
    params = bind("1.2.3", "  $(touch PWNED)  ")
    out = render_shell("printf '[%s]' {{ description | trim }} {{ version ~ '-a b' }}", params)
    assert "PWNED" not in out and "-a b" not in out
    assert out.env == {
        "RELBOOK_DESCRIPTION_TRIM": "$(touch PWNED)",
        "RELBOOK_VERSION_A_B": "1.2.3-a b",
    }
    env = {"PATH": os.environ["PATH"], **params.env(), **out.env}
    run = subprocess.run(["bash", "-c", out], cwd=tmp_path, env=env, capture_output=True)
    assert run.stdout.decode() == "[$(touch PWNED)][1.2.3-a b]"
    assert not (tmp_path / "PWNED").exists()
