"""Parse time at scale: generated runbooks of 2,000 and 20,000 lines, and the
largest guide of the real-guide corpus (when it is there: $RELBOOK_CORPUS, or
`shared/corpus` beside the repository or its worktrees' parent).

For each: relbook's whole parse (`parse_runbook`: Markdown, lines, steps,
parameters) against mistune alone building its AST of the same text, N runs
each (default 11; a small guide is parsed 20 times per run), interleaved so
machine load hits both alike.

The figures judged are CPU times of this process (time.process_time): on a
busy machine wall time mostly measures the other processes. Each is the best
run, as timeit reports (interference only ever adds time); wall-clock bests
are printed too. Targets: ours <= 2x mistune; the 20,000-line runbook <= 12x
the time of the 2,000-line one.

    python bench/parse_scale.py [N]
"""

from __future__ import annotations

import os
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


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, float]:
    """(CPU time, wall time) of one call (the mean of `repeat` calls)."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.process_time() - cpu) / repeat, (time.perf_counter() - wall) / repeat


def measure(
    text: str, n: int, repeat: int = 1
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Times of (ours, mistune alone), interleaved."""
    md = mistune.create_markdown(renderer="ast", plugins=["task_lists", "table"])
    ours, theirs = [], []
    for _ in range(n):
        ours.append(timed(lambda: parse_runbook(text, "bench.md"), repeat))
        theirs.append(timed(lambda: md(text), repeat))
    return ours, theirs


def largest_corpus_guide() -> Path | None:
    """The largest guide of the real-guide corpus, if it is on this machine."""
    env = os.environ.get("RELBOOK_CORPUS")
    dirs = (
        [Path(env)] if env else [ROOT.parent / "shared/corpus", ROOT.parents[1] / "shared/corpus"]
    )
    for d in dirs:
        guides = sorted((d / "guides").glob("*.md"), key=lambda p: p.stat().st_size)
        if guides:
            return guides[-1]
    return None


def _ms(times: list[tuple[float, float]]) -> str:
    cpu = min(t[0] for t in times) * 1000
    wall = min(t[1] for t in times) * 1000
    return f"{cpu:7.2f} ms CPU ({wall:.2f} wall)"


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISS"


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
            f"x{ratio:.2f} (target <= {TARGET_VS_MISTUNE}: {_verdict(ratio, TARGET_VS_MISTUNE)})"
        )
    scaling = results[SIZES[1]] / results[SIZES[0]]
    ok &= scaling <= TARGET_SCALING
    print(
        f"10x the input: x{scaling:.1f} the time "
        f"(target <= {TARGET_SCALING}: {_verdict(scaling, TARGET_SCALING)})"
    )
    guide = largest_corpus_guide()
    if guide is not None:
        text = guide.read_text(encoding="utf-8")
        ours, theirs = measure(text, n, repeat=20)
        ratio = min(t[0] for t in ours) / min(t[0] for t in theirs)
        ok &= ratio <= TARGET_VS_MISTUNE
        print(
            f"{guide.name} ({text.count(chr(10))} lines, the largest corpus guide):\n"
            f"    relbook {_ms(ours)}, mistune alone {_ms(theirs)}: "
            f"x{ratio:.2f} (target <= {TARGET_VS_MISTUNE}: {_verdict(ratio, TARGET_VS_MISTUNE)})"
        )
    print("targets met" if ok else "targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 11))
