"""`from relbook.nbsession import Session`: what release notebooks import (those written
before the package layout too). The session prints into the running cell."""

from __future__ import annotations

from typing import Any

from relbook.notebook.nbsession import Session as _Session
from relbook.ui.kernel import KernelUI

__all__ = ["Session"]


class Session(_Session):
    """One run of a release from a notebook (see relbook.notebook.nbsession)."""

    def __init__(self, runbook: str, **kwargs: Any) -> None:
        super().__init__(runbook, ui=lambda path: KernelUI(path=path), **kwargs)
