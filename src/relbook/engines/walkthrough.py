"""The walkthrough engine: tabletop drills, where nothing executes.

A shell step under this engine is shown command by command and answered by the
participants like a manual step; the record keeps the commands as simulated.
"""

from __future__ import annotations

from typing import Any

from relbook.engines import Execution


class WalkthroughEngine:
    """Runs nothing: the runner walks the participants through each shell step."""

    name = "walkthrough"
    executes = False

    def run(self, script: str, **_: Any) -> Execution:
        """Never asked to run bash (the runner walks steps through); refuses if it is."""
        raise RuntimeError("the walkthrough engine executes nothing")

    def close(self) -> None:
        pass
