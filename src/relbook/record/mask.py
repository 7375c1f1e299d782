"""Secret masking: values of secret-looking environment variables become ***."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

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


class Masker:
    """Masks secrets in text and in a byte stream cut at arbitrary points."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = [s for s in secrets if s]
        self._re = (
            re.compile("|".join(re.escape(s) for s in self.secrets)) if self.secrets else None
        )
        self._pending = ""
        self._bytes = b""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> Masker:
        """A masker for the secrets in `env` (default: this process's environment)."""
        return cls(secret_values(os.environ if env is None else env, names))

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
