"""Benchmark: 50 trivial steps under the papermill engine, the local engine, and
papermill with bash_kernel on an equivalent notebook, in one run.

    python bench/papermill_engine.py [--steps 50] [--repeat 5]

Each route runs in a fresh process, as a user would start it, from a fresh
records directory; the routes take turns, so that other load on the machine
falls on all of them alike, and the best round of each is compared. Targets:
papermill engine <= local engine + 3 s, and at least 3x faster than the
bash_kernel route. Exit status 1 when a target is missed.
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


def runbook(steps: int) -> str:
    """A runbook of `steps` shell steps that each print one line."""
    blocks = [f'```bash\necho "step {n} of {{{{ version }}}}"\n```\n' for n in range(1, steps + 1)]
    return "# Trivial release\n\n## Steps\n\n" + "\n".join(blocks)


def bash_notebook(steps: int, path: Path) -> None:
    """The same steps as a bash_kernel notebook with a papermill parameters cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    nb.metadata["language_info"] = {"name": "bash"}
    params = nbformat.v4.new_code_cell('version=""', metadata={"tags": ["parameters"]})
    cells = [nbformat.v4.new_code_cell(f'echo "step {n} of $version"') for n in range(1, steps + 1)]
    nb.cells = [params, *cells]
    nbformat.write(nb, str(path))


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one command, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return took


def routes(work: Path, steps: int) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The three commands, each with its environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    (work / "bench.md").write_text(runbook(steps))
    bash_notebook(steps, work / "bash.ipynb")
    prefix = work / "bash-kernel"
    subprocess.run(
        [sys.executable, "-m", "bash_kernel.install", "--prefix", str(prefix)],
        check=True,
        capture_output=True,
    )
    bash_env = {**env, "JUPYTER_PATH": str(prefix / "share" / "jupyter")}
    run = [sys.executable, "-m", "relbook", "run", "bench.md", "--version", "1.0.0", "--yes"]
    papermill = [sys.executable, "-m", "papermill", "--no-progress-bar", "-p", "version", "1.0.0"]
    return {
        "local engine": ([*run, "--records", "{records}"], env),
        "papermill engine": ([*run, "--records", "{records}", "--engine", "papermill"], env),
        "papermill + bash_kernel": ([*papermill, "bash.ipynb", "{records}/out.ipynb"], bash_env),
    }


def measure(steps: int, repeat: int) -> dict[str, list[float]]:
    """Seconds per route, `repeat` times each, interleaved so load hits all alike."""
    with tempfile.TemporaryDirectory(prefix="relbook-bench-") as tmp:
        work = Path(tmp)
        table = routes(work, steps)
        times: dict[str, list[float]] = {name: [] for name in table}
        for i in range(repeat):
            for name, (cmd, env) in table.items():
                records = work / f"records-{len(times[name])}-{name.replace(' ', '-')}"
                records.mkdir()
                argv = [a.replace("{records}", str(records)) for a in cmd]
                times[name].append(timed(argv, work, env))
            print(f"  round {i + 1}: " + ", ".join(f"{n} {t[-1]:.2f}s" for n, t in times.items()))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import bash_kernel  # noqa: F401
    except ImportError:
        sys.exit("bash_kernel is not installed: pip install -e '.[test]'")
    load = os.getloadavg()[0]
    print(
        f"{args.steps} trivial steps, {args.repeat} rounds, {os.cpu_count()} CPUs, load {load:.1f}"
    )
    times = measure(args.steps, args.repeat)
    best = {name: min(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:26} best {min(t):6.2f}s  median {statistics.median(t):6.2f}s")
    gaps = [p - lo for p, lo in zip(times["papermill engine"], times["local engine"], strict=True)]
    print("papermill - local, round by round: " + ", ".join(f"{g:+.2f}s" for g in gaps))
    pm, local, bash = (
        best["papermill engine"],
        best["local engine"],
        best["papermill + bash_kernel"],
    )
    ok_local = pm <= local + 3.0
    ok_bash = bash >= 3 * pm
    print(
        f"papermill engine - local engine = {pm - local:+.2f}s (target <= +3.00s): "
        + ("ok" if ok_local else "MISSED")
    )
    print(
        f"bash_kernel route / papermill engine = {bash / pm:.2f}x (target >= 3x): "
        + ("ok" if ok_bash else "MISSED")
    )
    return 0 if ok_local and ok_bash else 1


if __name__ == "__main__":
    sys.exit(main())
