"""The papermill engine: `relbook run --engine papermill`.

The runbook becomes a parameterized notebook (relbook.notebook) in the record
directory; papermill runs it on a Python kernel pinned to this interpreter
(a kernelspec held in memory: nothing is registered in the user's Jupyter
directories), and the Runner inside the kernel writes the same record as the
local engine. This side starts the kernel early (it boots while papermill is
imported), stops it as soon as the notebook ends, kills what a dead kernel
left running, and closes the record when the kernel could not.

Files, for record `records/<runbook>/1.2.3.ipynb`:
    records/<runbook>/1.2.3.papermill/input.ipynb   the notebook papermill ran
    records/<runbook>/1.2.3.papermill/run-N.ipynb   papermill's output, one per run
    records/<runbook>/1.2.3.papermill/kernel.log    the kernel's own messages
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from relbook.errors import Interrupted, RecordError, RelbookError, StepFailed
from relbook.model import Outcome, Status
from relbook.notebook import release_notebook, write_release_notebook
from relbook.record import RecordPaths, read_journal, replay
from relbook.record.mask import Masker
from relbook.run import Runner, RunOptions, RunResult

KERNEL_ID_VAR = "RELBOOK_KERNEL_ID"  # marks the kernel and every process it starts
BACKSTOP_MARGIN = 30.0  # papermill's execution_timeout: the longest step timeout plus this
SHUTDOWN_WAIT = 3.0  # seconds a kernel gets to exit after a shutdown request
INTERRUPT_WAIT = 10.0  # seconds an interrupted kernel gets to record the step it stopped
IOPUB_WAIT = 10  # seconds to wait for a cell's last output after it finished
AUTO = -1.0


class KernelError(RelbookError):
    """The kernel could not run the notebook (exit status 1: the run is incomplete)."""

    exit_code = 1


def run_papermill(runner: Runner, execution_timeout: float | None = AUTO) -> RunResult:
    """Run the release as a notebook under papermill; the record is the local engine's."""
    paths = runner.locate()
    with runner.lock():
        repaired = runner.repair()  # a finished release whose notebook write had failed
    if repaired:
        return repaired
    work = workdir(paths)
    kernel = Kernel(work, runner.opts.env)
    error: BaseException | None = None
    try:
        _preflight(runner)
        source = work / "input.ipynb"
        nb = release_notebook(
            runner.rb,
            runbook_path=runner.rb.path,
            section=runner.opts.section,
            from_step=runner.opts.from_step,
        )
        write_release_notebook(nb, source)
        backstop = _backstop(runner) if execution_timeout == AUTO else execution_timeout
        output = _next_output(work)
        runner.ui.info(f"papermill: {source} -> {output}")
        error = _execute(runner, kernel, source, output, backstop)
    finally:
        # Once the last cell has run, the record is closed and synced: nothing in the
        # kernel is left to save, so it is stopped at once rather than asked to exit.
        kernel.stop(now=True)
        strays = kill_marked(kernel.id)
    if strays:
        runner.ui.info("stopped what the kernel left running: " + ", ".join(strays))
    return _conclude(runner, error, kernel, backstop)


def _preflight(runner: Runner) -> None:
    """Refuse at once what the kernel would refuse (bad version, blackout, finished or
    changed release, another run going on) while the kernel boots."""
    with runner.lock():
        runner.prepare()


def workdir(paths: RecordPaths) -> Path:
    """The directory beside a record that holds its papermill notebooks."""
    stem = paths.notebook.name.removesuffix(".ipynb")
    work = paths.base / f"{stem}.papermill"
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RecordError(f"cannot write: {e.strerror}", path=str(work)) from None
    return work


def _next_output(work: Path) -> Path:
    n = 1
    while (work / f"run-{n}.ipynb").exists():
        n += 1
    return work / f"run-{n}.ipynb"


def _backstop(runner: Runner) -> float | None:
    """papermill's per-cell timeout: only a backstop behind relbook's own step timeouts."""
    timeouts = [s.timeout for s in runner.rb.steps if s.timeout]
    if runner.opts.timeout:
        timeouts.append(runner.opts.timeout)
    return max(timeouts) + BACKSTOP_MARGIN if timeouts else None


def parameters(opts: RunOptions) -> dict[str, Any]:
    """The notebook parameters for a run's options (answers go as the mapping itself)."""
    from relbook.options import NOTEBOOK_OPTIONS

    values = {o.name: getattr(opts, o.name, o.default) for o in NOTEBOOK_OPTIONS}
    values["answers_file"] = ""
    return values


