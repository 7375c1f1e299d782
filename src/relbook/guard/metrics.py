"""Release metrics from a records directory: the guide's own "Key Metrics".

Every record notebook under the directory (`<runbook>/<version>.ipynb`) is one
release attempt. From them: releases per month, lead time per release (from
the start of the run to the end of its last release step), rollback frequency
(records in which a contingency section ran), failed and skipped steps, and
per-step duration p50/p90. Drill records are counted apart, never as releases.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from relbook.errors import RelbookError
from relbook.model import Outcome, Record, Status
from relbook.record.history import failed_attempts, lost_time

SCHEMA = "relbook.metrics/1"
_RAN = (Status.DONE, Status.ALREADY_DONE, Status.FAILED, Status.TIMEOUT, Status.INTERRUPTED)


@dataclass
class Release:
    """What one record says about one release attempt."""

    runbook: str
    version: str
    attempt: int
    path: str
    result: str
    started: str
    lead_time: float | None
    steps: int
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)  # contingency sections that ran
    override_blackout: str = ""
    failed_attempts: int = 0  # attempts that failed, timed out, were interrupted or killed
    time_lost: float = 0.0  # seconds spent in those attempts

    @property
    def done(self) -> bool:
        return self.result == "done"


@dataclass
class StepStats:
    """Durations and failures of one step across releases."""

    runbook: str
    step: str
    text: str
    kind: str
    runs: int = 0
    failed: int = 0
    skipped: int = 0
    durations: list[float] = field(default_factory=list)
    failed_attempts: int = 0
    time_lost: float = 0.0

    @property
    def p50(self) -> float | None:
        return percentile(self.durations, 50)

    @property
    def p90(self) -> float | None:
        return percentile(self.durations, 90)


@dataclass
class Metrics:
    """Everything `relbook metrics` reports."""

    records_dir: str
    releases: list[Release]
    steps: list[StepStats]
    drills: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def per_month(self) -> dict[str, int]:
        """Releases that finished (result done), by the month they started."""
        return dict(sorted(Counter(r.started[:7] for r in self.releases if r.done).items()))

    @property
    def rollbacks(self) -> list[Release]:
        return [r for r in self.releases if r.rollback]


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between ranks (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# -- reading ------------------------------------------------------------------


def collect_metrics(records_dir: str | Path) -> Metrics:
    """Read every record under `records_dir` and compute the metrics."""
    from relbook.record import read_record

    base = Path(records_dir)
    if not base.is_dir():
        raise RelbookError("no records directory here (give RECORDS_DIR)", path=str(base))
    metrics = Metrics(str(base), [], [])
    stats: dict[tuple[str, str], StepStats] = {}
    for path in sorted(base.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path.parent.name.endswith(".papermill"):
            continue  # Jupyter's checkpoints; the papermill engine's notebooks beside a record
        try:
            record = read_record(path)
        except RelbookError as e:
            metrics.unreadable.append((str(path), e.msg))
            continue
        if record.meta.get("drill"):
            metrics.drills += 1
            continue
        contingent = _contingency_steps(record, base)
        metrics.releases.append(_release(record, contingent))
        _add_step_stats(stats, record, contingent)
    metrics.releases.sort(key=lambda r: (r.started, r.runbook, r.version))
    metrics.steps = sorted(stats.values(), key=lambda s: (s.runbook, -s.runs, s.step))
    return metrics


def _release(record: Record, contingent: set[str]) -> Release:
    meta = record.meta
    ran = [o for o in record.outcomes if o.status in _RAN]
    flow = [o for o in ran if o.step_id not in contingent]
    rollback = [o.section for o in ran if o.step_id in contingent]
    return Release(
        runbook=str(meta.get("runbook", {}).get("name", "")) or Path(record.path).parent.name,
        version=str(record.params.get("version", "")) or Path(record.path).stem,
        attempt=int(meta.get("attempt", 1) or 1),
        path=record.path,
        result=record.result,
        started=str(meta.get("started", "")),
        lead_time=_lead_time(str(meta.get("started", "")), flow)
        if record.result == "done"
        else None,
        steps=len([o for o in record.outcomes if o.step_id not in contingent]),
        failed=[o.step_id for o in record.outcomes if o.status in (Status.FAILED, Status.TIMEOUT)],
        skipped=[o.step_id for o in record.outcomes if o.status is Status.SKIPPED],
        rollback=list(dict.fromkeys(rollback)),
        override_blackout=str(meta.get("override_blackout", "") or ""),
        failed_attempts=sum(len(failed_attempts(_attempts(o))) for o in record.outcomes),
        time_lost=round(sum(lost_time(_attempts(o)) for o in record.outcomes), 3),
    )


def _attempts(o: Outcome) -> list[dict[str, Any]]:
    return list(o.extra.get("attempts", []) or [])


def _lead_time(started: str, flow: list[Outcome]) -> float | None:
    """Seconds from the start of the run to the end of its last release step."""
    begin = _time(started)
    ends = [t + _dt.timedelta(seconds=o.duration) for o in flow if (t := _time(o.started))]
    if begin is None or not ends:
        return None
    return max(0.0, (max(ends) - begin).total_seconds())


def _time(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _contingency_steps(record: Record, records_dir: Path) -> set[str]:
    """Ids of the record's contingency steps, from its runbook when it can be found."""
    rb = _runbook_of(record, records_dir)
    if rb is not None:
        return {s.id for s in rb.steps if s.contingency}
    from relbook.parse.infer import is_contingency  # the parser's own rule for titles

    return {o.step_id for o in record.outcomes if is_contingency(o.section or "")}


