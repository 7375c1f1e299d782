"""SHA-256 of the small texts a parse or a dry run fingerprints (a guide, a step),
without hashlib: hashlib loads OpenSSL's libcrypto, 2 ms of a parse's start-up, where
CPython's own SHA-256 module gives the same digest of a few kilobytes as fast. Records
(journals, notebooks: large texts, hashed over and over) use hashlib."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _sha256() -> Callable[[bytes], Any]:
    try:
        from _sha2 import sha256  # CPython 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # CPython 3.11
        except ImportError:  # another Python, or one built without them
            from hashlib import sha256
    return sha256


SHA256 = _sha256()


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 digest of `data`."""
    return SHA256(data).hexdigest()


_HASHLIB: Callable[[bytes], Any] | None = None


def record_sha256() -> Callable[[bytes], Any]:
    """hashlib's SHA-256, for records (large texts, hashed over and over: OpenSSL's is the
    faster there), imported when first needed: the commands that write none skip it."""
    global _HASHLIB
    if _HASHLIB is None:
        import hashlib

        _HASHLIB = hashlib.sha256
    return _HASHLIB
