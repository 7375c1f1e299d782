"""Secret masking: values of secret-looking environment variables become ***."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE", re.I)
MASK = "***"
_MIN_LEN = 3  # shorter values would mask ordinary text everywhere


def secret_values(env: Mapping[str, str], extra_names: Iterable[str] = ()) -> list[str]:
    """Values to hide: variables whose names look secret, plus `--mask NAME` ones."""
    names = set(extra_names)
    values = {
        v
        for k, v in env.items()
        if (SECRET_NAME.search(k) or k in names) and v and len(v) >= _MIN_LEN
    }
    return sorted(values, key=len, reverse=True)


def short_secrets(env: Mapping[str, str], extra_names: Iterable[str] = ()) -> list[str]:
    """Names of secret variables whose values are too short to mask safely."""
    names = set(extra_names)
    return sorted(
        k
        for k, v in env.items()
        if (SECRET_NAME.search(k) or k in names) and v and len(v.strip()) < _MIN_LEN
    )


def short_secret_warning(env: Mapping[str, str], extra_names: Iterable[str] = ()) -> str:
    """The start-up warning for secrets too short to mask, or ""."""
    short = short_secrets(env, extra_names)
    if not short:
        return ""
    return (
        f"warning: {', '.join(short)} {'is' if len(short) == 1 else 'are'} shorter than "
        f"{_MIN_LEN} characters: too short to mask safely, so not masked in output or records"
    )


_Q_ALWAYS = set(" \t!\"$&'()*,;<>?[\\]^`{|}")
_Q_FIRST = set("~#")


def _printf_q(value: str) -> str:
    """What bash's `printf %q` prints for a value of printable characters."""
    return "".join(
        "\\" + c if c in _Q_ALWAYS or (i == 0 and c in _Q_FIRST) else c for i, c in enumerate(value)
    )


def _base64_cores(data: bytes) -> list[str]:
    """The base64 text that `data` encodes to wherever it starts in a longer input
    (all three alignments): only the characters no neighbouring byte changes."""
    import base64

    out = []
    n = len(data)
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data).decode()
        first, last = -(-8 * k // 6), (8 * (k + n)) // 6  # chars made of data bits only
        out.append(enc[first:last])
        if k == 0:
            out.append(enc)  # the whole encoding, padding included
    return out


def secret_forms(value: str) -> list[str]:
    """Every form a secret is likely to be printed in: itself, each of its lines,
    base64 (standard and URL-safe, three alignments), URL-encoded, JSON-escaped,
    HTML-escaped, `printf %q` and `set -x` quoting."""
    import html
    import json
    from urllib.parse import quote, quote_plus

    texts = [value] + [line for line in value.splitlines() if line.strip()]
    forms: set[str] = set()
    for text in texts:
        forms.add(text)
        data = text.encode("utf-8", "surrogateescape")
        for core in _base64_cores(data) + _base64_cores(data + b"\n"):
            forms.update((core, core.translate(str.maketrans("+/", "-_"))))
        for enc in (quote(text, safe=""), quote_plus(text, safe=""), quote(text)):
            forms.update((enc, re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), enc)))
        forms.add(json.dumps(text)[1:-1])
        forms.add(json.dumps(text, ensure_ascii=False)[1:-1])
        forms.add(html.escape(text))
        forms.add(html.escape(text, quote=False))
        forms.add(_printf_q(text))
        forms.add(text.replace("'", "'\\''"))
    return sorted(
        (f for f in forms if len(f) >= max(_MIN_LEN, 4) or f == value), key=len, reverse=True
    )


class Masker:
    """Masks secrets in text and in a byte stream cut at arbitrary points."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.values = [s for s in secrets if s]
        forms = {f for s in self.values for f in secret_forms(s)}
        self.secrets = sorted(forms, key=len, reverse=True)
        self._re = (
            re.compile("|".join(re.escape(s) for s in self.secrets)) if self.secrets else None
        )
        self._pending = ""
        self._bytes = b""
        self.warning = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> Masker:
        """A masker for the secrets in `env` (default: this process's environment);
        `warning` says which are too short to mask."""
        env = os.environ if env is None else env
        masker = cls(secret_values(env, names))
        masker.warning = short_secret_warning(env, names)
        return masker

    def mask(self, text: str) -> str:
        """`text` with every secret replaced by ***."""
        return self._re.sub(MASK, text) if self._re and text else text

    def feed(self, data: bytes) -> str:
        """Masked text for this chunk; holds back what a secret split across chunks needs."""
        data = self._bytes + data
        cut = len(data)
        while cut > 0 and cut > len(data) - 4 and (data[cut - 1] & 0xC0) == 0x80:
            cut -= 1  # do not split a UTF-8 sequence
        if cut > 0 and data[cut - 1] >= 0xC0:
            cut -= 1
        self._bytes = data[cut:]
        text = self._pending + data[:cut].decode("utf-8", "replace")
        if not self._re:
            self._pending = ""
            return text
        split = len(text) - self._partial(text)
        for m in self._re.finditer(text):
            if m.start() < split < m.end():
                split = m.end()
        self._pending = text[split:]
        return self.mask(text[:split])

    def _partial(self, text: str) -> int:
        """Length of the longest end of `text` that could begin a secret: only that
        much is held back (whole lines flow on, so live output is not cut mid-line)."""
        longest = 0
        for secret in self.secrets:
            for k in range(min(len(secret) - 1, len(text)), longest, -1):
                if text.endswith(secret[:k]):
                    longest = k
                    break
        return longest

    def flush(self) -> str:
        """Whatever is still held back, masked."""
        text = self._pending + self._bytes.decode("utf-8", "replace")
        self._pending, self._bytes = "", b""
        return self.mask(text)


class MaskedStream:
    """A text stream whose every write is masked (relbook's stdout and stderr)."""

    def __init__(self, stream: TextIO, masker: Masker) -> None:
        self._stream, self._masker = stream, masker

    def write(self, text: str) -> int:
        self._stream.write(self._masker.mask(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def masked_output(masker: Masker) -> Iterator[None]:
    """Mask everything written to sys.stdout and sys.stderr meanwhile."""
    if not masker.secrets:
        yield
        return
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskedStream(out, masker), MaskedStream(err, masker)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
