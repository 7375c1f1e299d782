"""Per-step overhead of `relbook run`, and how it scales with the number of steps.

1. 200 trivial steps (`echo step N`, each its own bash block) run with --yes,
   against a bare shell loop spawning `bash -c` 200 times (same machine, same run).
   Target: ratio <= 1.5 (aim for 1.2).
2. 2,000 steps against 200 steps. Target: <= 11x (no quadratic rewriting).

Usage: python bench/run_overhead.py [--steps 200] [--scale 2000] [--repeat 3]
Run from the repository root (it uses ./src when present).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYCACHE = Path(tempfile.gettempdir()) / "relbook-bench-pycache"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def make_runbook(path: Path, steps: int) -> None:
    """A runbook of `steps` trivial shell steps, each in its own bash block."""
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


def time_relbook(runbook: Path, repo: Path, records: Path) -> float:
    """Wall time of one `relbook run --yes`, output to /dev/null."""
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    # compiled once, as an installed package is (PYTHONDONTWRITEBYTECODE would
    # otherwise recompile relbook's sources on every start)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    cmd = [sys.executable, "-m", "relbook", "run", str(runbook), "--version", "1.0.0"]
    cmd += ["--yes", "--repo", str(repo), "--records", str(records), "--operator", "bench"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"relbook failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return took


def time_bash_loop(steps: int, cwd: Path) -> float:
    """Wall time of a bare shell loop spawning `bash -c` once per step."""
    script = f'for i in $(seq 1 {steps}); do bash --noprofile --norc -c "echo step $i"; done'
    t0 = time.perf_counter()
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


PY_FLOOR = """
import subprocess, sys
for n in range(int(sys.argv[1])):
    p = subprocess.Popen(["bash", "--noprofile", "--norc", "-c", f"echo step {n}"],
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    p.stdout.read()
    p.wait()
"""


def time_python_floor(steps: int, cwd: Path) -> float:
    """Wall time of the least a Python runner does: start Python, spawn bash per step."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", PY_FLOOR, str(steps)], cwd=cwd, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - t0


def measure(base: Path, steps: int, repeat: int) -> dict[str, float]:
    """Seconds for relbook, the bare loop and the Python floor, run back to back
    `repeat` times: the best of each, and the median of the paired ratios (a busy
    machine slows neighbouring runs alike)."""
    runbook = base / f"bench-{steps}.md"
    make_runbook(runbook, steps)
    repo = base / f"repo-{steps}"
    make_repo(repo)
    rel, loop, floor = [], [], []
    for i in range(repeat):
        loop.append(time_bash_loop(steps, repo))
        rel.append(time_relbook(runbook, repo, base / f"records-{steps}-{i}"))
        floor.append(time_python_floor(steps, repo))
    ratios = sorted(r / b for r, b in zip(rel, loop, strict=True))
    return {
        "relbook": min(rel),
        "loop": min(loop),
        "floor": min(floor),
        "ratio": ratios[len(ratios) // 2],
        "floor_ratio": sorted(f / b for f, b in zip(floor, loop, strict=True))[len(ratios) // 2],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--scale", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="relbook-bench-") as tmp:
        base = Path(tmp)
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        small = measure(base, args.steps, args.repeat)
        print(
            f"{args.steps} steps: relbook {small['relbook']:.2f}s, bash -c loop "
            f"{small['loop']:.2f}s (best of {args.repeat}); ratio {small['ratio']:.2f} "
            f"(median of pairs; target <= 1.5, aim 1.2)"
        )
        print(
            f"  Python spawning bash per step, nothing else: {small['floor']:.2f}s, ratio "
            f"{small['floor_ratio']:.2f}; relbook's own cost over that: "
            f"{(small['relbook'] - small['floor']) / args.steps * 1000:.2f} ms per step"
        )
        big = measure(base, args.scale, max(1, args.repeat - 2))
        scale = big["relbook"] / small["relbook"]
        print(
            f"{args.scale} steps: relbook {big['relbook']:.2f}s, bash -c loop {big['loop']:.2f}s "
            f"(ratio {big['ratio']:.2f}); {args.scale} vs {args.steps} steps: {scale:.1f}x "
            f"(target <= {11 * args.scale / 2000:.0f}x; the loop: "
            f"{big['loop'] / small['loop']:.1f}x)"
        )
        ok = small["ratio"] <= 1.5 and scale <= 11 * args.scale / 2000
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
