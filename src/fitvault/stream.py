"""What the sync core and the store need of a stream, whichever API it comes from.

A *stream* is one way of fetching one data type into vault tables: its name, the type id
``--types`` takes, the scopes that grant it, the axis its windows are measured on
(:mod:`fitvault.axis`), how it pages, and how it saves parsed rows. How it is *asked* and
*parsed* belongs to its source: :class:`fitvault.datatypes.base.Stream` declares a Google Health
API stream (filters, list pages, follow-up requests), :class:`fitvault.sources.fitbit.base.FitbitStream`
a legacy Fitbit one (paths, date ranges). Both derive from :class:`Stream` here and add only
what is theirs, so no stream has an inherited method it must disable.

Streams are pure: no HTTP, no open files. A source's walks fetch, the store commits.
"""

from __future__ import annotations

import math
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, ClassVar, Literal

from fitvault import timeutil
from fitvault.axis import AXES, Axis, Bound

__all__ = ["Bound", "ParsedPage", "SourceIds", "SourceKey", "Stream"]

# (platform, device, manufacturer, form_factor, recording_method, application)
SourceKey = tuple[str, str, str, str, str, str]
SourceIds = Callable[[SourceKey], int]


@dataclass
class ParsedPage:
    """Typed rows from one response page.

    Attributes:
        rows: stream-specific tuples, ready for :meth:`Stream.save`.
        oldest: position of the oldest record on the page (on the stream's axis), for resuming
            a newest-first walk; None for an empty page.
        newest: position of the newest record, used to check the newest-first order.
        bad: (reason, raw point) for points that could not be parsed; they are quarantined.
        details: rows fetched by follow-up requests for this page's records (an exercise's
            GPS route), saved in the page's transaction by :meth:`Stream.save_details`.
        malformed: why the page as a whole cannot be read (its list of points is not a list),
            or None.
    """

    rows: list[tuple] = field(default_factory=list)
    oldest: Bound | None = None
    newest: Bound | None = None
    bad: list[tuple[str, dict]] = field(default_factory=list)
    details: list[tuple] = field(default_factory=list)
    malformed: str | None = None


class Stream(ABC):
    """One way of fetching one data type into the vault. Subclasses set the class attributes."""

    name: ClassVar[str]                      # stream id, e.g. "heart-rate", "fitbit:steps"
    data_type: ClassVar[str]                 # the type id (``--types``), kebab-case
    scopes: ClassVar[tuple[str, ...]]        # any one of these grants the type
    opt_in: ClassVar[str | None] = None      # its scope group, asked only on request (--scopes +GROUP)
    bound: ClassVar[Literal["instant", "date"]] = "instant"   # the axis (see :attr:`axis`)
    page_size: ClassVar[int] = 10000         # records (or dates) per request, at most
    overlap: ClassVar[timedelta] = timedelta(days=2)   # re-read behind the covered range
    tables: ClassVar[tuple[str, ...]] = ()   # tables this stream writes (cleared by rebuild)
    # For `fitvault status` and plan estimates: the main table, its time column (epoch ms or a
    # date, indexed), and the SQL expression of a row's local date.
    table: ClassVar[str]
    time_column: ClassVar[str]
    local_day_sql: ClassVar[str] = "date"
    # Average records per day, to estimate requests for a dry run before any data is stored.
    records_per_day_guess: ClassVar[float] = 1.0
    #: the table holding follow-up results, keyed by record id; None: no follow-ups
    details_table: ClassVar[str | None] = None
    details_key: ClassVar[str] = "id"       # its column naming the record

    @property
    def axis(self) -> Axis[Any]:
        """The axis windows, cursors and record positions are measured on."""
        return AXES[self.bound]

    # -- windows -----------------------------------------------------------------------------
    def parse_bound(self, text: str) -> Bound:
        return self.axis.parse(text)

    def format_bound(self, value: Bound) -> str:
        """A bound as stored in ``sync_jobs``/``sync_state`` (fixed width: text order is time order)."""
        return self.axis.format(value)

    def resume_upper(self, oldest: Bound) -> Bound:
        """Exclusive upper bound that still includes ``oldest`` (records may share it)."""
        return self.axis.after(oldest)

    def window_days(self) -> int | None:
        """The most days one planned window may span (None: the whole range, paged)."""
        return None

    def requests_for(self, days: float, per_day: float, page_size: int) -> int:
        """Requests to fetch ``days`` days at ``per_day`` records a day (plan estimate)."""
        return max(1, math.ceil(days * per_day / page_size))

    # -- saving ------------------------------------------------------------------------------
    @abstractmethod
    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> int | None:
        """Upsert rows on their natural keys. Runs inside the caller's transaction. May return
        the records added or changed (else the caller counts SQLite's row changes)."""

    def save_details(self, conn: sqlite3.Connection, details: list[tuple]) -> None:
        """Upsert follow-up rows (:attr:`details_table`); only streams with follow-ups get any."""
        if details:
            raise TypeError(f"{self.name} has no follow-up records")

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
        # The time column holds epoch ms or an ISO date (whatever the stream's axis).
        if isinstance(hi, str):
            since: int | str = (date.fromisoformat(hi) - timedelta(days=30)).isoformat()
        else:
            since = hi - 30 * 86_400_000
        n = conn.execute(f"SELECT count(*) FROM {self.table} WHERE {self.time_column} > ?", (since,)).fetchone()[0]
        return max(n / 30, 1.0)
