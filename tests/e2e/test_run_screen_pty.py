"""The screen on a real pseudo-terminal: each command's `$` echo before its own output,
a failed step's output once, the summary that ends a run, 60 columns."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pexpect

from tests.e2e.runhelp import command, env

_ESC = re.compile(r"\x1b\[[0-9;]*m")


def screen(argv: list[str], cwd: Path, columns: int = 80) -> tuple[int, str]:
    """Run relbook on a pseudo-terminal of `columns`; its exit status and what it showed
    (colours removed)."""
    e = env()
    e.pop("NO_COLOR", None)
    child = pexpect.spawn(
        argv[0], argv[1:], env=e, cwd=str(cwd), encoding="utf-8", timeout=60,
        dimensions=(24, columns),
    )  # fmt: skip
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, _ESC.sub("", child.logfile_read.getvalue()).replace("\r", "")


def _order(text: str) -> list[tuple[str, int]]:
    """('$', n) for each `$ echo n` echo and ('out', n) for each output line `n`."""
    out = []
    for row in text.splitlines():
        row = row.strip()
        m = re.fullmatch(r"\$ echo (\d+)", row)
        if m:
            out.append(("$", int(m.group(1))))
        elif row.isdigit():
            out.append(("out", int(row)))
    return out


EXPECTED = [(kind, n) for n in range(1, 201) for kind in ("$", "out")]


def test_200_commands_of_one_step_each_echo_before_its_output(tmp_path: Path) -> None:
    fence = "\n".join(f"echo {n}" for n in range(1, 201))
    (tmp_path / "fast.md").write_text(f"# Fast\n\n## Steps\n\n```bash\n{fence}\n```\n")
    code, text = screen(command("fast.md", "--version", "1.0.0", "--records", "rec"), tmp_path)
    assert code == 0, text
    assert _order(text) == EXPECTED


def test_200_steps_each_echo_before_its_output(tmp_path: Path) -> None:
    steps = "".join(f"- [ ] Say {n}\n\n  ```bash\n  echo {n}\n  ```\n\n" for n in range(1, 201))
    (tmp_path / "many.md").write_text(f"# Many\n\n## Steps\n\n{steps}")
    code, text = screen(command("many.md", "--version", "1.0.0", "--records", "rec"), tmp_path)
    assert code == 0, text
    assert _order(text) == EXPECTED
    assert "done in " in text and ": 200 done, 0 skipped, 0 failed, 0 pending" in text


FAILING = """# Failing

## Steps

- [ ] Check the dashboards

```bash
echo unique-first-line
echo unique-second-line
false
```

```bash
echo never-reached
```
"""


def test_a_failed_step_shows_its_output_once_and_the_summary(tmp_path: Path) -> None:
    (tmp_path / "failing.md").write_text(FAILING)
    argv = command("failing.md", "--version", "1.0.0", "--records", "rec", "--yes")
    code, text = screen(argv, tmp_path)
    assert code == 1, text
    rows = [r.strip() for r in text.splitlines()]
    assert rows.count("unique-first-line") == 1 and rows.count("unique-second-line") == 1
    assert "failing.md:10: step 'steps.2' failed (exit status 1)" in text
    tail = text[text.index("failed (exit status 1)") :].splitlines()[1:]
    assert tail[0].startswith("failed in ")
    assert tail[0].endswith(": 1 done, 0 skipped, 1 failed, 1 pending")
    assert tail[1] == "record: rec/failing/1.0.0.ipynb"  # relative to where it ran
    assert tail[2].startswith("to continue: relbook run failing.md --version 1.0.0")
    code, again = screen(argv, tmp_path)  # the same command goes on
    assert code == 1 and "[1/3]" not in again and "[2/3]" in again


LONG = """# Long

## A section whose title is much longer than a narrow terminal is wide

- [ ] Confirm that every dashboard of the release shows green before going any further
"""


def test_headings_and_summary_fit_60_columns(tmp_path: Path) -> None:
    where = tmp_path / "guides with a long directory name" / "and another level below it"
    where.mkdir(parents=True)
    (where / "a-guide-with-a-long-file-name.md").write_text(LONG)
    guide = where / "a-guide-with-a-long-file-name.md"  # absolute: shown relative
    argv = command(guide, "--version", "1.0.0", "--records", "rec", "--yes")
    code, text = screen(argv, tmp_path, columns=60)
    assert code == 0, text
    rows = text.splitlines()
    assert all(len(r) <= 60 for r in rows if not r.startswith("to continue:")), text
    head = rows.index(next(r for r in rows if r.startswith("[1/1] ")))
    words = " ".join(r.strip() for r in rows[head : head + 3])
    assert "Confirm that every dashboard" in words and "before going any" in words
    assert str(tmp_path) not in text  # paths under the working directory are relative
    assert "a-guide-with-a-long-file-name.md:5)" in text
    assert "record: rec/a-guide-with-a-long-file-name/1.0.0.ipynb" in text
    assert "done in " in text and "1 done, 0 skipped, 0 failed, 0 pending" in text
    assert "to continue" not in text  # nothing left to do


def test_quit_at_a_prompt_says_how_to_go_on_not_to_use_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "manual.md").write_text("# Manual\n\n## Steps\n\n- [ ] Check the dashboards\n")
    argv = command("manual.md", "--version", "1.0.0", "--records", "rec")
    e = env()
    child = pexpect.spawn(argv[0], argv[1:], env=e, cwd=str(tmp_path), encoding="utf-8")
    child.logfile_read = io.StringIO()
    child.expect(r"\(q\)uit\? ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    text = child.logfile_read.getvalue().replace("\r", "")
    assert child.exitstatus == 3
    assert "Run on a terminal" not in text
    assert "you quit at the prompt" in text
    assert "paused in " in text and "0 done, 0 skipped, 0 failed, 1 pending" in text
    assert "to continue: relbook run manual.md --version 1.0.0 --records rec" in text
