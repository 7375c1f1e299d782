"""The notebook's face: progress lines and step output printed into the running cell."""

from __future__ import annotations

import io
import sys

from relbook.ui import TerminalUI


class _CellOutput(io.TextIOBase):
    """The cell's stdout without a flush per line: ipykernel sends what was written
    every fraction of a second and when the cell ends, so a flush after each line
    would only cost a round trip to its I/O thread each time."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class KernelUI(TerminalUI):
    """Progress lines and step output, printed into the running cell."""

    def __init__(self, path: str = "") -> None:
        super().__init__(out=_CellOutput(), inp=io.StringIO(), path=path)
        self.interactive = False  # a kernel has no terminal to ask on
        self.color = False
