"""What plots and the report ask of a reader that may not offer it: zones, account, catalogue.

A reader is ``fitvault.open()``'s pandas API or any object shaped like it (the tests' fakes);
the methods read here are optional, so a missing one means "do without", never an error.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from fitvault.plots.base import as_date


def optional(reader: Any, method: str, **kwargs: Any) -> Any:
    """``reader.method(**kwargs)``, or ``None`` when the reader has no such method: context a
    plot can do without (zones, account). Errors propagate."""
    call = getattr(reader, method, None)
    return None if call is None else call(**kwargs)


def catalogue(reader: Any) -> pd.DataFrame | None:
    """``reader.tables()`` (index ``table``; ``first``, ``last`` local dates), or ``None`` when the
    reader has no catalogue: callers then read the data itself to find where it ends."""
    return optional(reader, "tables")


def table_last_date(reader: Any, table: str) -> date | None:
    """The local date of ``table``'s last record with a measurement (catalogue ``last_measured``).

    ``None`` when the table is empty or the reader has no catalogue.
    """
    tables = catalogue(reader)
    if tables is None or tables.empty or "last" not in tables.columns:
        return None
    for key in ("table", "name"):
        if key in tables.columns:
            tables = tables.set_index(key)
            break
    if table not in tables.index:
        return None
    value = tables.loc[table, "last_measured" if "last_measured" in tables.columns else "last"]
    if isinstance(value, pd.Series):
        value = value.max()
    return None if value is None or pd.isna(value) else as_date(pd.Timestamp(value))
