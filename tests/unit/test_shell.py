"""Splitting bash blocks into commands (bash is the oracle), console blocks, quoting."""

from __future__ import annotations

import subprocess

import pytest

from relbook.bash.prompts import console_commands
from relbook.bash.shell import quote_context, shell_quote, split_commands
from tests.unit.golden import DATA

BLOCKS = [
    b.replace("\\t", "\t") for b in (DATA / "bash_blocks.txt").read_text().split("\n=====\n")[1:]
]


def _bash_ok(src: str) -> bool:
    """bash -n accepts `src` as complete, valid syntax."""
    r = subprocess.run(["bash", "-n", "-c", src], capture_output=True, text=True)
    return r.returncode == 0 and not r.stderr


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_split_matches_bash(block: str):
    lines = block.split("\n")
    cmds = split_commands(list(enumerate(lines, 1)))
    covered = set()
    for start, src, _ in cmds:
        assert _bash_ok(src), f"not a complete command: {src!r}"
        sub = src.split("\n")
        assert lines[start - 1 : start - 1 + len(sub)] == sub
        covered |= set(range(start, start + len(sub)))
        for k in range(1, len(sub)):
            if not sub[k - 1].rstrip().endswith("\\"):
                assert not _bash_ok("\n".join(sub[:k])), f"split too late: {sub[:k]!r}"
    assert _bash_ok(block)
    code = {n for n, t in enumerate(lines, 1) if t.strip() and not t.lstrip().startswith("#")}
    assert code <= covered


def test_split_keeps_preceding_comment():
    lines = list(enumerate(["# Create the tag", "git tag v1", "", "# Push it", "git push"], 10))
    assert split_commands(lines) == [
        (11, "git tag v1", "Create the tag"),
        (14, "git push", "Push it"),
    ]


def test_console_commands():
    block = [
        "$ make release \\",
        "> VERSION=1.2.3 \\",
        "    NOTES=yes",
        "building...",
        "$ ls",
        "a b",
        "$",
        "$   ",
        "  $ indented",
        "$not-a-prompt",
    ]
    assert console_commands(list(enumerate(block, 5))) == [
        (5, "make release \\\nVERSION=1.2.3 \\\nNOTES=yes"),
        (9, "ls"),
        (13, "indented"),
    ]


@pytest.mark.parametrize(
    ("source", "marker", "context"),
    [
        ("echo X", "X", "none"),
        ("echo 'a X b'", "X", "single"),
        ('echo "a X b"', "X", "double"),
        ('echo "$(echo X)"', "X", "none"),
        ('echo "it\'s X"', "X", "double"),
        ("echo 'a' X", "X", "none"),
        ("echo \\' X", "X", "none"),
        ("cat <<EOF\nX\nEOF", "X", "heredoc"),
        ("cat <<'EOF'\nX\nEOF", "X", "heredoc-quoted"),
        ("cat <<\\EOF\nX\nEOF", "X", "heredoc-quoted"),
        ('cat <<-"EOF"\n\tX\n\tEOF', "X", "heredoc-quoted"),
        ("cat <<< X", "X", "none"),
        ("echo 'multi\nline X'", "X", "single"),
        ("# don't\necho X", "X", "none"),
        ("cat <<EOF\nbody\nEOF\necho 'X'", "X", "single"),
        ("echo `echo X`", "X", "none"),
        ('msg="`echo X`"', "X", "none"),
        ('msg="`echo "X"`"', "X", "double"),
        ("echo `echo 'X'`", "X", "single"),
        ('echo "`echo a` X"', "X", "double"),
    ],
)
def test_quote_context(source: str, marker: str, context: str):
    assert quote_context(source, source.index(marker)) == context


@pytest.mark.parametrize("value", ["plain", "with space", "it's", "$(touch x)", "", "a\nb"])
def test_shell_quote_round_trips_through_bash(value: str):
    out = subprocess.run(
        ["bash", "-c", f"printf %s {shell_quote(value)}"], capture_output=True, text=True
    )
    assert out.stdout == value


def test_console_second_prompt_goes_on_with_the_command_above() -> None:
    block = [
        "$ cat > notes.txt <<EOF",
        "> Release 1.2.3",
        ">",
        "> EOF",
        "$ wc -l notes.txt",
        "3 notes.txt",
    ]
    assert console_commands(list(enumerate(block, 1))) == [
        (1, "cat > notes.txt <<EOF\nRelease 1.2.3\n\nEOF"),
        (5, "wc -l notes.txt"),
    ]
    # where `>` is the first prompt, each `> ` line is a command of its own
    assert console_commands(list(enumerate(["> npm test", "> npm publish"], 1))) == [
        (1, "npm test"),
        (2, "npm publish"),
    ]
