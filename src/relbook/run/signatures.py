"""SSH signatures over a release's facts: made by `ssh-keygen -Y sign` (as git signs
commits with `gpg.format=ssh`), checked by `ssh-keygen -Y verify` against an
allowed_signers file (git's `gpg.ssh.allowedSignersFile` format).

A sign-off is signed in the namespace `relbook-signoff:<step id>`, so an
allowed_signers line can limit a principal to some sign-offs:

    alice@example.com namespaces="relbook-signoff:release-approval.*" ssh-ed25519 AAAA...
    bob@example.com namespaces="git,relbook-signoff:release-approval.2" ssh-ed25519 AAAA...

A line without `namespaces=` may sign every sign-off (and anything else).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError

NAMESPACE = "relbook-signoff"
SCHEMA = "relbook.signoff/1"


def namespace(step_id: str) -> str:
    """The signing namespace of one sign-off step."""
    return f"{NAMESPACE}:{step_id}"


@dataclass(frozen=True)
class Identity:
    """Who signs: a name to show, the principal allowed_signers knows them by (git
    verifies by e-mail), and their SSH signing key ('' when they have none)."""

    name: str
    principal: str
    key: str = ""


def git_config(cwd: str, name: str) -> str:
    """One git config value as seen from `cwd` ('' when unset or no git)."""
    try:
        out = subprocess.run(
            ["git", "config", "--get", name], cwd=cwd, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def git_identity(cwd: str, key: str = "") -> Identity:
    """The git identity of the checkout at `cwd` (user.name, user.email) and its SSH
    signing key (`key`, else user.signingkey when it names an SSH key)."""
    name, email = git_config(cwd, "user.name"), git_config(cwd, "user.email")
    if not (name or email):
        raise RelbookError(
            "no git identity to sign with: set git config user.name and user.email "
            "(and user.signingkey for an SSH signature) in your own checkout"
        )
    if not key:
        key = ssh_key(git_config(cwd, "user.signingkey"), git_config(cwd, "gpg.format"))
    return Identity(name or email, email or name, key)


def ssh_key(value: str, fmt: str) -> str:
    """git's user.signingkey when it is an SSH key (a key file, or `key::ssh-...`)."""
    if not value:
        return ""
    if value.startswith(("key::", "ssh-", "ecdsa-", "sk-")):
        return value
    path = Path(value).expanduser()
    return str(path) if fmt == "ssh" or path.is_file() else ""


# -- the facts a signature is over ----------------------------------------------------


def signoff_facts(meta: dict[str, Any], step: str, text: str, who: Identity, when: str) -> dict:
    """What a signer signs: the release (runbook and its sha256, version, attempt), the
    step, who signs and when."""
    rb = meta.get("runbook", {}) or {}
    return {
        "schema": SCHEMA,
        "runbook": rb.get("name", ""),
        "runbook_sha256": rb.get("sha256", ""),
        "version": str((meta.get("params", {}) or {}).get("version", "")),
        "attempt": int(meta.get("attempt") or 1),
        "step": step,
        "text": text,
        "signer": who.name,
        "principal": who.principal,
        "time": when,
    }


