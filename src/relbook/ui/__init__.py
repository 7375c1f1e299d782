"""The terminal side of a run: progress lines, live output, operator prompts."""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from relbook.model import Outcome, Status, Step
from relbook.run import Answer
from relbook.run.messages import here

_LINE_START = re.compile(r"\n(?=[^\n])")  # a newline that a non-empty line follows
_LINE_START_BYTES = re.compile(rb"\n(?=[^\n])")
_COLORS = {"ok": "32", "fail": "31", "warn": "33", "dim": "2", "bold": "1"}


class TerminalUI:
    """Progress and prompts on a terminal; plain text when not a terminal."""

    def __init__(
        self,
        out: TextIO | None = None,
        inp: TextIO | None = None,
        path: str = "",
        commands: dict[int, str] | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.inp = inp or sys.stdin
        self.tty = _isatty(self.out)  # asked once: a step's lines need not ask again
        self.interactive = _isatty(self.inp) and self.tty
        self.color = self.tty and not os.environ.get("NO_COLOR")
        self.path = here(path) if path else path
        self.commands = commands or {}
        self.at_line_start = True
        self.pending_echo: list[str] = []
        self.gone = False  # the terminal went away: echo nothing more

    def _c(self, kind: str, text: str) -> str:
        return f"\033[{_COLORS[kind]}m{text}\033[0m" if self.color else text

    def _print(self, text: str = "") -> None:
        head = "" if self.at_line_start else "\n"
        self.at_line_start = True
        echoes = "".join(self._c("dim", f"  $ {echo}") + "\n" for echo in self.pending_echo)
        self.pending_echo.clear()
        self._write(head + echoes + text + "\n")

    def _write(self, text: str) -> None:
        """One write (and one system call, buffered or not) for `text`; a terminal
        that went away (SSH closed) stops the echo, not the run."""
        if self.gone or not text:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):
            self.gone = True

    def info(self, text: str) -> None:
        self._print(text)

    def step_begin(self, n: int, total: int, step: Step, title: str) -> None:
        section = step.section or "(top)"
        head, where = f"[{n}/{total}] {section} > {title}", f"({self.path}:{step.line})"
        width = self.width()
        if not width or len(head) + 2 + len(where) <= width:
            self._print(self._c("bold", head) + self._c("dim", f"  {where}"))
            return
        import textwrap

        rows = textwrap.wrap(head, width, subsequent_indent="    ", break_on_hyphens=False)
        if len(rows[-1]) + 2 + len(where) <= width:
            place = f"  {where}"
        else:  # the place on a line of its own, its end kept when it is too long
            if len(where) + 4 > width:
                where = f"({_left_cut(where[1:-1], width - 6)})"
            place = f"\n    {where}"
        self._print(self._c("bold", "\n".join(rows)) + self._c("dim", place))

    def width(self) -> int:
        """The terminal's width in columns (0: not a terminal, lines are not cut)."""
        if not self.tty:
            return 0
        try:
            return os.get_terminal_size(self.out.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 0

    def command(self, line: int, text: str) -> None:
        shown = text or self.commands.get(line, "")
        if not shown:
            return
        if self.at_line_start:
            self._print(self._c("dim", f"  $ {shown}"))
        else:  # output of the previous command is mid-line: echo at its next line end
            self.pending_echo.append(shown)

    def output(self, text: str) -> None:
        """Echo a chunk of step output, indented, in one write whatever its size
        (PYTHONUNBUFFERED would otherwise make each piece a system call)."""
        if not text:
            return
        if self.pending_echo:  # a command's echo waits for the end of this line
            return self._output_lines(text)
        if "\n\n" in text:  # empty lines stay empty
            body = _LINE_START.sub("\n    ", text)
        else:  # no work per line: one pass of replace
            body = text.replace("\n", "\n    ")
            if text.endswith("\n"):
                body = body[:-4]
        if self.at_line_start and text[0] != "\n":
            body = "    " + body
        self.at_line_start = text.endswith("\n")
        self._write(body)

    def output_ascii(self, data: bytes) -> None:
        """output() for a chunk that is ASCII (nothing to mask in it): indented and
        written as bytes, with no decoding and no copy but the indentation's."""
        out = getattr(self.out, "buffer", None)
        if self.pending_echo or out is None or type(self).output is not TerminalUI.output:
            return self.output(data.decode("ascii"))
        if not data or self.gone:
            return
        if b"\n\n" in data:  # empty lines stay empty
            body: bytes | memoryview = _LINE_START_BYTES.sub(b"\n    ", data)
        else:
            body = data.replace(b"\n", b"\n    ")
            if data.endswith(b"\n"):
                body = memoryview(body)[:-4]
        indent = self.at_line_start and data[0] != 0x0A
        self.at_line_start = data.endswith(b"\n")
        try:
            self.out.flush()  # nothing of the text layer's may come after it
            if indent:
                out.write(b"    ")
            out.write(body)
            out.flush()
        except (OSError, ValueError):
            self.gone = True

    def _output_lines(self, text: str) -> None:
        out: list[str] = []
        for i, piece in enumerate(text.split("\n")):
            if i:
                out.append("\n")
                self.at_line_start = True
                out += [self._c("dim", f"  $ {echo}") + "\n" for echo in self.pending_echo]
                self.pending_echo.clear()
            if piece:
                out.append("    " + piece if self.at_line_start else piece)
                self.at_line_start = False
        self._write("".join(out))

    def step_end(self, o: Outcome) -> None:
        took = f" {o.duration:.1f}s" if o.duration else ""
        if o.status in (Status.DONE, Status.ALREADY_DONE):
            word = "ok" if o.status is Status.DONE else "already done"
            extra = f" ({o.note})" if o.note and o.kind != "shell" else ""
            if o.extra.get("signature"):
                from relbook.record.signatures import signature_text

                extra = f" ({signature_text(o.extra['signature'])})"
            self._print("  ... " + self._c("ok", word) + took + extra)
        elif o.status in (Status.SKIPPED, Status.NOT_APPLICABLE):
            self._print("  ... " + self._c("warn", f"{o.status.value}: {o.reason}"))
        elif o.status is Status.PENDING:
            why = (
                "not run: needs your say-so"
                if "needs_say_so" in o.extra
                else o.reason
                if "refused" in o.extra
                else "waiting for its signer's signature"
                if "needs_signature" in o.extra
                else "waiting for an answer"
            )
            self._print("  ... " + self._c("warn", why))
        else:
            where = f"{self.path}:{o.failed_line or o.line}"
            code = f" exit {o.exit_code}" if o.exit_code is not None else ""
            self._print(
                "  ... "
                + self._c("fail", f"{o.status.value.upper()}{code}")
                + took
                + f" at {where}"
            )

    def secret(self, prompt: str) -> str | None:
        """A value typed without echo (None at end of input)."""
        import getpass

        self._print()
        try:
            return getpass.getpass(f"  {prompt} ", stream=self.out)
        except EOFError:
            return None

    def text(self, prompt: str) -> str | None:
        """A line the operator types (None at end of input)."""
        return self._input(f"  {prompt} ")

    def _input(self, prompt: str) -> str | None:
        self._print()
        self.out.write(prompt)
        self.out.flush()
        line = self.inp.readline()
        return None if not line else line.strip()

    def confirm(self, question: str) -> bool:
        reply = self._input(f"  {question} [y/N] ")
        return bool(reply) and reply.lower() in ("y", "yes")

    def ask(self, step: Step, text: str, *, signoff: bool, automation: str) -> Answer:
        """Prompt until the operator answers: done / skip / fail / note / quit."""
        note = ""
        choices = "(d)one, (s)kip, (f)ail, (n)ote, (q)uit"
        if automation:
            choices = f"(a)utomate: {automation}; " + choices
        if step.optional:
            text += "  [optional]"
        self._print(f"  [ ] {text}")
        for detail in step.details:
            self._print(f"      - {detail}")
        while True:
            reply = self._input(f"  {choices}? ")
            if reply is None:
                return Answer(Status.PENDING)
            key = reply[:1].lower()
            if key == "a" and automation:
                return Answer(
                    Status.DONE, note=_join(note, f"automated: {automation}"), automate=True
                )
            if key == "d":
                signer = ""
                if signoff:  # nobody is assumed: Enter signs nothing
                    signer = self._input("  Signed by (name): ") or ""
                    if not signer:
                        self._print(
                            "  a sign-off needs its signer: type your own name to sign it "
                            "yourself, or have the signer run `relbook sign RECORD STEP`"
                        )
                        continue
                return Answer(Status.DONE, note=note, signer=signer)
            if key == "s":
                reason = ""
                while not reason:
                    got = self._input("  Reason for skipping (required): ")
                    if got is None:
                        return Answer(Status.PENDING)
                    reason = got
                return Answer(Status.SKIPPED, reason=reason, note=note)
            if key == "f":
                reason = self._input("  What went wrong? ") or "answered fail"
                return Answer(Status.FAILED, reason=reason, note=note)
            if key == "n":
                note = _join(note, self._input("  Note: ") or "")
                continue
            if key == "q":
                return Answer(Status.PENDING, reason=QUIT, note=note)


QUIT = "you quit at the prompt"


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else a or b


def _left_cut(text: str, width: int) -> str:
    """The end of `text` in `width` columns (the file name and line of a long path)."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
