"""A step the operator is told is done is in the journal file already: the screen
never runs ahead of the record (a SIGKILL right after the line loses nothing shown)."""

from __future__ import annotations

from pathlib import Path

from relbook.model import Outcome, Status, Step
from relbook.parse import parse_runbook
from relbook.record import read_journal, record_paths
from relbook.run import Answer, Runner, RunOptions

GUIDE = """# Guide

## Release

```bash
echo one
```

- [ ] Check the changelog

```bash
echo two; echo three
```

```bash
false
```
"""


class JournalReadingUI:
    """A terminal that, whenever it shows a step's result, reads the journal from disk
    (a fresh read of the file, as another process would) and notes what it holds."""

    interactive = False

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.shown: list[tuple[str, str, set[str], int]] = []

    def step_end(self, outcome: Outcome) -> None:
        events = read_journal(self.journal)
        on_disk = {
            e["outcome"]["step_id"]
            for e in events
            if e["event"] == "outcome" and e["outcome"]["status"] == outcome.status.value
        }
        size = self.journal.stat().st_size
        self.shown.append((outcome.step_id, outcome.status.value, on_disk, size))

    def info(self, text: str) -> None: ...
    def step_begin(self, n: int, total: int, step: Step, title: str) -> None: ...
    def command(self, line: int, text: str) -> None: ...
    def output(self, text: str) -> None: ...

    def ask(self, step: Step, text: str, *, signoff: bool, automation: str) -> Answer:
        raise AssertionError("not interactive")

    def confirm(self, question: str) -> bool:
        raise AssertionError("not interactive")


def test_every_result_shown_is_already_in_the_journal_file(tmp_path: Path) -> None:
    rb = parse_runbook(GUIDE, str(tmp_path / "guide.md"))
    opts = RunOptions(
        version="1.2.3",
        repo=str(tmp_path),
        records=str(tmp_path / "records"),
        operator="Tester",
        date="2026-06-03",
        yes=True,
    )
    journal = record_paths(tmp_path / "records", "guide", "1.2.3").journal
    ui = JournalReadingUI(journal)
    result = Runner(rb, opts, ui).run()  # the real engine: bash runs the steps
    assert result.code == 1  # the last step fails
    assert [status for _, status, _, _ in ui.shown] == ["done", "done", "done", "failed"]
    for step_id, _, on_disk, _ in ui.shown:
        assert step_id in on_disk, f"{step_id} was shown before the journal held it"
    sizes = [size for *_, size in ui.shown]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)  # one append each, before
    final = read_journal(journal)
    assert final[-1]["event"] == "finish"
    assert [e["outcome"]["status"] for e in final if e["event"] == "outcome"] == [
        Status.DONE.value,
        Status.DONE.value,
        Status.DONE.value,
        Status.FAILED.value,
    ]
