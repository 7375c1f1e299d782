"""`relbook sign RECORD STEP`: the signer signs a sign-off themselves."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from relbook.cli import COMMANDS


def add(sub: Any) -> None:
    p = sub.add_parser(
        "sign",
        help=COMMANDS["sign"],
        description="Sign the sign-off STEP of the release RECORD as yourself: your git "
        "identity (user.name, user.email) in the current checkout, and your SSH signing key "
        "(git's user.signingkey; `ssh-keygen -Y sign`, as git signs commits). The signature, "
        "over the release's facts (runbook sha256, version, step, time, signer), goes into the "
        "record's journal; a runbook naming an allowed_signers file counts it only when "
        "`ssh-keygen -Y verify` accepts it. The run paused at the sign-off continues past it "
        "when the same `relbook run` command is run again; a run that holds the record now "
        "takes the signature in at the sign-off (at once with --wait-signoffs). Exit status: "
        "0 signed (or already signed), 1 signed but it will not count (the reason is said), "
        "2 bad input.",
    )
    p.add_argument("record", metavar="RECORD", help="the release record (.ipynb)")
    p.add_argument("step", metavar="STEP", help="the sign-off: step id, number or text")
    p.add_argument(
        "--key",
        metavar="FILE",
        help="the SSH key to sign with (default: git config user.signingkey)",
    )
    p.add_argument(
        "--runbook",
        metavar="FILE",
        help="the runbook, to check the signature against its allowed_signers now "
        "(default: the path in the record)",
    )


def run(args: argparse.Namespace) -> int:
    import os

    from relbook.record.signatures import signature_text
    from relbook.run.sign import sign_record
    from relbook.run.signatures import git_identity

    who = git_identity(os.getcwd(), os.path.expanduser(args.key) if args.key else "")
    if not who.key:
        print(
            "relbook: warning: no SSH signing key (git config user.signingkey, or --key): "
            "signed with your git identity only; a runbook naming allowed_signers will "
            "not count it",
            file=sys.stderr,
        )
    done = sign_record(args.record, args.step, who, args.runbook or "")
    what = f"{done.step} ({done.text})"
    if done.already:
        print(f"{what} is already signed: {signature_text(done.checked or {})}")
        return 0
    if done.checked is None:
        print(f"{what}: signed as {who.name} <{who.principal}>; the runbook is not here to "
              "check it against (--runbook FILE): the run checks it when it resumes")  # fmt: skip
    else:
        print(f"{what}: {signature_text(done.checked)}")
    if done.checked is not None and not done.checked.get("counts"):
        print("relbook: this signature does not count: the run stays paused", file=sys.stderr)
        return 1
    if done.queued:
        print(
            f"a relbook run holds the record ({done.holder}): the signature waits beside it "
            f"({done.queued}); that run takes it in at the sign-off (at once if it waits there "
            "with --wait-signoffs, else when the same run command is run again)"
        )
        return 0
    print(f"to continue the release: {done.command}")
    return 0