def message(facts: dict[str, Any]) -> bytes:
    """The bytes signed: the facts as canonical JSON."""
    return (json.dumps(facts, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# -- ssh-keygen -----------------------------------------------------------------------


def _keygen(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["ssh-keygen", *args], input=data, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise RelbookError("ssh-keygen is not installed (OpenSSH 8.2 or newer signs)") from None
    except subprocess.TimeoutExpired:
        raise RelbookError("ssh-keygen did not answer within 120 s") from None


def ssh_sign(facts: dict[str, Any], key: str) -> str:
    """An armored SSH signature of `facts` by `key` (a private key, or a public key
    whose private half ssh-agent holds; a passphrase is asked on the terminal)."""
    import tempfile  # only where a sign-off is signed

    with tempfile.TemporaryDirectory(prefix="relbook-sign-") as tmp:
        msg = Path(tmp) / "signoff"
        msg.write_bytes(message(facts))
        keyfile = key
        if key.startswith(("key::", "ssh-", "ecdsa-", "sk-")):  # a literal public key
            keyfile = str(Path(tmp) / "key.pub")
            Path(keyfile).write_text(key.removeprefix("key::") + "\n", encoding="utf-8")
        try:
            got = subprocess.run(
                ["ssh-keygen", "-Y", "sign", "-f", keyfile, "-n", namespace(facts["step"]), msg],
                capture_output=True,
                timeout=300,
            )
        except FileNotFoundError:
            raise RelbookError("ssh-keygen is not installed (OpenSSH 8.2 or newer)") from None
        sig = Path(f"{msg}.sig")
        if got.returncode != 0 or not sig.is_file():
            why = got.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RelbookError(
                f"ssh-keygen could not sign with {key}: {why[-1] if why else 'failed'}"
            )
        return sig.read_text(encoding="utf-8")


def _with_signature(sig: str, fn: Any) -> Any:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="relbook-verify-") as tmp:
        path = Path(tmp) / "signoff.sig"
        path.write_text(sig, encoding="utf-8")
        return fn(str(path))


_KEY = re.compile(r"key (SHA256:\S+)")


def key_of(sig: str, facts: dict[str, Any]) -> str:
    """The fingerprint of the key that made `sig`, when `sig` is a good signature of
    `facts` in the step's namespace ('' when it is not)."""
    ns = namespace(str(facts.get("step", "")))
    got = _with_signature(
        sig, lambda p: _keygen(["-Y", "check-novalidate", "-n", ns, "-s", p], message(facts))
    )
    found = _KEY.search(got.stdout.decode("utf-8", "replace"))
    return found.group(1) if got.returncode == 0 and found else ""


def verify(sig: str, facts: dict[str, Any], allowed: Path) -> str:
    """'' when `ssh-keygen -Y verify` accepts `sig` over `facts` for its principal in
    the step's namespace, else why not."""
    ns = namespace(str(facts.get("step", "")))
    principal = str(facts.get("principal", ""))

    def run(p: str) -> subprocess.CompletedProcess[bytes]:
        args = ["-Y", "verify", "-f", str(allowed), "-I", principal, "-n", ns, "-s", p]
        return _keygen(args, message(facts))

    got = _with_signature(sig, run)
    if got.returncode == 0:
        return ""
    err = got.stderr.decode("utf-8", "replace")
    found = _with_signature(
        sig, lambda p: _keygen(["-Y", "find-principals", "-f", str(allowed), "-s", p])
    )
    owners = found.stdout.decode("utf-8", "replace").split() if found.returncode == 0 else []
    if not owners:
        return f"its key is not in {allowed.name}"
    if principal not in owners:
        return f"its key is {', '.join(owners)}'s in {allowed.name}, not {principal}'s"
    if "namespace" in err:
        return f"{allowed.name} does not let {principal} sign {facts.get('step')} (namespaces=)"
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return f"ssh-keygen: {lines[-1] if lines else 'could not verify the signature'}"


# -- allowed_signers ------------------------------------------------------------------

_TOKEN = re.compile(r'(?:"[^"]*"|[^\s"])+')
_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


def may_sign(allowed: Path, step_id: str) -> list[str]:
    """The principals an allowed_signers file lets sign the sign-off `step_id`."""
    try:
        lines = allowed.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    ns = namespace(step_id)
    out: list[str] = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        tokens = _TOKEN.findall(line)
        if len(tokens) < 2:
            continue
        options = tokens[1] if not tokens[1].startswith(_KEY_TYPES) else ""
        found = re.search(r'namespaces="([^"]*)"', options)
        if found and not _matches(ns, found.group(1)):
            continue
        out += [p for p in tokens[0].strip('"').split(",") if p and p not in out]
    return out


def _matches(name: str, patterns: str) -> bool:
    """ssh's pattern lists: comma-separated, `*` and `?`, `!` negates."""
    import fnmatch

    hit = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if fnmatch.fnmatchcase(name, pattern.lstrip("!")):
            if negated:
                return False
            hit = True
    return hit
