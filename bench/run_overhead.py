"""Per-step overhead of `relbook run`, side by side with the shells it must beat.

Contenders, each running N trivial steps (`echo step N`) at N = 50, 200, 2000:

- bash -c loop: a fresh `bash -c 'set -euo pipefail; echo step N'` per step,
- fork floor:   one bash forking a subshell per step, `( echo step N )`,
- relbook:      `relbook run --yes` on a guide of N bash blocks,
- relbook, carrying: the same, each block also setting a variable (`export
                V7="value 7"`) that the next one reads: the session state relbook
                carries from step to step,
- with --peers VENV: byexample, markdown-exec and rundoc from that venv.

Rounds are interleaved (every contender at every size, then again), so machine
load hits all alike; the table shows medians. The per-step slope is
(median at 2000 - median at 200) / 1800. Targets, as ratios of the same run:
relbook's slope <= 1.4x the fork floor's; its whole run at N=200 <= 1.0x the
bash -c loop; at N=2000 <= 0.45x it. Carrying session state: its per-step
slope up to 200 steps (50->200) costs <= 0.3 ms more than the same guide's
without variables, and stays <= 1.1x the bash -c loop's slope there.

Usage: python bench/run_overhead.py [--rounds 5] [--sizes 50,200,2000] [--peers VENV]
       [--compare TREE]   (also the relbook of another checkout, e.g. before a change)
       [--cpu]            (CPU seconds of each process tree instead of wall seconds)
Run from the repository root (it uses ./src).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYCACHE = Path(tempfile.gettempdir()) / "relbook-bench-pycache"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
TARGETS = {"slope": 1.4, "whole200": 1.0, "whole2000": 0.45, "carry": 0.3, "carry_loop": 1.1}
PEERS = ("byexample", "markdown-exec", "rundoc")


def make_runbook(path: Path, steps: int, carry: bool = False) -> None:
    """A runbook of `steps` trivial shell steps, each in its own bash block; with
    `carry`, each block sets a variable (exported or not) that the next one reads."""
    if carry:
        blocks = [
            f'```bash\n{"export " if n % 2 else ""}V{n}="value {n}"\n'
            f'echo "step {n} ${{V{n - 1}:-}}"\n```\n'
            for n in range(1, steps + 1)
        ]
    else:
        blocks = [f"```bash\necho step {n}\n```\n" for n in range(1, steps + 1)]
    path.write_text("# Overhead bench\n\n## Steps\n\n" + "\n".join(blocks))


def make_repo(path: Path) -> None:
    """A small git repository (relbook records its HEAD before and after)."""
    path.mkdir()
    env = {**os.environ, **GIT_ENV}
    for cmd in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "commit", "-q", "--allow-empty", "-m", "start"],
    ):
        subprocess.run(cmd, cwd=path, env=env, check=True)


CPU = [False]  # --cpu: CPU seconds (user + system, the whole process tree), not wall


def _timed(cmd: list[str], **kw: object) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"{cmd[:3]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime if CPU[0] else took


class Bench:
    """The files each contender needs, per size, in one temporary directory."""

    def __init__(self, base: Path, peers: Path | None, other: Path | None = None) -> None:
        self.base, self.peers, self.runs = base, peers, 0
        self.other = other  # another tree's src/ (an earlier relbook), measured alongside
        self.repo = base / "repo"
        make_repo(self.repo)

    def guide(self, n: int, carry: bool = False) -> Path:
        path = self.base / f"bench-{n}{'-carry' if carry else ''}.md"
        if not path.exists():
            make_runbook(path, n, carry)
        return path

    def bash_loop(self, n: int) -> float:
        script = (
            f"for i in $(seq 1 {n}); do "
            'bash --noprofile --norc -c "set -euo pipefail; echo step $i"; done'
        )
        return _timed(["bash", "--noprofile", "--norc", "-c", script], cwd=self.repo)

    def fork_floor(self, n: int) -> float:
        script = f"for i in $(seq 1 {n}); do ( echo step $i ); done"
        return _timed(["bash", "--noprofile", "--norc", "-c", script], cwd=self.repo)

    def relbook_carry(self, n: int) -> float:
        return self.relbook(n, carry=True)

    def relbook(self, n: int, src: Path = ROOT / "src", carry: bool = False) -> float:
        env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(src), "NO_COLOR": "1"}
        # compiled once, as an installed package is
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        self.runs += 1
        records = self.base / f"records-{self.runs}"
        guide = str(self.guide(n, carry))
        cmd = [sys.executable, "-m", "relbook", "run", guide, "--version", "1.0.0"]
        cmd += ["--yes", "--repo", str(self.repo), "--records", str(records)]
        cmd += ["--operator", "bench"]
        return _timed(cmd, env=env)

    # -- peers (installed in a venv of their own) ---------------------------------
    def _peer_bin(self, name: str) -> str:
        return str(self.peers / "bin" / name)

    def byexample(self, n: int) -> float:
        path = self.base / f"byexample-{n}.md"
        if not path.exists():
            blocks = [f"```shell\n$ echo step {i}\nstep {i}\n```\n" for i in range(1, n + 1)]
            path.write_text("# Bench\n\n" + "\n".join(blocks))
        return _timed([self._peer_bin("byexample"), "-q", "-l", "shell", str(path)])

    def markdown_exec(self, n: int) -> float:
        path = self.base / f"mdexec-{n}.md"
        if not path.exists():
            blocks = [f'```bash exec="1"\necho step {i}\n```\n' for i in range(1, n + 1)]
            path.write_text("# Bench\n\n" + "\n".join(blocks))
        code = (
            "import sys, markdown\n"
            "from markdown_exec import formatter, validator\n"
            "fence = {'name': 'bash', 'class': 'bash', 'validator': validator, "
            "'format': formatter}\n"
            "markdown.markdown(open(sys.argv[1]).read(), extensions=['pymdownx.superfences'], "
            "extension_configs={'pymdownx.superfences': {'custom_fences': [fence]}})\n"
        )
        return _timed([self._peer_bin("python"), "-c", code, str(path)])

    def rundoc(self, n: int) -> float:
        path = self.base / f"rundoc-{n}.md"
        if not path.exists():
            blocks = [f"```bash#\necho step {i}\n```\n" for i in range(1, n + 1)]
            path.write_text("# Bench\n\n" + "\n".join(blocks))
        return _timed([self._peer_bin("rundoc"), "run", "-y", str(path)])


def _row(name: str, times: dict[int, list[float]], sizes: list[int]) -> dict[int, float]:
    return {n: statistics.median(times[n]) for n in sizes if times.get(n)}


def measure(bench: Bench, sizes: list[int], rounds: int) -> dict[str, dict[int, float]]:
    """Median seconds per contender and size, rounds interleaved."""
    who: dict[str, Callable[[int], float]] = {
        "bash -c loop": bench.bash_loop,
        "fork floor": bench.fork_floor,
        "relbook run --yes": bench.relbook,
        "relbook, carrying": bench.relbook_carry,
    }
    if bench.other:
        who[f"relbook ({bench.other.parent.name})"] = lambda n: bench.relbook(n, bench.other)
        who[f"relbook ({bench.other.parent.name}), carrying"] = lambda n: bench.relbook(
            n, bench.other, carry=True
        )
    if bench.peers:
        who |= {
            "byexample": bench.byexample,
            "markdown-exec": bench.markdown_exec,
            "rundoc": bench.rundoc,
        }
    for name, fn in list(who.items()):  # warm-up: page cache, bytecode, guides on disk
        try:
            fn(sizes[0])
        except SystemExit as e:
            if name not in PEERS and not name.startswith("relbook ("):
                raise
            print(f"  {name} left out: {e}", file=sys.stderr)
            del who[name]
    times: dict[str, dict[int, list[float]]] = {name: {n: [] for n in sizes} for name in who}
    for r in range(rounds):
        for n in sizes:
            for name, fn in who.items():
                times[name][n].append(fn(n))
        print(f"  round {r + 1}/{rounds} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr)
    return {name: _row(name, t, sizes) for name, t in times.items()}


def slope(row: dict[int, float], lo: int, hi: int) -> float:
    """Seconds per step between two sizes."""
    return (row[hi] - row[lo]) / (hi - lo)


def report(table: dict[str, dict[int, float]], sizes: list[int]) -> bool:
    """Print the table and the target ratios; True when all are met."""
    lo, hi = sizes[-2], sizes[-1]
    head = " ".join(f"{'N=' + str(n):>9}" for n in sizes)
    print(f"{'tool':<20} {head}  per step ({lo}->{hi})")
    for name, row in table.items():
        cells = " ".join(f"{row[n]:8.3f}s" for n in sizes)
        print(f"{name:<20} {cells}  {slope(row, lo, hi) * 1000:6.3f} ms")
    loop, floor = table["bash -c loop"], table["fork floor"]
    nan = float("nan")
    up = [n for n in sizes if n <= 200][-2:]  # the slope up to 200 steps
    near = (lambda row: slope(row, *up)) if len(up) == 2 else (lambda row: nan)

    def ratios(rel: dict[int, float]) -> dict[str, float]:
        return {
            "slope": slope(rel, lo, hi) / slope(floor, lo, hi),
            "whole200": rel[200] / loop[200] if 200 in rel else nan,
            "whole2000": rel[2000] / loop[2000] if 2000 in rel else nan,
        }

    rel, carry = table["relbook run --yes"], table["relbook, carrying"]
    got = ratios(rel) | {
        "carry": (near(carry) - near(rel)) * 1000,
        "carry_loop": near(carry) / near(loop),
    }
    for name, row in table.items():
        if name.startswith("relbook ("):  # another checkout: its ratios, not judged
            print(f"{name}: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios(row).items()))
    span = f"{up[0]}->{up[-1]}"
    labels = {
        "slope": "per-step slope / fork floor's",
        "whole200": "whole run at N=200 / bash -c loop",
        "whole2000": "whole run at N=2000 / bash -c loop",
        "carry": f"carrying: ms per step over none ({span})",
        "carry_loop": f"carrying: slope / bash -c loop's ({span})",
    }
    print(f"(no carrying: slope {span} / bash -c loop's = {near(rel) / near(loop):.2f})")
    ok = True
    for key, value in got.items():
        hit = value <= TARGETS[key]
        ok = ok and hit
        verdict = "ok" if hit else "MISS"
        print(f"{labels[key]:<36} {value:5.2f}  (target <= {TARGETS[key]}) {verdict}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="50,200,2000", help="comma-separated step counts")
    ap.add_argument("--peers", type=Path, help="a venv with byexample, markdown-exec, rundoc")
    ap.add_argument(
        "--compare", type=Path, metavar="TREE", help="also time the relbook of another checkout"
    )
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="compare CPU time (user + system of the process tree) instead of wall time: "
        "steadier on a shared machine",
    )
    args = ap.parse_args()
    CPU[0] = args.cpu
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="relbook-bench-") as tmp:
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        other = args.compare.resolve() / "src" if args.compare else None
        table = measure(Bench(Path(tmp), args.peers, other), sizes, args.rounds)
    ok = report(table, sizes)
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
