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


CHUNKS = [
    ["one\ntwo\n", "three"],
    ["\n\nafter empty lines\n", "\n", "x\n\n\ny"],
    ["no newline", " still none", "\nnow\n"],
    ["", "a\n", "\n", "b"],
]


def _echo(chunks: list[str], ascii_path: bool, command_at: int = -1) -> str:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    ui = TerminalUI(out=out, inp=io.StringIO())
    for i, chunk in enumerate(chunks):
        if i == command_at:
            ui.command(3, "make it")
        if ascii_path:
            ui.output_ascii(chunk.encode())
        else:
            ui.output(chunk)
    ui.info("end")
    out.flush()
    return raw.getvalue().decode()


def test_ascii_output_is_echoed_as_text_output_is() -> None:
    # the bytes path (no decoding: a step that prints a lot) shows exactly the same
    for chunks in CHUNKS:
        for command_at in (-1, 1):
            assert _echo(chunks, True, command_at) == _echo(chunks, False, command_at), chunks


def test_ascii_output_to_a_stream_without_bytes_is_text_output() -> None:
    out = Counting()
    ui = TerminalUI(out=out, inp=io.StringIO())
    ui.output_ascii(b"one\ntwo\n")
    assert out.getvalue() == "    one\n    two\n"
