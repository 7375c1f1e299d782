"""Safety rules that hold on any guide: nothing to run is not success."""

from __future__ import annotations

from relbook.errors import RelbookError
from relbook.model import Runbook

HOW_TO_MARK = (
    "relbook looks for task-list items (`- [ ] Tag the release`), numbered lists, and fenced "
    "shell blocks (```bash, sh, shell, zsh, console) outside sections about things going wrong "
    "(rollback, recovery, troubleshooting, ...). Mark each step as a `- [ ]` item or put its "
    "commands in a ```bash block; if relbook took a release section for a contingency one, put "
    "`<!-- relbook: normal -->` right after its heading"
)


def require_flow(rb: Runbook) -> None:
    """Refuse a guide in which relbook finds no release-flow step (exit 2)."""
    if rb.flow():
        return
    found = [s for s in rb.steps if not s.skip]
    if found:
        sections = sorted({s.section for s in found if s.section})
        what = f"its {len(found)} step{'s' * (len(found) != 1)} are all in contingency sections" + (
            f" ({', '.join(sections)})" if sections else ""
        )
    elif rb.steps:
        what = "every step it has is marked skip"
    else:
        what = "it has no step at all"
    raise RelbookError(
        f"no release-flow step found: {what}; nothing would run. {HOW_TO_MARK}",
        path=rb.path,
    )
