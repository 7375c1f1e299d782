"""Start-up cost: `relbook --help`, `relbook run --help`, `relbook parse` and
`relbook run --dry-run` on the shipped guide against importing mistune and semver.

Runs each command N times (default 15), interleaved so machine load hits all
alike, and prints the medians and the ratios. Targets: --help <= 1.5, parse <= 1.3,
run --dry-run <= 2.0.
The ratios judged are of CPU time (user + system, from the child's rusage, which
counts the git commands it waited for): on a busy machine wall time mostly measures
the other processes. Wall-clock medians and ratios are printed beside them.

Bytecode caches are on for every command (in a temporary PYTHONPYCACHEPREFIX,
filled by a warm-up run), as they are after `pip install`: without them the
baseline's site-packages would load compiled bytecode while relbook's source
tree was compiled afresh on every run.

With `--compare TREE`, each relbook command also runs from another checkout's
src/ (e.g. the commit before a change), interleaved in the same rounds, and the
table adds this tree's CPU and wall time as ratios of that tree's, judged "no
worse" up to 1.05 (the noise of medians of a few rounds). Both trees run the same
shipped guide (this tree's), so only the code differs.

    python bench/startup.py [N] [--compare TREE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNBOOK = ROOT / "runbooks" / "release-management.md"
REPO = Path(tempfile.gettempdir()) / "relbook-startup-repo"  # one release tag, for the dry run
DRY_RUN = ["-m", "relbook", "run", str(RUNBOOK), "--version", "1.2.3", "--dry-run"]
DRY_RUN += ["--date", "2026-06-15", "--repo", str(REPO)]
COMMANDS = {
    "baseline: python -c 'import mistune, semver'": ["-c", "import mistune, semver"],
    "relbook --help": ["-m", "relbook", "--help"],
    "relbook run --help": ["-m", "relbook", "run", "--help"],
    "relbook parse runbooks/release-management.md": ["-m", "relbook", "parse", str(RUNBOOK)],
    "relbook run runbooks/release-management.md --dry-run": DRY_RUN,
}
BASELINE = next(iter(COMMANDS))
TARGETS = {"relbook --help": 1.5, "relbook parse": 1.3, "relbook run runbooks": 2.0}
NO_WORSE = 1.05  # this tree against --compare TREE: equal within the noise


def _make_repo() -> None:
    if (REPO / ".git").exists():
        return
    git = ["git", "-C", str(REPO), "-c", "user.name=B", "-c", "user.email=b@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(REPO)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    subprocess.run([*git, "tag", "v1.2.2"], check=True)


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


def main(argv: list[str] | None = None) -> int:
    """Measure, print the medians and ratios; exit 1 if a ratio misses the target."""
    ap = argparse.ArgumentParser(description="relbook start-up cost, as CPU-time ratios")
    ap.add_argument("n", nargs="?", type=int, default=15, help="runs of each command")
    ap.add_argument(
        "--compare", type=Path, metavar="TREE", help="also time the relbook of another checkout"
    )
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _make_repo()
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache  # keyed by the source's full path: trees apart
        runs = {
            name: (cmd, {**env, "PYTHONPATH": str(ROOT / "src")}) for name, cmd in COMMANDS.items()
        }
        if args.compare:
            other = {**env, "PYTHONPATH": str(args.compare.resolve() / "src")}
            tag = args.compare.resolve().name
            for name, cmd in COMMANDS.items():
                if name != BASELINE:
                    runs[f"{name} ({tag})"] = (cmd, other)
        times = _measure(args.n, runs)
    print(f"load average after: {_load()}")
    return _report(args.n, times, args.compare.resolve().name if args.compare else None)


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def _measure(
    n: int, runs: dict[str, tuple[list[str], dict[str, str]]]
) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for args, env in runs.values():  # warm the page cache and .pyc files
        run_once(args, env)
    for _ in range(n):
        for name, (args, env) in runs.items():
            times[name].append(run_once(args, env))
    return times


def _report(n: int, times: dict[str, list[tuple[float, float]]], tag: str | None) -> int:
    cpu = {name: statistics.median(t[0] for t in ts) for name, ts in times.items()}
    wall = {name: statistics.median(t[1] for t in ts) for name, ts in times.items()}
    print(f"median of {n} runs each (interleaved), python {sys.version.split()[0]}")
    print("  ratios: CPU / wall, of the baseline and (with --compare) of the other tree")
    ok = True
    for name in times:
        ratio = cpu[name] / cpu[BASELINE], wall[name] / wall[BASELINE]
        figures = f"{cpu[name] * 1000:6.1f} ms CPU {wall[name] * 1000:6.1f} ms wall"
        verdict = f"x{ratio[0]:4.2f} / x{ratio[1]:4.2f}"
        target = next((t for k, t in TARGETS.items() if name.startswith(k)), None)
        if target is not None and not name.endswith(f"({tag})"):
            hit = ratio[0] <= target
            ok = ok and hit
            verdict += f" (<= {target}: {'ok' if hit else 'MISS'}, wall {_ok(ratio[1] <= target)})"
        other = f"{name} ({tag})"
        if tag and other in cpu:
            of = cpu[name] / cpu[other], wall[name] / wall[other]
            hit = of[0] <= NO_WORSE
            ok = ok and hit
            verdict += f"  x{of[0]:4.2f} / x{of[1]:4.2f} of {tag}"
            verdict += f" (no worse: {'ok' if hit else 'MISS'}, wall {_ok(of[1] <= NO_WORSE)})"
        print(f"  {figures}  {name}  {verdict}")
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


def _ok(hit: bool) -> str:
    return "ok" if hit else "MISS"


if __name__ == "__main__":
    sys.exit(main())
