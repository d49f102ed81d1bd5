"""What every data type module provides: a :class:`Stream` that knows how to ask the API for a
window, how to turn one raw response page into typed rows, and how to upsert those rows.

A *stream* is one way of fetching one Google Health data type (``heart-rate`` via ``list``,
``steps:daily`` via ``dailyRollUp`` ...). Streams are pure: no HTTP, no open files. The sync
engine does the fetching; the store does the transactions; a stream only parses and saves.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Literal

from fitvault import timeutil

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY_SCOPE = SCOPE_PREFIX + "activity_and_fitness.readonly"
HEALTH_METRICS_SCOPE = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
SLEEP_SCOPE = SCOPE_PREFIX + "sleep.readonly"
# Opt-in scopes (asked only with `fitvault auth google --scopes +GROUP`, see auth/google.py).
# nutrition.readonly: peers read hydration and food logs with it, but the discovery document
# omits it (reference §3.1), so a Cloud project may not offer it: asking it by default could
# break everyone's consent for two types few people log.
NUTRITION_SCOPE = SCOPE_PREFIX + "nutrition.readonly"
ECG_SCOPE = SCOPE_PREFIX + "ecg.readonly"
IRN_SCOPE = SCOPE_PREFIX + "irn.readonly"
REPRODUCTIVE_SCOPE = SCOPE_PREFIX + "reproductive_health.readonly"
SYMPTOMS_SCOPE = SCOPE_PREFIX + "logged_symptoms.readonly"
MINDFULNESS_SCOPE = SCOPE_PREFIX + "mindfulness.readonly"

# (platform, device, manufacturer, form_factor, recording_method, application)
SourceKey = tuple[str, str, str, str, str, str]
SourceIds = Callable[[SourceKey], int]

# Rollups aggregate the reconciled stream and carry no dataSource (reference §1.6).
ROLLUP_SOURCE: SourceKey = ("", "", "", "", "", "dailyRollUp")

Bound = int | date  # epoch ms for instant-bounded streams, a civil date for date-bounded ones

#: What parsing one malformed point may raise: the point is quarantined and the page goes on.
#: (OverflowError: ``int(1e999)``, ``date(10**30, 1, 1)``; IndexError: a list where an object was.)
POINT_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Plausible times of a wearable's record: none before 2000 (a zero timestamp is the classic bad
# value, and one far outside the window would also mislead a walk's cursor), none after 2200.
_EARLIEST = date(2000, 1, 1)
_LATEST = date(2200, 1, 1)
MIN_INSTANT_MS = timeutil.to_ms(datetime(2000, 1, 1, tzinfo=timezone.utc))
MAX_INSTANT_MS = timeutil.to_ms(datetime(2200, 1, 1, tzinfo=timezone.utc))
# UTC offsets in use lie within -12 h .. +14 h; ±18 h is the widest any standard allows.
MAX_OFFSET_S = 18 * 3600


def req_str(value: Any, what: str) -> str:
    """A JSON string SQLite can store; any other type makes the point malformed, and so does a
    lone surrogate (``"\\ud800"`` is valid JSON but not UTF-8: binding it would fail the page's
    transaction, and the sync with it, on every run)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} is not a string: {value!r}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{what} is not valid Unicode text: {value!r}") from None
    return value


def opt_str(value: Any, what: str) -> str | None:
    """:func:`req_str`, or None when null/omitted."""
    return None if value is None else req_str(value, what)


def source_key(data_source: dict | None) -> SourceKey:
    """The provenance of a data point, from its ``dataSource`` (reference §2.2). Every part is a
    string (null counts as omitted); another type makes the point malformed."""
    if not data_source:
        return ("", "", "", "", "", "")
    device = data_source.get("device") or {}
    app = data_source.get("application") or {}
    return (
        opt_str(data_source.get("platform"), "dataSource.platform") or "",
        opt_str(device.get("displayName"), "dataSource.device.displayName") or "",
        opt_str(device.get("manufacturer"), "dataSource.device.manufacturer") or "",
        opt_str(device.get("formFactor"), "dataSource.device.formFactor") or "",
        opt_str(data_source.get("recordingMethod"), "dataSource.recordingMethod") or "",
        opt_str(app.get("packageName") or app.get("webClientId") or app.get("googleWebClientId"),
                "dataSource.application") or "",
    )


