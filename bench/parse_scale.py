"""Parse time at scale: generated runbooks of 2,000 and 20,000 lines.

For each size: relbook's whole parse (`parse_runbook`: Markdown, lines,
steps, parameters) against mistune alone building its AST of the same text,
N runs each (default 11), interleaved so machine load hits both alike.

The figures judged are CPU times of this process (time.process_time): on a
busy machine wall time mostly measures the other processes. Each is the best
run, as timeit reports (interference only ever adds time); wall-clock bests
are printed too. Targets: ours <= 2x mistune; the 20,000-line runbook <= 12x
the time of the 2,000-line one.

    python bench/parse_scale.py [N]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import mistune  # noqa: E402

from relbook.model import Kind  # noqa: E402
from relbook.parse import parse_runbook  # noqa: E402
from tests.guides import generate_lines  # noqa: E402

SIZES = (2_000, 20_000)
KINDS = ("tasks", "tasks", "shell", "shell", "console", "context", "comment", "table", "paragraph")
TARGET_VS_MISTUNE = 2.0
TARGET_SCALING = 12.0


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU time, wall time) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def measure(text: str, n: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Times of (ours, mistune alone), interleaved."""
    md = mistune.create_markdown(renderer="ast", plugins=["task_lists", "table"])
    ours, theirs = [], []
    for _ in range(n):
        ours.append(timed(lambda: parse_runbook(text, "bench.md")))
        theirs.append(timed(lambda: md(text)))
    return ours, theirs


def _ms(times: list[tuple[float, float]]) -> str:
    cpu = min(t[0] for t in times) * 1000
    wall = min(t[1] for t in times) * 1000
    return f"{cpu:7.1f} ms CPU ({wall:.1f} wall)"


def main(n: int) -> int:
    """Print the figures and ratios; exit 1 if a target is missed."""
    parse_runbook(generate_lines(200).text, "warm.md")  # compile regexes once
    results = {}
    ok = True
    for size in SIZES:
        text = generate_lines(size, seed=size, kinds=KINDS).text
        rb = parse_runbook(text, "bench.md")
        shells = sum(s.kind is Kind.SHELL for s in rb.steps)
        tasks = sum(s.task for s in rb.steps)
        ours, theirs = measure(text, n)
        results[size] = min(t[0] for t in ours)
        ratio = results[size] / min(t[0] for t in theirs)
        ok &= ratio <= TARGET_VS_MISTUNE
        print(
            f"{text.count(chr(10)):6} lines, {shells} shell blocks, {tasks} task items:\n"
            f"    relbook {_ms(ours)}, mistune alone {_ms(theirs)}: "
            f"x{ratio:.2f} (target <= {TARGET_VS_MISTUNE})"
        )
    scaling = results[SIZES[1]] / results[SIZES[0]]
    ok &= scaling <= TARGET_SCALING
    print(f"10x the input: x{scaling:.1f} the time (target <= {TARGET_SCALING})")
    print("targets met" if ok else "targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 11))
