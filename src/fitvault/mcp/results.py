"""Tool results an assistant can use as they are: JSON-ready rows, bounded, cut with a note.

Frames from the pandas API become lists of plain dicts: local wall times as
``'YYYY-MM-DD HH:MM:SS'`` (the record's own clock), instants as ISO 8601 with their offset,
days as ``'YYYY-MM-DD'``, missing values as ``null`` (never 0), floats rounded to
:data:`DECIMALS` places. A result longer than its bound keeps its first rows and says in
``note`` how many were left out and how to ask for the rest.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

DECIMALS = 2


def plain(value: Any, day: bool = False) -> Any:
    """One cell as JSON: None for missing, ISO text for times (``day``: the date alone),
    Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        if day:
            return value.strftime("%Y-%m-%d")
        return value.isoformat() if value.tzinfo is not None else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else round(float(value), DECIMALS)
    return str(value)


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """``frame`` (index first, as a column) as a list of dicts of plain values; a ``date``
    column is a day."""
    flat = frame.reset_index()
    if columns is not None:
        flat = flat[[c for c in columns if c in flat.columns]]
    names = [str(c) for c in flat.columns]
    days = [n == "date" for n in names]
    return [dict(zip(names, (plain(v, d) for v, d in zip(row, days))))
            for row in flat.itertuples(index=False, name=None)]


def bounded(rows: list[dict[str, Any]], limit: int, advice: str, total: int | None = None,
            **fields: Any) -> dict[str, Any]:
    """``{**fields, "row_count", "truncated", "rows": the first `limit` rows, "note" when cut}``;
    ``total`` is the rows in the range when ``rows`` holds only the first ones (default: all of
    them)."""
    count = len(rows) if total is None else total
    result: dict[str, Any] = dict(fields)
    result["row_count"] = count
    result["truncated"] = count > limit
    result["rows"] = rows[:limit]
    if result["truncated"]:
        last = rows[limit - 1]
        result["note"] = (f"cut: showing the first {limit} of {count} rows (up to {next(iter(last.values()))}); "
                          f"{advice}")
    return result
