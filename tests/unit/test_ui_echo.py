"""The terminal echo of step output: indented like before, one write per chunk."""

from __future__ import annotations

import io

from relbook.ui import TerminalUI


class Counting(io.StringIO):
    """A stream that counts writes (each is a system call on an unbuffered stdout)."""

    writes = 0

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)


def test_a_chunk_of_many_lines_is_one_write() -> None:
    out = Counting()
    ui = TerminalUI(out=out, inp=io.StringIO())
    chunk = "".join(f"line {n}\n" for n in range(1000)) + "\npartial"
    ui.output(chunk)
    assert out.writes == 1
    ui.output(" end\nnext\n")
    text = out.getvalue()
    assert text.startswith("    line 0\n    line 1\n")
    assert "    line 999\n\n    partial end\n    next\n" in text  # empty lines stay empty


def test_an_echo_waiting_for_the_end_of_a_line() -> None:
    out = Counting()
    ui = TerminalUI(out=out, inp=io.StringIO())
    ui.output("no newline yet")
    ui.command(7, "make release")
    ui.output(" done\nmore\n")
    assert out.getvalue() == "    no newline yet done\n  $ make release\n    more\n"
