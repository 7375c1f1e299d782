"""Helpers every renderer shares (the report, notes, checklists): no renderer imports
another for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relbook.model import Record
    from relbook.params import Params


def format_duration(seconds: float | None) -> str:
    """1.2 s, 3 min 4 s, 1 h 2 min."""
    if seconds is None:
        return ""
    s = float(seconds)
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {sec} s" if sec else f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def record_params(record: Record) -> Params:
    """The parameters a record was made with (unknown ones as None)."""
    from relbook.params import BUILTIN, Params

    values: dict[str, str | None] = dict.fromkeys(BUILTIN)
    values.update({k: None if v is None else str(v) for k, v in record.params.items()})
    return Params(values, {k: "record" for k in values})
