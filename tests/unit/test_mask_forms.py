"""The forms a secret is masked in, checked against the tools that print them."""

from __future__ import annotations

import base64
import random
import string
import subprocess

import pytest

from relbook.record.mask import Masker, short_secret_warning


def test_printf_q_form_matches_bash():
    rng = random.Random(7)
    values = [
        "".join(rng.choice(string.printable[:94] + " é") for _ in range(12)) for _ in range(40)
    ]
    values += ["~home", "#hash", "a~b#c", "it's", "a b\tc"]
    script = 'for v in "$@"; do printf "%q\\n" "$v"; done'
    out = subprocess.run(["bash", "-c", script, "_", *values], capture_output=True, text=True)
    for value, quoted in zip(values, out.stdout.splitlines(), strict=True):
        masked = Masker([value]).mask(f"[{quoted}]").replace("$'***'", "***")  # $'a\tb'
        assert masked == "[***]", (value, quoted)


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc", b"abcd"])
@pytest.mark.parametrize("suffix", [b"", b"\n", b"z", b"zz"])
def test_base64_is_masked_at_every_alignment(prefix: bytes, suffix: bytes):
    secret = "hunter2-is-not-a-password"
    blob = prefix + secret.encode() + suffix
    for enc in (base64.b64encode(blob), base64.urlsafe_b64encode(blob)):
        masked = Masker([secret]).mask(enc.decode())
        assert "***" in masked
        # what is left is at most the few characters a neighbouring byte shares
        assert len(masked.replace("***", "")) <= 16


def test_each_line_of_a_multi_line_secret_and_streams_cut_anywhere():
    key = "-----BEGIN-----\nAAAAB3NzaC1yc2E\nZZZZtail9876\n-----END-----"
    masker = Masker([key])
    text = f"key:\n{key.replace(chr(10), chr(13) + chr(10))}\nline only: ZZZZtail9876\n"
    assert "AAAAB3NzaC1yc2E" not in masker.mask(text) and "ZZZZtail9876" not in masker.mask(text)
    data = text.encode()
    for cut in range(1, len(data)):
        m = Masker([key])
        out = m.feed(data[:cut]) + m.feed(data[cut:]) + m.flush()
        assert "AAAAB3NzaC1yc2E" not in out and "ZZZZtail9876" not in out


def test_short_secret_warning_names_the_variables():
    env = {"API_KEY": "ab", "DB_PASSWORD": "x", "GITHUB_TOKEN": "long-enough", "USER": "a"}
    warning = short_secret_warning(env)
    assert warning.startswith("warning: API_KEY, DB_PASSWORD are shorter than 3 characters")
    assert short_secret_warning({"GITHUB_TOKEN": "long-enough"}) == ""
