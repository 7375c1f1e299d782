"""The injection campaign's full path: real `relbook run`s of a runbook that uses the
description in every place bash can take it, with real git; and a runbook whose
value has no safe place, refused before its first step."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.e2e.runhelp import run, write_runbook

EVERY_PLACE = """\
    # Release

    ```bash
    mkdir -p out
    printf '%s' {{ description }} > out/plain
    printf '%s' "{{ description }}" > out/double
    printf '%s' '{{ description }}' > out/single
    x=`printf '%s' {{ description }}`; printf '%s' "$x" > out/backticks
    msg="`printf '%s' {{ description | trim }}`"; printf '%s' "$msg" > out/trim
    x="$(printf %s "{{ description }}")"; printf '%s' "$x" > out/subst
    arr=({{ description }} "{{ description }}"); printf '%s|' "${arr[@]}" > out/array
    cat > out/heredoc <<EOF
    {{ description }}
    EOF
    git commit -q --allow-empty -m "Release {{ version }}: {{ description }}"
    git log -1 --format=%B > out/message
    ```
"""

HOSTILE = [
    '$(touch PWNED) `touch PWNED` "; touch PWNED; echo "',
    "'; touch PWNED; echo ' && ${IFS}touch${IFS}PWNED * ~root",
    "a[$(touch PWNED)] é ✓ 💥 \\ <(touch PWNED)",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_real_run_uses_the_literal_value_everywhere(value: str, origin_repo: Repo, tmp_path):
    guide = write_runbook(tmp_path / "every.md", EVERY_PLACE)
    records = tmp_path / "records"
    code = run(guide, "--version", "1.2.3", "--description", value, "--repo", origin_repo.path,
               "--records", records, "--yes", "--allow-dirty")  # fmt: skip
    assert code == 0
    out = origin_repo.path / "out"
    assert not list(origin_repo.path.rglob("PWNED")) and not list(tmp_path.rglob("PWNED"))
    for name in ("plain", "double", "single", "backticks", "trim", "subst"):
        assert (out / name).read_text() == value, name
    assert (out / "array").read_text() == f"{value}|{value}|"
    assert (out / "heredoc").read_text() == value + "\n"
    assert (out / "message").read_text() == f"Release 1.2.3: {value}\n\n"


def test_no_safe_place_is_refused_before_the_first_step(origin_repo: Repo, tmp_path, capsys):
    guide = write_runbook(
        tmp_path / "unsafe.md",
        """\
        # Release

        ```bash
        touch FIRST-STEP-RAN
        ```

        ```bash
        cat > notes.txt <<'EOF'
        {{ description }}
        EOF
        ```

        ```bash
        eval "echo {{ description }}"
        ```
        """,
    )
    records = tmp_path / "records"
    code = run(guide, "--version", "1.2.3", "--description", "harmless", "--repo",
               origin_repo.path, "--records", records, "--yes")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert not (origin_repo.path / "FIRST-STEP-RAN").exists()
    assert not list(records.rglob("*.ipynb"))
    lines = err.strip().split("\n")
    assert "2 problems found before the first step; nothing ran" in lines[0]
    assert lines[1].startswith(f"{guide}:9: ") and "quoted heredoc" in lines[1]
    assert lines[2].startswith(f"{guide}:14: ") and "inside eval" in lines[2]


def test_dry_run_lists_the_problems_too(origin_repo: Repo, tmp_path: Path, capsys):
    guide = write_runbook(tmp_path / "typo.md", "# R\n\n```bash\ngit tag v{{ verison }}\n```\n")
    code = run(guide, "--version", "1.2.3", "--repo", origin_repo.path, "--dry-run")
    err = capsys.readouterr().err
    assert code == 2
    assert f"{guide}:4: undefined name 'verison'" in err and "did you mean 'version'?" in err
