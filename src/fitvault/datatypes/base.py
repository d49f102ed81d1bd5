"""What every data type module provides: a :class:`Stream` that knows how to ask the API for a
window, how to turn one raw response page into typed rows, and how to upsert those rows.

A *stream* is one way of fetching one Google Health data type (``heart-rate`` via ``list``,
``steps:daily`` via ``dailyRollUp`` ...). Streams are pure: no HTTP, no open files. The sync
engine does the fetching; the store does the transactions; a stream only parses and saves.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, ClassVar, Literal

from fitvault import timeutil

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY_SCOPE = SCOPE_PREFIX + "activity_and_fitness.readonly"
HEALTH_METRICS_SCOPE = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
SLEEP_SCOPE = SCOPE_PREFIX + "sleep.readonly"

# (platform, device, manufacturer, form_factor, recording_method, application)
SourceKey = tuple[str, str, str, str, str, str]
SourceIds = Callable[[SourceKey], int]

# Rollups aggregate the reconciled stream and carry no dataSource (reference §1.6).
ROLLUP_SOURCE: SourceKey = ("", "", "", "", "", "dailyRollUp")

Bound = int | date  # epoch ms for instant-bounded streams, a civil date for date-bounded ones


def source_key(data_source: dict | None) -> SourceKey:
    """The provenance of a data point, from its ``dataSource`` (reference §2.2)."""
    if not data_source:
        return ("", "", "", "", "", "")
    device = data_source.get("device") or {}
    app = data_source.get("application") or {}
    return (
        data_source.get("platform", ""),
        device.get("displayName", ""),
        device.get("manufacturer", ""),
        device.get("formFactor", ""),
        data_source.get("recordingMethod", ""),
        app.get("packageName") or app.get("webClientId") or app.get("googleWebClientId") or "",
    )


def int64(value: Any, default: int | None = None) -> int | None:
    """proto3-JSON int64 (sent as a string, reference §1.1) -> int; omitted -> default."""
    if value is None:
        return default
    return int(value)


def plausible(value: float | int | None, lo: float, hi: float, what: str) -> None:
    """Raise ValueError for a physically impossible value (e.g. a heart rate of 300 bpm): the point
    is quarantined and reported instead of stored. The bounds are wide on purpose: they catch
    corrupt data, not unusual physiology."""
    if value is not None and not lo <= value <= hi:
        raise ValueError(f"impossible {what}: {value} (expected {lo}..{hi})")


@dataclass
class ParsedPage:
    """Typed rows from one response page.

    Attributes:
        rows: stream-specific tuples, ready for :meth:`Stream.save`.
        oldest: position of the oldest record on the page (epoch ms or a date), for resuming a
            newest-first walk; None for an empty page.
        newest: position of the newest record, used to check the newest-first order.
        bad: (reason, raw point) for points that could not be parsed; they are quarantined.
        details: rows fetched by follow-up requests for this page's records (an exercise's
            GPS route), saved in the page's transaction by :meth:`Stream.save_details`.
    """

    rows: list[tuple] = field(default_factory=list)
    oldest: Bound | None = None
    newest: Bound | None = None
    bad: list[tuple[str, dict]] = field(default_factory=list)
    details: list[tuple] = field(default_factory=list)


class Stream(ABC):
    """One way of fetching one data type. Subclasses set the class attributes below."""

    name: ClassVar[str]                      # stream id, e.g. "heart-rate", "steps:daily"
    data_type: ClassVar[str]                 # Google Health type id (kebab-case path id)
    scopes: ClassVar[tuple[str, ...]]        # any one of these grants the type
    operation: ClassVar[Literal["list", "dailyRollUp"]] = "list"
    bound: ClassVar[Literal["instant", "date"]] = "instant"
    page_size: ClassVar[int] = 10000         # the API's maximum (reference §1.3)
    overlap: ClassVar[timedelta] = timedelta(days=2)
    max_window_days: ClassVar[int | None] = None   # dailyRollUp range cap (reference §1.7)
    tables: ClassVar[tuple[str, ...]] = ()   # tables this stream writes (cleared by rebuild)
    # For `fitvault status` and plan estimates: the main table, its time column (epoch ms or a
    # date, indexed), and the SQL expression of a row's local date.
    table: ClassVar[str]
    time_column: ClassVar[str]
    local_day_sql: ClassVar[str] = "date"
    # Average records per day, to estimate requests for a dry run before any data is stored.
    records_per_day_guess: ClassVar[float] = 1.0

    # -- request shape -------------------------------------------------------------------
    def filter_text(self, lower: Bound, upper: Bound) -> str:
        """The AIP-160 filter for [lower, upper) (list streams, reference §1.4)."""
        field_name = self.filter_field()
        if self.bound == "instant":
            lo, hi = timeutil.format_instant(lower), timeutil.format_instant(upper)  # type: ignore[arg-type]
        else:
            lo, hi = lower.isoformat(), upper.isoformat()  # type: ignore[union-attr]
        return f'{field_name} >= "{lo}" AND {field_name} < "{hi}"'

    def alternative_filters(self, lower: Bound, upper: Bound) -> list[str]:
        """Filters to try in order when the server refuses one (see sleep)."""
        return [self.filter_text(lower, upper)]

    def filter_field(self) -> str:
        raise NotImplementedError

    def format_bound(self, value: Bound) -> str:
        """A bound as stored in ``sync_jobs``/``sync_state``: fixed width, so text order is time
        order (instants always carry milliseconds)."""
        if self.bound == "instant":
            text = timeutil.format_instant(value)  # type: ignore[arg-type]
            return text if "." in text else text[:-1] + ".000Z"
        return value.isoformat()  # type: ignore[union-attr]

    def parse_bound(self, text: str) -> Bound:
        if self.bound == "instant":
            return timeutil.parse_instant_ms(text)
        return date.fromisoformat(text)

    def resume_upper(self, oldest: Bound) -> Bound:
        """Exclusive upper bound that still includes ``oldest`` (records may share it)."""
        if self.bound == "instant":
            return oldest + 1  # type: ignore[operator]
        return oldest + timedelta(days=1)  # type: ignore[operator]

    # -- parsing and saving ---------------------------------------------------------------
    @abstractmethod
    def parse(self, body: dict) -> ParsedPage:
        """Turn one response body into typed rows. Never raises for one bad point."""

    @abstractmethod
    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        """Upsert rows on their natural keys. Runs inside the caller's transaction."""

    # -- follow-up requests (only exercise has them: its GPS route) -------------------------
    #: the table holding follow-up results, keyed by record id; None: no follow-ups
    details_table: ClassVar[str | None] = None

    def wanted_details(self, page: ParsedPage, have: set[str]) -> list[str]:
        """Ids of this page's records whose details are not stored yet (``have``)."""
        return []

    def page_ids(self, page: ParsedPage) -> list[str]:
        """Ids of this page's records (for :meth:`wanted_details`)."""
        return []

    def parse_detail(self, record_id: str, body: dict) -> tuple:
        raise NotImplementedError

    def save_details(self, conn: sqlite3.Connection, details: list[tuple]) -> None:
        raise NotImplementedError

    # -- what the vault holds ---------------------------------------------------------------
    def _format_time(self, value: int | str | None) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return timeutil.format_instant(value)

    def summary(self, conn: sqlite3.Connection) -> tuple[int, str | None, str | None]:
        """(records, first, last) of this stream's table."""
        n, lo, hi = conn.execute(
            f"SELECT count(*), min({self.time_column}), max({self.time_column}) FROM {self.table}"
        ).fetchone()
        return n, self._format_time(lo), self._format_time(hi)

    def local_days(self, conn: sqlite3.Connection) -> list[str]:
        """The distinct local dates that have data, ascending."""
        return [r[0] for r in conn.execute(
            f"SELECT DISTINCT {self.local_day_sql} AS d FROM {self.table} ORDER BY d"
        )]

    def records_per_day(self, conn: sqlite3.Connection) -> float:
        """Records per day over the latest 30 days of data (an index range, cheap on big tables),
        else the stream's guess; used to estimate a plan's requests."""
        hi = conn.execute(f"SELECT max({self.time_column}) FROM {self.table}").fetchone()[0]
        if hi is None:
            return self.records_per_day_guess
        if isinstance(hi, str):
            since: int | str = (date.fromisoformat(hi) - timedelta(days=30)).isoformat()
        else:
            since = hi - 30 * 86_400_000
        n = conn.execute(f"SELECT count(*) FROM {self.table} WHERE {self.time_column} > ?", (since,)).fetchone()[0]
        return max(n / 30, 1.0)


def parse_points(
    body: dict, parse_one: Callable[[dict], tuple], position: Callable[[tuple], Bound]
) -> ParsedPage:
    """Shared loop for ``list`` pages: parse each point, quarantine the ones that fail."""
    page = ParsedPage()
    rows = page.rows
    for point in body.get("dataPoints") or ():
        try:
            rows.append(parse_one(point))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            page.bad.append((f"{type(exc).__name__}: {exc}", point))
    if rows:
        positions = [position(r) for r in rows]
        page.oldest, page.newest = min(positions), max(positions)
    return page