def _runbook_of(record: Record, records_dir: Path) -> Any:
    from relbook.errors import ParseError
    from relbook.parse import read_runbook

    where = str(record.meta.get("runbook", {}).get("path", ""))
    repo = str(record.meta.get("repo", {}).get("path", ""))
    for candidate in (Path(where), Path(repo) / where, records_dir.parent / where):
        if where and candidate.is_file():
            try:
                return read_runbook(candidate)
            except ParseError:
                return None
    return None


def _add_step_stats(
    stats: dict[tuple[str, str], StepStats], record: Record, contingent: set[str]
) -> None:
    runbook = str(record.meta.get("runbook", {}).get("name", "")) or Path(record.path).parent.name
    for o in record.outcomes:
        if o.status is Status.PENDING:
            continue
        s = stats.setdefault((runbook, o.step_id), StepStats(runbook, o.step_id, o.text, o.kind))
        s.text = o.text or s.text
        s.runs += o.status in _RAN
        s.failed += o.status in (Status.FAILED, Status.TIMEOUT)
        s.skipped += o.status is Status.SKIPPED
        if o.status is Status.DONE:
            s.durations.append(float(o.duration))
        s.failed_attempts += len(failed_attempts(_attempts(o)))
        s.time_lost += lost_time(_attempts(o))


# -- output -------------------------------------------------------------------


