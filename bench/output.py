"""A step that prints a lot: `relbook run` against plain bash writing the same to a file.

One step prints 200 MB (`seq -f '%099.0f' 1 2000000`: 2 million 100-byte lines).
Contenders, interleaved round by round, medians shown:

- bash to a file:  `bash -c "seq ... > file"`,
- relbook:         `relbook run --yes` on a one-step guide, its terminal output to a
                   file, with PYTHONUNBUFFERED=1 (as in containers and CI).

Targets: relbook <= 2x bash's time; relbook's peak RSS < 100 MB; the record notebook
< 1.2 MiB (about 1 MiB of the output is kept in it, once).

Usage: python bench/output.py [--rounds 5] [--lines 2000000]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from run_overhead import GIT_ENV, PYCACHE, make_repo  # noqa: E402

TARGETS = {"time": 2.0, "rss_mb": 100.0, "notebook_mib": 1.2}
# relbook in this interpreter, reporting its peak RSS (KiB, VmHWM) after the run; not
# getrusage's ru_maxrss, which keeps the peak of the image exec replaced (the spawner's)
MEASURE = """
import re, sys
from relbook.cli import main
rc = main(sys.argv[2:])
with open("/proc/self/status") as f:
    peak = re.search(r"VmHWM:\\s+(\\d+) kB", f.read()).group(1)
open(sys.argv[1], "w").write(f"{rc} {peak}")
"""


def _seq(lines: int) -> str:
    return f"seq -f '%099.0f' 1 {lines}"


def bash_to_file(base: Path, lines: int) -> float:
    out = base / "bash.out"
    t0 = time.perf_counter()
    subprocess.run(["bash", "--noprofile", "--norc", "-c", f"{_seq(lines)} > {out}"], check=True)
    took = time.perf_counter() - t0
    out.unlink()
    return took


def relbook(base: Path, repo: Path, guide: Path, n: int) -> tuple[float, int, int]:
    """Seconds, peak RSS (KiB) and notebook size (bytes) of one run."""
    records = base / f"records-{n}"
    report = base / "peak.txt"
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {"PYTHONPYCACHEPREFIX": str(PYCACHE), "PYTHONUNBUFFERED": "1"}
    argv = ["run", str(guide), "--version", "1.0.0", "--yes", "--repo", str(repo)]
    argv += ["--records", str(records), "--operator", "bench"]
    with open(base / "relbook.out", "w") as sink:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", MEASURE, str(report), *argv], env=env, stdout=sink, check=True
        )
        took = time.perf_counter() - t0
    rc, peak = map(int, report.read_text().split())
    if rc:
        sys.exit(f"relbook run failed ({rc})")
    notebook = next(records.rglob("*.ipynb")).stat().st_size
    subprocess.run(["rm", "-rf", str(records)], check=True)
    return took, peak, notebook


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--lines", type=int, default=2_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="relbook-bench-out-") as tmp:
        base = Path(tmp)
        repo = base / "repo"
        make_repo(repo)
        guide = base / "big.md"
        guide.write_text(f"# Big output\n\n## Steps\n\n```bash\n{_seq(args.lines)}\n```\n")
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        plain, rel, rss, nb = [], [], [], []
        for r in range(args.rounds):
            plain.append(bash_to_file(base, args.lines))
            took, peak, size = relbook(base, repo, guide, r)
            rel.append(took)
            rss.append(peak)
            nb.append(size)
            print(f"  round {r + 1}/{args.rounds} (load {os.getloadavg()[0]:.2f})", file=sys.stderr)
    got = {
        "time": statistics.median(rel) / statistics.median(plain),
        "rss_mb": max(rss) / 1024,
        "notebook_mib": max(nb) / (1 << 20),
    }
    mb = args.lines * 100 / 1e6
    print(f"{mb:.0f} MB printed by one step, medians of {args.rounds} interleaved rounds")
    print(f"bash to a file                     {statistics.median(plain):7.3f} s")
    print(f"relbook run (PYTHONUNBUFFERED=1)   {statistics.median(rel):7.3f} s")
    labels = {
        "time": "relbook / bash to a file",
        "rss_mb": "relbook peak RSS (MB)",
        "notebook_mib": "record notebook (MiB)",
    }
    ok = True
    for key, value in got.items():
        hit = value <= TARGETS[key] if key == "time" else value < TARGETS[key]
        ok = ok and hit
        print(f"{labels[key]:<34} {value:6.2f}  (target {TARGETS[key]}) {'ok' if hit else 'MISS'}")
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