def _execute(
    runner: Runner, kernel: Kernel, source: Path, output: Path, backstop: float | None
) -> BaseException | None:
    """Run the notebook; returns what stopped it (None when every cell ran)."""
    import papermill

    from relbook.notebook import pmexec

    out = getattr(runner.ui, "out", None) or sys.stdout
    masker = Masker.from_env({**os.environ, **runner.opts.env}, runner.opts.mask)
    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters=parameters(runner.opts),
            engine_name=pmexec.register(),
            kernel_name=kernel.name,
            km=kernel.manager,
            progress_bar=False,
            stdout_file=out,
            stderr_file=sys.stderr,
            execution_timeout=backstop,
            log=kernel.logger,
            mask=masker.mask,
            raise_on_iopub_timeout=False,  # the record is complete; only the copy lags
            iopub_timeout=IOPUB_WAIT,
        )
    except KeyboardInterrupt as e:
        _cancel_pending()
        kernel.interrupt(runner.lock)
        return e
    except Exception as e:  # papermill, nbclient and jupyter_client errors alike
        return e
    finally:
        try:
            pmexec.mask_notebook(str(output), masker.mask)
        except (OSError, ValueError):  # not written, or cut short: nothing to mask
            pass
    return None


def _cancel_pending() -> None:
    """Cancel what papermill's event loop was waiting for when Ctrl-C arrived."""
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks and not loop.is_running():
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def _conclude(
    runner: Runner, error: BaseException | None, kernel: Kernel, backstop: float | None
) -> RunResult:
    """Turn how the notebook ended into the local engine's result, exit status and errors."""
    state = replay(read_journal(runner.paths.journal)) if runner.paths.journal.exists() else None
    if state is not None and state.result == "running":
        status, reason = _what_happened(error, kernel, backstop)
        lost = _settle(runner, status, reason)
        if isinstance(error, KeyboardInterrupt):
            raise Interrupted("interrupted")
        raise _lost_error(runner, lost, reason)
    if error is not None:
        raise _kernel_error(error, kernel)
    code = 0 if state and state.result == "done" else 1
    return RunResult(code, runner.paths.notebook, state)


def _what_happened(
    error: BaseException | None, kernel: Kernel, backstop: float | None
) -> tuple[Status, str]:
    name = type(error).__name__ if error else ""
    if name == "CellTimeoutError":
        limit = f" ({backstop:g}s)" if backstop else ""
        return Status.TIMEOUT, f"papermill's execution_timeout{limit} expired; kernel stopped"
    if isinstance(error, KeyboardInterrupt):
        return Status.INTERRUPTED, "interrupted; the kernel was stopped"
    if name == "DeadKernelError" or not kernel.alive_at_end:
        return Status.INTERRUPTED, f"the kernel died while the step ran ({kernel.exit_status()})"
    return Status.INTERRUPTED, f"the notebook stopped without closing the run ({_describe(error)})"


def _settle(runner: Runner, status: Status, reason: str) -> list[Outcome]:
    with runner.lock():
        return runner.settle(status, reason)


def _lost_error(runner: Runner, lost: list[Outcome], reason: str) -> RelbookError:
    record = f"record: {runner.paths.notebook}"
    hint = runner.opts.command or "the same command"
    if not lost:
        return KernelError(f"{reason}; no step was running\n{record}\nto resume: {hint}")
    o = lost[0]
    what = "timed out" if o.status is Status.TIMEOUT else "was interrupted"
    tail = "\n".join(o.output.rstrip().splitlines()[-10:])
    msg = (
        f"{runner.rb.path}:{o.line}: step {o.step_id!r} {what}: {reason}"
        + (f"\n{tail}" if tail else "")
        + f"\n{record}\nto resume once you have checked its effects: {hint} --rerun-interrupted"
    )
    return StepFailed(msg, returncode=1)


def _kernel_error(error: BaseException, kernel: Kernel) -> RelbookError:
    """The error the kernel raised (a relbook error keeps its class), or a KernelError."""
    import relbook.errors

    if isinstance(error, KeyboardInterrupt):
        return Interrupted("interrupted")
    ename, evalue = getattr(error, "ename", ""), getattr(error, "evalue", "")
    cls = getattr(relbook.errors, ename, None) if ename else None
    if isinstance(cls, type) and issubclass(cls, RelbookError):
        return cls(evalue)
    if list(getattr(error, "traceback", None) or []) == [f"{ename}: {evalue}"]:
        return RelbookError(evalue)  # shown by the session as its message: a relbook error
    log = kernel.log_tail()
    return KernelError(
        f"the notebook failed: {_describe(error)}" + (f"\nkernel log:\n{log}" if log else "")
    )


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    ename, evalue = getattr(error, "ename", ""), getattr(error, "evalue", "")
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(error).__name__}: {error}"


