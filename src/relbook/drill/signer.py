"""The drill signs its own sign-offs: a key and identity of its own, made in the sandbox.

A rehearsal has nobody to sign, and `--yes` or answers never sign: so the drill
generates an SSH key (`ssh-keygen -t ed25519`) and an allowed_signers file naming
it, and signs each sign-off it reaches with it, as a real signer would with
`relbook sign`. The record and the scorecard say who signed: the drill, not a person.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from relbook.run.signatures import Identity

NAME, PRINCIPAL = "relbook drill", "drill@relbook.invalid"


@dataclass(frozen=True)
class DrillSigner:
    """The drill's identity, the allowed_signers file that knows it, and what to say."""

    identity: Identity
    allowed_signers: str
    note: str


def drill_signer(root: Path) -> DrillSigner:
    """A signing key and allowed_signers for the drill in `root` (unsigned when
    ssh-keygen cannot make a key: then the runbook's own rule judges them)."""
    key = root / "signing" / "drill_ed25519"
    key.parent.mkdir(parents=True, exist_ok=True)
    try:
        made = subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", PRINCIPAL, "-f", str(key)],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        made = None
    if made is None or made.returncode != 0 or not key.is_file():
        note = (
            f"sign-offs recorded as signed by the drill's identity {NAME} <{PRINCIPAL}>, "
            "without a key (ssh-keygen could not make one), not by the people who sign"
        )
        return DrillSigner(Identity(NAME, PRINCIPAL), "", note)
    public = key.with_name(key.name + ".pub").read_text(encoding="utf-8").strip()
    allowed = root / "signing" / "allowed_signers"
    allowed.write_text(f"{PRINCIPAL} {public}\n", encoding="utf-8")
    note = (
        f"signed by the drill's own key ({NAME} <{PRINCIPAL}>, made for this sandbox) and "
        "verified against the sandbox's allowed_signers: a rehearsal of `relbook sign`, "
        "not the people who sign real releases"
    )
    return DrillSigner(Identity(NAME, PRINCIPAL, str(key)), str(allowed), note)
