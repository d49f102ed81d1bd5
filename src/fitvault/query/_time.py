"""Time for the query layer: parsing ``start``/``end``, and the time-index rule.

Records are stored as a UTC instant in epoch milliseconds plus the UTC offset in force, in
seconds. "Local" below means the record's own wall clock: ``instant + offset``, written as
epoch milliseconds of that wall time read as if it were UTC ("wall ms"). Which rows a local
range selects is fitvault's one local-day rule (:func:`fitvault.timeutil.wall_bound_sql`,
:func:`fitvault.timeutil.date_range_sql`), the one the exports use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

import numpy as np
import pandas as pd

from fitvault import timeutil
from fitvault.query.reader import InvalidQuery
from fitvault.timeutil import DAY_MS, ZONE_PAD_MS

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

TzArg = str | tzinfo | None


@dataclass(frozen=True)
class Edge:
    """One bound: ``ms`` is a UTC instant (``local=False``) or a wall time in wall ms."""

    ms: int
    local: bool


@dataclass(frozen=True)
class Range:
    """``[lo, hi)``; either side may be open (None)."""

    lo: Edge | None = None
    hi: Edge | None = None

    def where(self, ms_col: str, off_col: str) -> tuple[list[str], list[int]]:
        """SQL clauses and parameters: a local edge by the local-day rule (the indexed instant
        column padded, then the exact test on the record's own local time), an instant edge on
        the instant column."""
        clauses: list[str] = []
        params: list[int] = []
        for edge, upper in ((self.lo, False), (self.hi, True)):
            if edge is None:
                continue
            if edge.local:
                more, values = timeutil.wall_bound_sql(ms_col, off_col, edge.ms, upper=upper)
            else:
                more, values = [f"{ms_col} {'<' if upper else '>='} ?"], [edge.ms]
            clauses += more
            params += values
        return clauses, params

    def mask(self, ms: np.ndarray, off: np.ndarray) -> np.ndarray | None:
        """:meth:`where` in numpy, for rows already read by :meth:`span`; None keeps all."""
        keep = None
        for edge, is_lo in ((self.lo, True), (self.hi, False)):
            if edge is None:
                continue
            at = ms + off * 1000 if edge.local else ms
            part = at >= edge.ms if is_lo else at < edge.ms
            keep = part if keep is None else keep & part
        return None if keep is None or keep.all() else keep

    def span(self) -> tuple[int | None, int | None]:
        """Bounds of the indexed instant column (padded for local edges), for chunking."""
        lo = None if self.lo is None else self.lo.ms - (ZONE_PAD_MS if self.lo.local else 0)
        hi = None if self.hi is None else self.hi.ms + (ZONE_PAD_MS if self.hi.local else 0)
        return lo, hi

    def date_where(self, column: str, home: str | None) -> tuple[list[str], list[str]]:
        """SQL clauses and parameters for tables keyed by a civil date: a day is in the range when
        its local midnight is. Instants are read in the home zone (UTC when unknown)."""
        zone = timeutil.shared_zone(home)

        def wall(edge: Edge | None) -> int | None:
            if edge is None:
                return None
            return edge.ms if edge.local else edge.ms + zone.offset_at(edge.ms) * 1000

        return timeutil.date_range_sql(column, wall(self.lo), wall(self.hi))


def _ceil_ms(ns: int) -> int:
    return -((-ns) // 1_000_000)


def _edge(value: object, is_end: bool) -> Edge | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if _DATE.fullmatch(text):
            try:
                value = date.fromisoformat(text)
            except ValueError as exc:
                raise InvalidQuery(f"not a date: {value!r}") from exc
        else:
            try:
                value = pd.Timestamp(text)
            except (ValueError, TypeError) as exc:
                raise InvalidQuery(f"not a date or a time: {value!r}") from exc
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, datetime):  # pd.Timestamp too
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            raise InvalidQuery("a bound cannot be NaT")
        if ts.tzinfo is None:
            return Edge(_ceil_ms(ts.as_unit("ns").value), local=True)
        return Edge(_ceil_ms(ts.tz_convert("UTC").as_unit("ns").value), local=False)
    if isinstance(value, date):
        return Edge(timeutil.day_wall_ms(value) + (DAY_MS if is_end else 0), local=True)  # a date end is inclusive
    raise InvalidQuery(f"start/end must be 'YYYY-MM-DD', a date or a datetime, not {type(value).__name__}")


def parse_range(start: object, end: object) -> Range:
    """``start``/``end`` as the public API takes them: dates are local calendar days, both
    inclusive; naive datetimes are local wall time and aware ones instants, ``[start, end)``."""
    return Range(_edge(start, False), _edge(end, True))


# -- time zones and the index rule -----------------------------------------------------------

def check_tz(tz: TzArg) -> str | tzinfo | None:
    """Validate the ``tz`` argument: None, ``"UTC"``, an IANA name or a tzinfo."""
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        if tz.upper() == "UTC":
            return "UTC"
        if timeutil.zone_info(tz) is None:
            raise InvalidQuery(f"unknown time zone {tz!r} (use 'UTC' or an IANA name such as 'Europe/Berlin')")
        return tz
    raise InvalidQuery(f"tz must be None, 'UTC' or an IANA time-zone name, not {type(tz).__name__}")


def fixed_zone(offset_s: int) -> tzinfo:
    return timezone.utc if offset_s == 0 else timezone(timedelta(seconds=offset_s))


def wall_ms(ms: np.ndarray, zone: str | tzinfo) -> np.ndarray:
    """Instants -> wall ms in ``zone`` (vectorised)."""
    idx = pd.DatetimeIndex(ms.view("M8[ms]")).tz_localize("UTC").tz_convert(zone).tz_localize(None)
    return idx.as_unit("ms").asi8


class TzRule:
    """Settles the index zone of a frame, fed pairs of (instants, offsets) chunk by chunk.

    With ``tz`` given, that zone. Otherwise: the home zone when every offset equals the home
    zone's offset at that instant; else the single fixed offset all rows share; else the home
    zone (UTC when unknown), with exact local times in the ``local_time`` column.
    """

    def __init__(self, home: str | None) -> None:
        self.home = home
        self.rows = 0
        self.home_ok = home is not None
        self.offsets: set[int] = set()

    def feed(self, ms: np.ndarray, off: np.ndarray) -> None:
        if not len(ms):
            return
        self.rows += len(ms)
        lo, hi = int(off.min()), int(off.max())
        self.offsets.update((lo, hi))
        if self.home_ok:
            self.home_ok = bool(np.array_equal(wall_ms(ms, self.home), ms + off * 1000))  # type: ignore[arg-type]

    def zone(self) -> str | tzinfo:
        if self.rows and self.home_ok:
            return self.home  # type: ignore[return-value]
        if self.rows and len(self.offsets) == 1:
            return fixed_zone(next(iter(self.offsets)))
        return self.home or "UTC"


def choose_tz(tz: TzArg, home: str | None, *pairs: tuple[np.ndarray, np.ndarray]) -> str | tzinfo:
    if tz is not None:
        return tz
    rule = TzRule(home)
    for ms, off in pairs:
        rule.feed(ms, off)
    return rule.zone()


def aware(ms: np.ndarray, zone: str | tzinfo, name: str | None = None) -> pd.DatetimeIndex:
    """Instants (epoch ms) as a tz-aware DatetimeIndex (millisecond unit) in ``zone``."""
    return pd.DatetimeIndex(ms.view("M8[ms]"), name=name).tz_localize("UTC").tz_convert(zone)


def local(ms: np.ndarray, off: np.ndarray) -> np.ndarray:
    """The records' own wall-clock times, tz-naive ``datetime64[ms]``."""
    return (ms + off * 1000).view("M8[ms]")


def day_index(days: np.ndarray | list, name: str = "date") -> pd.DatetimeIndex:
    """ISO date strings (anything else is NaT) -> tz-naive midnight DatetimeIndex (millisecond unit)."""
    arr = np.asarray([d if isinstance(d, str) else "NaT" for d in days], dtype="datetime64[D]").astype("datetime64[ms]")
    return pd.DatetimeIndex(arr, name=name)