def metrics_json(m: Metrics) -> dict[str, Any]:
    """The documented JSON form (schema relbook.metrics/1)."""
    releases = m.releases
    return {
        "schema": SCHEMA,
        "records_dir": m.records_dir,
        "releases": [asdict(r) for r in releases],
        "per_month": m.per_month,
        "rollbacks": {
            "count": len(m.rollbacks),
            "releases": len(releases),
            "frequency": round(len(m.rollbacks) / len(releases), 4) if releases else 0.0,
            "records": [
                {"runbook": r.runbook, "version": r.version, "sections": r.rollback}
                for r in m.rollbacks
            ],
        },
        "steps": [
            {
                "runbook": s.runbook,
                "step": s.step,
                "text": s.text,
                "kind": s.kind,
                "runs": s.runs,
                "failed": s.failed,
                "skipped": s.skipped,
                "p50": _round(s.p50),
                "p90": _round(s.p90),
                "failed_attempts": s.failed_attempts,
                "time_lost": _round(s.time_lost),
            }
            for s in m.steps
        ],
        "drills": m.drills,
        "unreadable": [{"path": p, "error": e} for p, e in m.unreadable],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def duration_text(seconds: float | None) -> str:
    """1.2s, 3m 05s, 2h 10m; '-' when unknown."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def metrics_table(m: Metrics) -> str:
    """The text report: releases, per month, rollbacks, failures, durations."""
    done = sum(r.done for r in m.releases)
    out = [
        f"{len(m.releases)} release records in {m.records_dir} ({done} done, "
        f"{len(m.rollbacks)} with a rollback"
        + (f"; {m.drills} drill records not counted" if m.drills else "")
        + ")",
        "",
    ]
    out += _table(_RELEASE_COLUMNS, [_release_row(r) for r in m.releases])
    out += ["", "Releases per month"]
    out += [f"  {month}  {n:3d}  {'#' * n}" for month, n in m.per_month.items()] or ["  (none)"]
    out += ["", _rollback_line(m)]
    out += _step_sections(m)
    for path, error in m.unreadable:
        out.append(f"skipped {path}: {error}")
    return "\n".join(out)


_RELEASE_COLUMNS = [
    *("runbook", "version", "result", "started", "lead time"),
    *("steps", "failed", "skipped", "failed attempts", "time lost", "rollback"),
]


def _release_row(r: Release) -> list[str]:
    return [
        r.runbook,
        r.version + (f" (attempt {r.attempt})" if r.attempt > 1 else ""),
        r.result,
        r.started[:16].replace("T", " "),
        duration_text(r.lead_time),
        str(r.steps),
        str(len(r.failed)),
        str(len(r.skipped)),
        str(r.failed_attempts),
        duration_text(r.time_lost) if r.failed_attempts else "-",
        ", ".join(r.rollback) or "-",
    ]


def _rollback_line(m: Metrics) -> str:
    n, total = len(m.rollbacks), len(m.releases)
    pct = f" ({100 * n / total:.0f}%)" if total else ""
    which = "; ".join(f"{r.runbook} {r.version}: {', '.join(r.rollback)}" for r in m.rollbacks)
    return f"Rollback frequency: {n} of {total} releases{pct}" + (f" — {which}" if which else "")


def _step_sections(m: Metrics) -> list[str]:
    out: list[str] = []
    failed = [s for s in m.steps if s.failed]
    skipped = [s for s in m.steps if s.skipped]
    retried = [s for s in m.steps if s.failed_attempts]
    if retried:
        out += ["", "Failed attempts (steps that needed another try)"] + _table(
            ["runbook", "step", "failed attempts", "time lost", "text"],
            [
                [s.runbook, s.step, str(s.failed_attempts), duration_text(s.time_lost), s.text[:50]]
                for s in retried
            ],
        )
    if failed:
        out += ["", "Failed steps"] + _table(
            ["runbook", "step", "failed", "of runs", "text"],
            [[s.runbook, s.step, str(s.failed), str(s.runs), s.text[:50]] for s in failed],
        )
    if skipped:
        out += ["", "Skipped steps"] + _table(
            ["runbook", "step", "skipped", "text"],
            [[s.runbook, s.step, str(s.skipped), s.text[:50]] for s in skipped],
        )
    timed = [s for s in m.steps if s.durations]
    out += ["", "Step durations (steps done)"] + _table(
        ["runbook", "step", "kind", "n", "p50", "p90", "text"],
        [
            [
                s.runbook,
                s.step,
                s.kind,
                str(len(s.durations)),
                duration_text(s.p50),
                duration_text(s.p90),
                s.text[:50],
            ]
            for s in timed
        ],
    )
    return out


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip()] + [fmt.format(*r).rstrip() for r in rows]


def metrics_svg(m: Metrics, *, width: int = 640, height: int = 260) -> str:
    """A standalone SVG bar chart of releases per month, rollbacks marked."""
    months, done = _month_range(m), m.per_month
    rolled = Counter(r.started[:7] for r in m.rollbacks)
    chart = _Chart(left=40, bottom=height - 40, plot_h=height - 80, top=max([*done.values(), 1]))
    chart.slot = (width - chart.left - 20) / max(len(months), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        "<title>Releases per month</title>",
        f'<text x="{chart.left}" y="20" font-size="14">Releases per month '
        f"({_count(sum(done.values()), 'release')}, {_count(len(m.rollbacks), 'rollback')})"
        "</text>",
        f'<line x1="{chart.left}" y1="{chart.bottom}" x2="{width - 10}" y2="{chart.bottom}" '
        'stroke="#444"/>',
    ]
    for i, month in enumerate(months):
        parts += chart.bar(i, month, done.get(month, 0), rolled.get(month, 0))
    y = height - 16
    parts += [
        f'<rect x="{chart.left}" y="{y}" width="10" height="10" fill="{_BLUE}"/>',
        f'<text x="{chart.left + 14}" y="{y + 9}">released</text>',
        f'<rect x="{chart.left + 90}" y="{y}" width="10" height="10" fill="{_RED}"/>',
        f'<text x="{chart.left + 104}" y="{y + 9}">with a rollback</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


_BLUE, _RED = "#3b7dd8", "#d83b3b"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


@dataclass
class _Chart:
    left: int
    bottom: int
    plot_h: int
    top: int
    slot: float = 1.0

    def bar(self, i: int, month: str, n: int, rolled: int) -> list[str]:
        """One month's bar, its rollback part, its label and count."""
        w = min(self.slot * 0.7, 48.0)
        x = self.left + i * self.slot + (self.slot - w) / 2
        h = self.plot_h * n / self.top
        out = [self._rect(x, w, h, _BLUE, f"{month}: {n} releases")]
        if rolled:
            rh = self.plot_h * min(rolled, max(n, 1)) / self.top
            out.append(self._rect(x, w, rh, _RED, f"{month}: {rolled} with a rollback"))
        mid = x + w / 2
        out.append(
            f'<text x="{mid:.1f}" y="{self.bottom + 15}" text-anchor="middle">'
            f"{html.escape(month)}</text>"
        )
        if n:
            y = self.bottom - h - 4
            out.append(f'<text x="{mid:.1f}" y="{y:.1f}" text-anchor="middle">{n}</text>')
        return out

    def _rect(self, x: float, w: float, h: float, fill: str, tip: str) -> str:
        return (
            f'<rect x="{x:.1f}" y="{self.bottom - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{fill}"><title>{html.escape(tip)}</title></rect>'
        )


def _month_range(m: Metrics) -> list[str]:
    """Every month from the first release to the last, empty ones included."""
    seen = sorted({r.started[:7] for r in m.releases if len(r.started) >= 7})
    if not seen:
        return []
    year, month = (int(x) for x in seen[0].split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= seen[-1]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
