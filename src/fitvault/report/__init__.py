"""A self-contained HTML report of a vault: summary cards, interactive charts, a completeness calendar.

::

    import fitvault
    from fitvault.report import write_report

    write_report(fitvault.open(), "report.html", start="2026-10-01", end="2026-10-31")

The file inlines plotly.js and its styles, loads nothing from the network (a
Content-Security-Policy forbids it) and escapes every string that comes from data.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fitvault.report._data import DEFAULT_DAYS, ReportData, collect


def build_report(reader: Any, start: str | date | None = None, end: str | date | None = None,
                 *, generated: datetime | None = None) -> str:
    """The report of ``start`` .. ``end`` (local dates, inclusive) as an HTML string.

    Args:
        reader: the vault's pandas API (``fitvault.open()``).
        start, end: the period; by default the last 30 days ending on the last day with data.
        generated: the time printed in the header (default: now).

    Raises:
        fitvault.plots.NoData: nothing to report in the period.
    """
    from fitvault import __version__
    from fitvault.report._html import render

    data = collect(reader, start, end)
    return render(data, generated=generated or datetime.now(), version=__version__)


def write_report(reader: Any, path: str | Path, start: str | date | None = None, end: str | date | None = None,
                 ) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    text = build_report(reader, start, end)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["DEFAULT_DAYS", "ReportData", "build_report", "collect", "write_report"]
