"""papermill's nbclient engine, with its execution record told truthfully.

Stock papermill marks a cell "completed" when it ends by a timeout or a dead
kernel (only CellExecutionError counts as a failure), and then marks every
later, never executed cell "completed" as well. Here any exception marks the
running cell failed with an error output, so later cells stay "pending".
Saves of the output notebook are spaced out (every cell would cost a
validation and a rewrite) and always happen at a failure and at the end, with
secrets masked. Imported only when the papermill engine runs.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import nbformat
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.iorw import write_ipynb

ENGINE_NAME = "relbook"
SAVE_EVERY = 2.0  # seconds between saves of the output notebook while cells run


class Manager(NotebookExecutionManager):
    """Execution state of the notebook; saves spaced out, secrets masked."""

    mask: Callable[[str], str] = staticmethod(lambda s: s)

    def save(self, force: bool = False, **kwargs: Any) -> None:
        if not self.output_path:
            return
        if not force and time.monotonic() - getattr(self, "_saved", 0.0) < SAVE_EVERY:
            return
        write_ipynb(self._masked(), self.output_path)
        self._saved = time.monotonic()
        self.last_save_time = self.now()

    def _masked(self) -> Any:
        # Outputs come masked from the kernel; papermill copies the parameters into
        # the injected cell and the metadata, and error messages carry the command.
        return _mask_values(copy.deepcopy(self.nb), self.mask)

    def failed_by(self, cell: Any, index: int, exc: BaseException) -> None:
        """Record that `cell` ended by `exc` (a timeout, a dead kernel, ...)."""
        self.cell_exception(cell, cell_index=index, exception=exc)
        if not isinstance(exc, CellExecutionError):
            text = f"{type(exc).__name__}: {exc}".strip()
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error", ename=type(exc).__name__, evalue=str(exc), traceback=[text]
                )
            )
        self.save(force=True)

    def notebook_complete(self, **kwargs: Any) -> None:
        super().notebook_complete(**kwargs)
        self.save(force=True)


class Client(PapermillNotebookClient):
    """Runs cells in order; the first cell that does not finish ends the run."""

    def papermill_execute_cells(self) -> None:
        for index, cell in enumerate(self.nb.cells):
            self.nb_man.cell_start(cell, index)
            try:
                self.execute_cell(cell, index)
            except CellExecutionError as ex:
                self.nb_man.failed_by(self.nb.cells[index], index, ex)
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
                return
            except BaseException as ex:
                self.nb_man.failed_by(self.nb.cells[index], index, ex)
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
                raise
            self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)

    def execute(self, **kwargs: Any) -> Any:
        try:
            return super().execute(**kwargs)
        finally:
            if self.kc is not None:  # the caller owns the kernel, not its client
                self.kc.stop_channels()
                self.kc = None


class Engine(NBClientEngine):
    """papermill engine "relbook": the manager and client above."""

    @classmethod
    def execute_notebook(
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = False,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        mask: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> Any:
        nb_man = Manager(nb, output_path=output_path, progress_bar=False, log_output=log_output)
        if mask is not None:
            nb_man.mask = mask
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        kwargs.pop("input_path", None)
        return Client(
            nb_man,
            timeout=execution_timeout,
            timeout_func=_cell_timeout(execution_timeout),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        ).execute()


SETUP_TIMEOUT = 600.0  # a parameters, setup or close cell: loading the session is slow, not a step


def _cell_timeout(backstop: float | None) -> Callable[[Any], float | None]:
    """The backstop is for steps: a step cell gets `backstop`; relbook's own cells (the
    parameters, the session's setup on a loaded machine, the close) get SETUP_TIMEOUT."""

    def timeout(cell: Any) -> float | None:
        if backstop is None:
            return None
        if "relbook-step" in cell.get("metadata", {}).get("tags", ()):
            return backstop
        return max(backstop, SETUP_TIMEOUT)

    return timeout


def _mask_values(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return type(value)({k: _mask_values(v, mask) for k, v in value.items()})
    if isinstance(value, list):
        return [_mask_values(v, mask) for v in value]
    return value


def mask_notebook(path: str, mask: Callable[[str], str]) -> None:
    """Mask secrets in a notebook papermill wrote (its last writes bypass the manager)."""
    from pathlib import Path

    from relbook.record.files import write_atomic

    nb = nbformat.read(path, as_version=4)
    text = nbformat.writes(_mask_values(nb, mask)) + "\n"
    write_atomic(Path(path), text.encode("utf-8"))


def register() -> str:
    """Register the engine with papermill; returns its name."""
    papermill_engines.register(ENGINE_NAME, Engine)
    return ENGINE_NAME
