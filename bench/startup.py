"""Start-up cost: `relbook --help` and `relbook parse` against importing mistune and semver.

Runs each command N times (default 15), interleaved so machine load hits all
three alike, and prints the medians and the ratios. Target: ratio <= 1.5.
The ratios judged are of CPU time (user + system, from the child's rusage):
on a busy machine wall time mostly measures the other processes. Wall-clock
medians are printed beside them.

Bytecode caches are on for every command (in a temporary PYTHONPYCACHEPREFIX,
filled by a warm-up run), as they are after `pip install`: without them the
baseline's site-packages would load compiled bytecode while relbook's source
tree was compiled afresh on every run.

    python bench/startup.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNBOOK = ROOT / "runbooks" / "release-management.md"
TARGET = 1.5
COMMANDS = {
    "baseline: python -c 'import mistune, semver'": ["-c", "import mistune, semver"],
    "relbook --help": ["-m", "relbook", "--help"],
    "relbook parse runbooks/release-management.md": ["-m", "relbook", "parse", str(RUNBOOK)],
}


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU time, wall time) of one run of the interpreter with `args`."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{args} failed with exit status {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall


def main(n: int) -> int:
    """Measure, print the medians and ratios; exit 1 if a ratio misses the target."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        return _measure(n, env)


def _measure(n: int, env: dict[str, str]) -> int:
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for args in COMMANDS.values():  # warm the page cache and .pyc files
        run_once(args, env)
    for _ in range(n):
        for name, args in COMMANDS.items():
            times[name].append(run_once(args, env))
    base_name = next(iter(COMMANDS))
    base = statistics.median(t[0] for t in times[base_name])
    print(f"median of {n} runs each (interleaved), python {sys.version.split()[0]}")
    worst = 0.0
    for name, ts in times.items():
        cpu = statistics.median(t[0] for t in ts)
        wall = statistics.median(t[1] for t in ts)
        ratio = cpu / base
        if name != base_name:
            worst = max(worst, ratio)
        print(f"  {cpu * 1000:7.1f} ms CPU  x{ratio:4.2f}  ({wall * 1000:6.1f} ms wall)  {name}")
    verdict = "ok" if worst <= TARGET else "MISSED"
    print(f"worst ratio {worst:.2f} (target <= {TARGET}): {verdict}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
