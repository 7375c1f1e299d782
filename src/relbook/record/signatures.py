"""How a sign-off's signature reads in the record, the report and the checklist.

A checked signature is plain data (see `relbook.run.signoff.check`): who signed
(`signer`, `principal`), with which key, how (`relbook sign`, the operator at the
run, a GitHub approval), whether it `counts` for the step, whether it was
`verified` against the runbook's allowed_signers, and `why` not.
"""

from __future__ import annotations

from typing import Any


def signature_text(sig: dict[str, Any]) -> str:
    """`signed by alice <alice@example.com> (key SHA256:..., verified)`, or why not."""
    who = _who(sig)
    if sig.get("how") == "github-approval":
        where = f"environment {sig.get('environment', '')}"
        if sig.get("url"):
            where += f", {sig['url']}"
        return f"approved on GitHub by {who} ({where}; not an SSH signature)"
    key = f"key {sig['key']}, " if sig.get("key") else "no SSH signature, "
    if sig.get("verified"):
        return f"signed by {who} ({key}verified)"
    if sig.get("counts"):
        return f"signed by {who} ({key}unverified: {sig.get('why', '')})"
    return f"signature by {who} ({key}not verified: {sig.get('why', '')}; not counted)"


def _who(sig: dict[str, Any]) -> str:
    name, principal = str(sig.get("signer", "")), str(sig.get("principal", ""))
    if principal and principal != name:
        return f"{name} <{principal}>" if name else principal
    return name or principal or "?"


def signatures_line(sigs: list[dict[str, Any]]) -> str:
    """Every signature checked for a step, the one that counts first ('' for none)."""
    ordered = sorted(sigs, key=lambda s: not s.get("counts"))
    return "; ".join(signature_text(s) for s in ordered)


def waiting_signatures(outcome: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Signatures made (by `relbook sign`) after the outcome was recorded: what the
    signer's check said of them, until the run resumes and judges them itself."""
    if outcome.extra.get("signature") or outcome.status.value not in ("pending", "running"):
        return []
    seen = len(outcome.extra.get("signatures", []) or [])
    return [e["checked"] for e in events[seen:] if isinstance(e.get("checked"), dict)]
