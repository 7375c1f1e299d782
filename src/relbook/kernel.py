"""`python -m relbook.kernel -f CONNECTION_FILE`: ipykernel for a release notebook.

The same kernel as `python -m ipykernel_launcher`, booted for batch runs. The
modules the notebook's setup cell needs are imported in the background as soon
as the kernel listens, while papermill connects and runs the parameter cells,
instead of in the first cell. The debugger and the completion engine, which
papermill never asks a kernel for, are left out (both are optional to ipykernel
and IPython), which shortens the boot.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

UNUSED = ("debugpy", "jedi")
PRELOAD = ("relbook.nbsession", "git", "nbformat")  # session, operator and HEAD, record


def main() -> None:
    """Boot ipykernel; preload the release session while it waits for papermill."""
    # Like ipykernel_launcher: the repository being released must not shadow
    # modules while they load; IPython puts the working directory back for cells.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # None in sys.modules: import raises ImportError
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    threading.Thread(target=_preload, name="relbook-preload", daemon=True).start()
    app.start()


def _preload() -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # the cell that needs it reports the error
            return


if __name__ == "__main__":
    main()
