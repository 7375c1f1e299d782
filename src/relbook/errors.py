"""One exception tree; turned into text only in cli.py."""

from __future__ import annotations


class RelbookError(Exception):
    """Base of every error relbook reports to the user (exit status 2)."""

    exit_code = 2

    def __init__(self, msg: str, *, path: str = "", line: int = 0) -> None:
        super().__init__(msg)
        self.msg, self.path, self.line = msg, path, line

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.msg}"
        if self.path:
            return f"{self.path}: {self.msg}"
        return self.msg


class ParseError(RelbookError):
    """The runbook cannot be read or parsed."""


class ParamError(RelbookError):
    """A parameter value (version, description, ...) is invalid."""


class TemplateError(RelbookError):
    """A Jinja2 template in a runbook or in templates/ is broken."""


class RecordError(RelbookError):
    """A record is corrupt, hand-edited, or cannot be written."""


class LockedError(RelbookError):
    """Another relbook process holds the release lock."""


class StepFailed(RelbookError):
    """A step failed; carries the return code like nox's CommandFailed."""

    exit_code = 1

    def __init__(self, msg: str, *, path: str = "", line: int = 0, returncode: int = 1) -> None:
        super().__init__(msg, path=path, line=line)
        self.returncode = returncode


class Paused(RelbookError):
    """The run stopped at a manual step that nobody could answer (exit 3)."""

    exit_code = 3


class Interrupted(RelbookError):
    """The operator pressed Ctrl-C or quit (exit 130), or relbook got SIGTERM or
    SIGHUP (exit 128 + its number: 143, 129)."""

    exit_code = 130

    def __init__(self, msg: str, *, signum: int = 2, path: str = "", line: int = 0) -> None:
        super().__init__(msg, path=path, line=line)
        self.signum = signum
        self.exit_code = 128 + signum


class Terminated(KeyboardInterrupt):
    """A stopping signal (SIGTERM, SIGHUP, SIGINT) raised where relbook may stop:
    handled everywhere as Ctrl-C is."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum


def decode_utf8(data: bytes, path: str, what: str = "") -> str:
    """`data` (the contents of `path`) as text; bytes that are not UTF-8 are a RelbookError
    at their line, never a traceback."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        prefix = f"{what}: " if what else ""
        raise RelbookError(
            f"{prefix}not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None


def check_utf8_arguments(args: dict[str, object]) -> None:
    """Arguments holding bytes that are not UTF-8 (surrogate escapes) are refused."""
    for name, value in args.items():
        for text in value if isinstance(value, list) else [value]:
            s = text if isinstance(text, str) else ""
            bad = next((c for c in s if "\udc80" <= c <= "\udcff"), None)
            if bad is not None:
                raise RelbookError(
                    f"--{name.replace('_', '-')}: not UTF-8 text (byte 0x{ord(bad) - 0xDC00:02x}"
                    f" at character {s.index(bad) + 1}); pass UTF-8"
                )


class Tampered(RelbookError):
    """A record does not match its journal (edited, truncated, replaced)."""

    exit_code = 1
