"""Tamper evidence for the commands that read records: refuse, or render under a banner."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def force_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="render a record that does not match its journal anyway (under a warning banner)",
    )


def authentic(path: str, force: bool) -> list[str]:
    """Check a record against its journal: [] when it matches; its problems with --force;
    otherwise refuse (exit 1). Either way a mismatch is said on stderr."""
    from relbook.errors import Tampered
    from relbook.record.verify import BANNER, unverified, verify_record

    problems = verify_record(path)
    if not problems:
        partly = unverified(path)
        if partly:
            print(f"relbook: warning: {path}: {partly}", file=sys.stderr)
        return []
    if not force:
        raise Tampered(
            f"{BANNER}: " + "; ".join(problems) + " (--force renders it anyway)", path=path
        )
    print(f"relbook: warning: {path}: {BANNER}: " + "; ".join(problems), file=sys.stderr)
    return problems


def banner(text: str, problems: list[str], *, html: bool = False) -> str:
    """A document with the warning that its record does not match its journal on top."""
    if not problems:
        return text
    from relbook.record.verify import BANNER

    if not html:
        items = "".join(f"\n> - {p}" for p in problems)
        return f"> ⚠️ **Warning: {BANNER}.** Do not take it as evidence:\n>{items}\n\n{text}"
    import html as h

    items = "".join(f"<li>{h.escape(p)}</li>" for p in problems)
    div = (
        '<div class="tampered" role="alert" style="background:#ffebe9;border:2px solid #cf222e;'
        'padding:10px 14px;border-radius:8px;margin:0 0 16px">'
        f"<strong>⚠ Warning: {BANNER}.</strong> Do not take it as evidence.<ul>{items}</ul></div>"
    )
    return text.replace("<main>", "<main>\n" + div, 1)


def tampered_records(m: Any, force: bool) -> list[dict[str, Any]]:
    """Records counted in `m` that do not match their journals (said on stderr)."""
    from relbook.record.verify import BANNER, verify_record

    out = []
    for r in m.releases:
        problems = verify_record(r.path)
        if problems:
            print(f"relbook: {r.path}: {BANNER}: " + "; ".join(problems), file=sys.stderr)
            out.append({"path": r.path, "problems": problems})
    if out and not force:
        from relbook.errors import Tampered

        raise Tampered(
            f"{len(out)} record(s) do not match their journals; nothing reported "
            "(--force counts them anyway)"
        )
    if out:
        print(f"relbook: {len(out)} record(s) do not match their journals", file=sys.stderr)
    return out


def problems_of(tampered: list[dict[str, Any]]) -> list[str]:
    """`path: problem` for each problem of each record."""
    return [f"{t['path']}: {p}" for t in tampered for p in t["problems"]]