class Kernel:
    """A Python kernel on this interpreter, started at once, its files in `work`."""

    name = "python3"

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.id = uuid.uuid4().hex
        self.work = work
        self.log_path = work / "kernel.log"
        self.alive_at_end = True
        self.logger = _file_logger(self.log_path)
        runtime = work / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        self.manager = AsyncKernelManager(
            kernel_name=self.name,
            kernel_spec_manager=_pinned_specs(),
            shutdown_wait_time=SHUTDOWN_WAIT,
            connection_file=str(runtime / f"kernel-{self.id[:8]}.json"),
        )
        try:
            with open(self.log_path, "ab") as log:
                run_sync(self.manager.start_kernel)(
                    env=self._env(env), cwd=os.getcwd(), stdout=log, stderr=log
                )
        except Exception as e:
            self._close_log()
            raise KernelError(f"cannot start a Python kernel: {_describe(e)}") from None

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        """The kernel imports this relbook and keeps IPython's files out of HOME."""
        import relbook

        root = str(Path(relbook.__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH", "")
        return {
            **os.environ,
            **extra,
            KERNEL_ID_VAR: self.id,
            "PYTHONPATH": root + (os.pathsep + path if path else ""),
            "IPYTHONDIR": str(self.work / "ipython"),
        }

    def interrupt(self, lock: Callable[[], AbstractContextManager[None]]) -> None:
        """Pass Ctrl-C on to the kernel (it has a session of its own), and give the
        step it interrupts time to be recorded: the session releases the lock then."""
        from jupyter_core.utils import run_sync

        from relbook.errors import LockedError

        try:
            run_sync(self.manager.interrupt_kernel)()
        except RuntimeError:
            return
        deadline = time.monotonic() + INTERRUPT_WAIT
        while time.monotonic() < deadline:
            try:
                with lock():
                    return
            except LockedError:
                time.sleep(0.1)

    def stop(self, now: bool = False) -> None:
        """Shut the kernel down (at once when `now`) and wait until its process is gone."""
        from jupyter_core.utils import run_sync

        km = self.manager
        try:
            self.alive_at_end = bool(run_sync(km.is_alive)())
            if self.alive_at_end and now and km.provisioner is not None:
                # shutdown_kernel(now=True) sends SIGINT before it kills: a step still
                # running would record itself interrupted in between, and the backstop
                # could no longer tell which step it stopped
                run_sync(km.provisioner.kill)()
            if self.alive_at_end:
                run_sync(km.shutdown_kernel)(now=now)
        except Exception:  # noqa: BLE001 - kill_marked() still ends the kernel
            pass
        finally:
            run_sync(km.cleanup_resources)()
            self._close_log()

    def _close_log(self) -> None:
        for handler in list(self.logger.handlers):
            handler.close()
            self.logger.removeHandler(handler)

    def exit_status(self) -> str:
        """How the kernel process ended, for the record."""
        process = getattr(self.manager.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "kernel process lost"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"kernel exit status {code}"

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


def _pinned_specs() -> Any:
    """A kernelspec manager that knows one kernel: ipykernel on sys.executable."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    spec = KernelSpec(
        # No input history: nobody recalls a batch run's cells, and storing each
        # one costs a database write per cell.
        argv=[
            sys.executable,
            "-m",
            "relbook.kernel",
            "-f",
            "{connection_file}",
            "--HistoryManager.enabled=False",
        ],
        display_name="Python 3 (relbook)",
        language="python",
        metadata={"debugger": False},
    )

    class PinnedSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

        def find_kernel_specs(self) -> dict[str, str]:
            return {Kernel.name: ""}

    return PinnedSpecs()


def _file_logger(path: Path) -> logging.Logger:
    logger = logging.getLogger(f"relbook.papermill.{path.parent.name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def kill_marked(kernel_id: str) -> list[str]:
    """Kill every process still carrying this kernel's id (the kernel, steps it started)."""
    needle = f"{KERNEL_ID_VAR}={kernel_id}".encode()
    found: list[str] = []
    killed: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if needle not in f.read():
                    continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            os.kill(int(entry.name), signal.SIGKILL)
            found.append(f"pid {entry.name} ({cmd[:80]})")
            killed.append(int(entry.name))
        except (OSError, ValueError):
            continue
    _wait_gone(killed)
    return found


def _wait_gone(pids: list[int], limit: float = 2.0) -> None:
    """Wait until killed processes are gone (or zombies waiting for their parent)."""
    deadline = time.monotonic() + limit
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                break
            if state in ("Z", "X"):
                break
            time.sleep(0.02)