def int64(value: Any, default: int | None = None) -> int | None:
    """proto3-JSON int64 (sent as a string, reference §1.1, or a whole JSON number) -> int;
    omitted -> default. A boolean, a fraction, a non-finite number or a value beyond int64 is
    malformed (ValueError/TypeError), never silently truncated or passed on to SQLite."""
    if value is None:
        return default
    if isinstance(value, str):
        n = int(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not an integer: {value!r}")
    elif isinstance(value, float) and not value.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    else:
        n = int(value)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise ValueError(f"beyond the int64 range: {value!r}")
    return n


def flag_value(value: Any, what: str) -> int:
    """A proto3 bool as 0/1 (omitted = false); a string such as ``"false"`` is malformed."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    raise TypeError(f"{what} is not a boolean: {value!r}")


def instant_ms(text: Any) -> int:
    """An RFC 3339 instant -> epoch ms, refusing impossible times (before 2000, after 2200)."""
    ms = timeutil.parse_instant_ms(text)
    if not MIN_INSTANT_MS <= ms < MAX_INSTANT_MS:
        raise ValueError(f"impossible time: {text!r}")
    return ms


def offset_s(text: Any) -> int:
    """A proto3 duration UTC offset -> seconds, refusing offsets beyond ±18 h."""
    off = timeutil.parse_offset_s(text)
    if not -MAX_OFFSET_S <= off <= MAX_OFFSET_S:
        raise ValueError(f"impossible UTC offset: {text!r}")
    return off


def civil_date(obj: Any) -> date:
    """A ``{"year", "month", "day"}`` date, refusing impossible ones (before 2000, after 2200)."""
    day = timeutil.date_from_json(obj)
    if not _EARLIEST <= day < _LATEST:
        raise ValueError(f"impossible date: {day.isoformat()}")
    return day


def page_items(body: dict, key: str, page: ParsedPage) -> list:
    """The list ``body[key]`` (absent: empty). Anything else there makes the whole page
    unusable (``page.malformed``): the sync fails that window, visibly and resumably, instead
    of taking the page for an empty one and moving on past its data."""
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        page.malformed = f"{key} is a {type(items).__name__}, not a list"
        return []
    return items


# Value ranges of the discovery document (health.v4.json, revision 20261030: "Must be in the range
# `[a, b]`"). A value inside its range is stored as sent; one outside cannot have been accepted by the
# API itself, so it is corrupt and its point is quarantined. Fields the document gives no range
# take the range of the documented field that measures the same quantity (noted where used).
DISC_BPM = (1, 300)                 # HeartRate.beatsPerMinute
DISC_PCT = (0.0, 100.0)             # OxygenSaturation / DailyOxygenSaturation / BodyFat percentages
DISC_VO2 = (0.0, 100.0)             # VO2Max / DailyVO2Max / RunVO2Max, ml/kg/min
DISC_RMSSD_MS = (1.0, 200.0)        # HeartRateVariability.rootMeanSquareOfSuccessiveDifferencesMilliseconds
DISC_CELSIUS = (0.0, 100.0)         # CoreBodyTemperature.temperatureCelsius
DISC_WEIGHT_G = (0.0, 1_000_000.0)  # Weight.weightGrams
DISC_HEIGHT_MM = (0, 3000)          # Height.heightMillimeters
DISC_STEPS = (0, 1_000_000)         # Steps.count (per interval)
DISC_FLOORS = (0, 1_000_000)        # Floors.count
DISC_DISTANCE_MM = (0, 1_000_000_000)  # Distance.millimeters
DISC_KCAL = (0.0, 1_000_000.0)      # ActiveEnergyBurned.kcal (the widest energy range documented)


def plausible(value: float | int | None, lo: float, hi: float, what: str) -> None:
    """Raise ValueError for a value outside its documented range (``DISC_*`` above): the point
    is quarantined and reported instead of stored."""
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
    """One way of fetching one data type. Subclasses set the class attributes below."""

    name: ClassVar[str]                      # stream id, e.g. "heart-rate", "steps:daily"
    data_type: ClassVar[str]                 # Google Health type id (kebab-case path id)
    scopes: ClassVar[tuple[str, ...]]        # any one of these grants the type
    opt_in: ClassVar[str | None] = None      # its scope group, asked only on request (--scopes +GROUP)
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

    def parse_bytes(self, body: bytes) -> ParsedPage:
        """:meth:`parse` of a raw response body (a stream may read the bytes faster itself)."""
        return self.parse(json.loads(body))

    @abstractmethod
    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> int | None:
        """Upsert rows on their natural keys. Runs inside the caller's transaction. May return
        the records added or changed (else the caller counts SQLite's row changes)."""

    # -- follow-up requests (only exercise has them: its GPS route) -------------------------
    #: the table holding follow-up results, keyed by record id; None: no follow-ups
    details_table: ClassVar[str | None] = None
    details_key: ClassVar[str] = "id"       # its column naming the record

    def detail_request(self, record_id: str) -> tuple[str, dict[str, str]]:
        """The follow-up media download: path (relative to ``/v4/users/me``) and query
        parameters (the client adds ``alt=media``)."""
        raise NotImplementedError

    def wanted_details(self, page: ParsedPage, have: set[str]) -> list[str]:
        """Ids of this page's records whose details are not stored yet (``have``)."""
        return []

    def page_ids(self, page: ParsedPage) -> list[str]:
        """Ids of this page's records (for :meth:`wanted_details`)."""
        return []

    def parse_detail(self, record_id: str, body: bytes) -> tuple:
        """The follow-up's row from its raw response body (ValueError when unusable)."""
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
    for point in page_items(body, "dataPoints", page):
        try:
            rows.append(parse_one(point))
        except POINT_ERRORS as exc:
            page.bad.append((f"{type(exc).__name__}: {exc}", point))
    if rows:
        positions = [position(r) for r in rows]
        page.oldest, page.newest = min(positions), max(positions)
    return page
