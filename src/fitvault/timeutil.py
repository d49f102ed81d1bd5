"""Time as data: UTC instants in epoch milliseconds plus the UTC offset in force, in seconds.

The Google Health API sends every non-daily record as a UTC instant (RFC 3339 with ``Z``) and
the user's offset at that instant as a proto3 duration string (``"-14400s"``); daily records
carry only a civil date (docs/facts/google-health-api.md#record-shapes). fitvault stores exactly that and derives local wall
time from instant + offset. The host machine's time zone is never consulted.

This module holds fitvault's three time rules, each in one place:

* **Wall time to instant** (:class:`Zone`, :class:`Sequence`). The legacy API and the archives
  give local wall times without an offset. A wall time is handled as "wall ms": epoch
  milliseconds of the wall time read as if it were UTC. It is placed in a named zone (or, when
  the zone is unknown, a fixed offset) and stored with the offset in force at the instant:

  - in the repeated hour of a fall-back night a lone wall time is its first occurrence; times
    listed in recording order (a :class:`Sequence`) are each the earliest instant with that wall
    time not before the previous one, so a series that steps back inside the hour has entered
    its second pass;
  - a wall time inside a spring-forward gap cannot come from a device that follows the zone; it
    is read with the offset from before the gap (``zoneinfo``'s ``fold=0``: pushed forward) and
    stored with the offset in force at the instant it lands on.

  A UTC instant gets the zone's offset at that instant (:meth:`Zone.offset_at`). Travel is the
  callers' business: a zone knows only its own rules.
* **Local days to SQL** (:func:`local_days`, :func:`wall_range_sql`, :func:`date_range_sql`,
  :func:`instant_span`). A local date is a record's own wall clock: a row is on local day ``d``
  when ``instant + offset`` falls in ``d``. The indexed instant column is searched padded by
  :data:`ZONE_PAD_MS` (no offset in use is further from UTC), then the exact test applies.
  A row keyed by a civil date is in range when its local midnight is.
* **Read-only access** is the store's: :mod:`fitvault.store.readonly`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    import numpy as np

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
#: UTC offsets in use run from -12:00 to +14:00: a local time is at most 14 h from its instant.
ZONE_PAD_MS = 14 * 3_600_000
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$", re.ASCII
)


@lru_cache(maxsize=4096)
def _day_ms(day: str) -> int:
    return (datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)


def parse_instant_ms(text: str) -> int:
    """RFC 3339 timestamp -> epoch milliseconds (fractions below 1 ms are truncated)."""
    # Fast path for the API's usual shape "2026-09-14T12:03:05Z" (millions per backfill).
    if len(text) == 20 and text[19] == "Z" and text[10] == "T" and text[13] == ":" and text[16] == ":":
        clock = text[11:13] + text[14:16] + text[17:19]
        if clock.isascii() and clock.isdigit() and clock[:2] < "24" and clock[2:4] < "60" and clock[4:] < "60":
            try:
                return _day_ms(text[:10]) + (int(clock[:2]) * 3600 + int(clock[2:4]) * 60 + int(clock[4:])) * 1000
            except ValueError:
                pass  # a bad date: the strict parser below gives the error message
    m = _RFC3339.match(text)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second, frac, zone = m.groups()
    dt = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    ms = (dt - _EPOCH) // timedelta(milliseconds=1)
    if frac:
        ms += int((frac + "00")[:3])
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        ms -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60) * 1000
    return ms


def parse_offset_s(text: str | None) -> int:
    """A proto3 duration such as ``"-14400s"`` or ``"3600.000s"`` -> whole seconds.

    An omitted offset is proto3's zero value (UTC), so ``None`` and ``""`` give 0.
    """
    if not text:
        return 0
    if not text.endswith("s"):
        raise ValueError(f"not a duration: {text!r}")
    return round(float(text[:-1]))


def format_offset(offset_s: int) -> str:
    """A UTC offset in seconds as ISO 8601's ``±HH:MM`` (``+00:00`` for UTC)."""
    sign = "-" if offset_s < 0 else "+"
    return f"{sign}{abs(offset_s) // 3600:02d}:{abs(offset_s) % 3600 // 60:02d}"


def format_instant(ms: int) -> str:
    """Epoch milliseconds -> RFC 3339 UTC with ``Z`` (milliseconds only when non-zero)."""
    dt = _EPOCH + timedelta(milliseconds=ms)
    if ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(ms: int, offset_s: int) -> date:
    """The local calendar date of an instant."""
    return (_EPOCH + timedelta(milliseconds=ms + offset_s * 1000)).date()


def to_ms(dt: datetime) -> int:
    """Aware datetime -> epoch milliseconds. Naive datetimes are refused (no host zone)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: fitvault never guesses a time zone")
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds -> aware UTC datetime."""
    return _EPOCH + timedelta(milliseconds=ms)


def date_from_json(obj: dict) -> date:
    """``{"year": 2026, "month": 9, "day": 14}`` -> date."""
    return date(int(obj["year"]), int(obj["month"]), int(obj["day"]))


def date_to_json(d: date) -> dict:
    """date -> ``{"year", "month", "day"}`` as JSON numbers (no leading zeros, docs/facts/google-health-api.md#daily-rollups)."""
    return {"year": d.year, "month": d.month, "day": d.day}


def utc_midnight_ms(d: date) -> int:
    """Epoch ms of 00:00 UTC on a date."""
    return to_ms(datetime(d.year, d.month, d.day, tzinfo=UTC))


def utc_now_ms() -> int:
    return to_ms(datetime.now(UTC))


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]  # positions in "YYYY-MM-DDTHH:MM:SSZ"


def char_matrix(texts: list[str], width: int) -> np.ndarray | None:
    """ASCII texts all ``width`` characters long as a (len, width) uint8 array, else None."""
    import numpy as np  # here: `import fitvault` stays light

    if set(map(len, texts)) != {width}:
        return None
    try:
        raw = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    return np.frombuffer(raw, np.uint8).reshape(len(texts), width)


def parse_instants_ms(texts: list[str]) -> np.ndarray | None:
    """Many ``"YYYY-MM-DDTHH:MM:SSZ"`` timestamps -> epoch ms, all at once in numpy.

    The API's usual shape only (a page of heart rate is 10,000 of them); returns None when any
    text has another shape or is not a real time, and the caller parses them one by one with
    :func:`parse_instant_ms`, which gives the same result where both apply.
    """
    import numpy as np  # here: `import fitvault` stays light

    if not texts:
        return np.empty(0, np.int64)
    a = char_matrix(texts, 20)
    if a is None:
        return None
    separators = (a[:, 4] == 45) & (a[:, 7] == 45) & (a[:, 10] == 84) & (a[:, 13] == 58) & (a[:, 16] == 58) & (a[:, 19] == 90)
    digits = a[:, _DIGITS] - np.uint8(48)  # a non-digit wraps around to > 9
    if not separators.all() or (digits > 9).any():
        return None
    d = digits.astype(np.int64)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hour, minute, second = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    return civil_ms_many(year, month, day, hour, minute, second)


def civil_ms_many(year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, minute: np.ndarray,
                  second: np.ndarray) -> np.ndarray | None:
    """Epoch ms of many civil dates and times (int64 arrays) read as UTC, or None when any is
    not a real date or a time of day (seconds 0-59: a caller's one-by-one parser decides the rest)."""
    import numpy as np  # here: `import fitvault` stays light

    if not ((month >= 1) & (month <= 12)).all():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = np.array(_DAYS_IN_MONTH, np.int64)[month - 1] + (leap & (month == 2))
    if not ((day >= 1) & (day <= last_day) & (hour < 24) & (minute < 60) & (second < 60) & (year >= 1)).all():
        return None
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "days_from_civil").
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return ((days * 86400) + hour * 3600 + minute * 60 + second) * 1000


# -- wall time to instant (see the module docstring) -------------------------------------------


@lru_cache(maxsize=65536)
def _civil_days(year: int, month: int, day: int) -> int:
    return (datetime(year, month, day) - _NAIVE_EPOCH).days


def wall_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, ms: int = 0) -> int:
    """Wall ms of a civil date and time of day (a leap second ``:60`` is accepted)."""
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 61):
        raise ValueError(f"not a time of day: {hour:02d}:{minute:02d}:{second:02d}")
    return _civil_days(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def day_wall_ms(day: date) -> int:
    """Wall ms of the local midnight that starts ``day``."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


def parse_clock(text: str) -> int:
    """``HH:MM:SS`` or ``HH:MM:SS.fff`` or ``HH:MM`` -> milliseconds after midnight."""
    t = text.strip()
    try:
        hh, mm = int(t[0:2]), int(t[3:5])
        ss = int(t[6:8]) if len(t) > 5 else 0
        ms = int((t[9:12] + "00")[:3]) if len(t) > 8 else 0
        if t[2] != ":" or not (0 <= hh < 24 and 0 <= mm < 60 and 0 <= ss < 61):
            raise ValueError
        return ((hh * 60 + mm) * 60 + ss) * 1000 + ms
    except (ValueError, IndexError):
        raise ValueError(f"not a time of day: {text!r}") from None


def wall_at(day: date, clock: str) -> int:
    """Wall ms of ``day`` at ``"HH:MM[:SS[.fff]]"``."""
    return day_wall_ms(day) + parse_clock(clock)


def parse_iso_wall(text: str) -> int:
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM``, ``...:SS`` or ``...:SS.fff`` (``T`` or a space), no
    offset -> wall ms."""
    t = text.strip()
    try:
        y, m, d = int(t[0:4]), int(t[5:7]), int(t[8:10])
        if t[4] != "-" or t[7] != "-":
            raise ValueError
        if len(t) == 10:
            return wall_ms(y, m, d)
        if t[10] not in "T ":
            raise ValueError
        hh, mm = int(t[11:13]), int(t[14:16])
        ss, ms = 0, 0
        if len(t) > 16:
            ss = int(t[17:19])
            if len(t) > 19:
                if t[19] != ".":
                    raise ValueError
                ms = int((t[20:23] + "00")[:3])
        return wall_ms(y, m, d, hh, mm, ss, ms)
    except (ValueError, IndexError):
        raise ValueError(f"not a local date and time: {text!r}") from None


def zone_info(name: str) -> tzinfo | None:
    """The IANA zone of that name, or None when there is none (fitvault's one test of a name)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class Zone:
    """One zone's rules: wall ms -> (epoch ms, offset s), and an instant's offset. Offsets are
    cached per local (or UTC) day: only days with a transition take the slow path.

    Args:
        name: an IANA zone name.
        fallback_offset_s: the fixed offset (no DST) used when ``name`` is missing or unknown.
    """

    def __init__(self, name: str | None, fallback_offset_s: int = 0) -> None:
        self.name = name
        found = zone_info(name) if name else None
        self.tz: tzinfo = found or timezone(timedelta(seconds=fallback_offset_s))
        self._wall_days: dict[int, tuple[int, int]] = {}
        self._wall_hours: dict[int, int | None] = {}
        self._utc_days: dict[int, tuple[int, int]] = {}

    def _offset_naive(self, wall: int, fold: int) -> int:
        off = (_NAIVE_EPOCH + timedelta(milliseconds=wall)).replace(tzinfo=self.tz, fold=fold).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def _offset_utc(self, ms: int) -> int:
        off = (_EPOCH + timedelta(milliseconds=ms)).astimezone(self.tz).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def _day_ends(self, day: int) -> tuple[int, int]:
        ends = self._wall_days.get(day)
        if ends is None:
            ends = (self._offset_naive(day * DAY_MS, 0), self._offset_naive(day * DAY_MS + DAY_MS - 1, 1))
            self._wall_days[day] = ends
        return ends

    def _plain_hour(self, hour: int) -> int | None:
        """The offset of every wall time in a wall hour that is neither repeated nor skipped, in
        whole or in part; else None."""
        a, b = hour * _HOUR_MS, hour * _HOUR_MS + _HOUR_MS - 1
        offsets = {self._offset_naive(a, 0), self._offset_naive(a, 1), self._offset_naive(b, 0), self._offset_naive(b, 1)}
        off = offsets.pop()
        return off if not offsets and self._offset_utc(a - off * 1000) == off else None

    def plain_offset(self, wall: int) -> int | None:
        """The offset of a wall time with exactly one reading, from the caches; None near a
        transition (then the slow path decides)."""
        first, last = self._day_ends(wall // DAY_MS)
        if first == last:
            return first
        hour = wall // _HOUR_MS
        if hour not in self._wall_hours:
            self._wall_hours[hour] = self._plain_hour(hour)
        return self._wall_hours[hour]

    def steady(self, wall: int) -> bool:
        """No offset change on this wall time's local day."""
        first, last = self._day_ends(wall // DAY_MS)
        return first == last

    def wall_offset(self, wall: int, fold: int = 0) -> int:
        """Offset (s) at a wall time (``fold`` 1: the repeated hour's second pass; in a gap,
        ``fold`` 0 gives the offset from before the gap)."""
        off = self.plain_offset(wall)
        return self._offset_naive(wall, fold) if off is None else off

    def ambiguous(self, wall: int) -> bool:
        """The wall time has two readings (a repeated hour) or none (a gap)."""
        return self.wall_offset(wall, 0) != self.wall_offset(wall, 1)

    def day_offsets(self, day: int) -> set[int]:
        """Every offset in force on a local day (days since 1970-01-01)."""
        return {self.wall_offset(day * DAY_MS, 0), self.wall_offset(day * DAY_MS + DAY_MS - 1, 1)}

    def offset_at(self, ms: int) -> int:
        """Offset (s) in force at the instant ``ms``."""
        day = ms // DAY_MS
        ends = self._utc_days.get(day)
        if ends is None:
            ends = (self._offset_utc(day * DAY_MS), self._offset_utc(day * DAY_MS + DAY_MS - 1))
            self._utc_days[day] = ends
        if ends[0] == ends[1]:
            return ends[0]
        return self._offset_utc(ms)

    def resolve(self, wall: int, fold: int = 0) -> tuple[int, int]:
        """(epoch ms, offset s) of a wall time: ``fold`` picks the pass of a repeated hour; a
        wall time in a gap lands past it, with the offset in force there."""
        off = self.plain_offset(wall)
        if off is not None:
            return wall - off * 1000, off
        ms = wall - self._offset_naive(wall, fold) * 1000
        return ms, self.offset_at(ms)

    def sequence(self, walls: Iterable[int], not_before_ms: int | None = None) -> list[tuple[int, int]]:
        """:meth:`resolve` of wall times listed in recording order (see :class:`Sequence`)."""
        seq = Sequence(not_before_ms)
        return [seq.resolve(wall, self) for wall in walls]

    def today(self, now_ms: int) -> date:
        """The local date at the instant ``now_ms``."""
        return local_date(now_ms, self.offset_at(now_ms))


@lru_cache(maxsize=8)
def shared_zone(name: str | None, fallback_offset_s: int = 0) -> Zone:
    """A :class:`Zone` shared per (name, fallback): its day caches make big intraday days cheap."""
    return Zone(name, fallback_offset_s)


class Sequence:
    """Wall times in recording order through the repeated hour of a fall-back night: each is the
    earliest instant with that wall time not before the previous one (``not_before_ms`` for the
    first), so a series that steps back inside the hour has entered its second pass."""

    __slots__ = ("prev_ms",)

    def __init__(self, not_before_ms: int | None = None) -> None:
        self.prev_ms = not_before_ms

    def resolve(self, wall: int, zone: Zone) -> tuple[int, int]:
        """:meth:`Zone.resolve` of the next wall time of the series."""
        off = zone.plain_offset(wall)
        if off is not None:
            ms = wall - off * 1000
        else:
            ms, off = zone.resolve(wall, self._fold(wall, zone))
        self.prev_ms = ms
        return ms, off

    def _fold(self, wall: int, zone: Zone) -> int:
        first, second = zone.wall_offset(wall, 0), zone.wall_offset(wall, 1)
        repeated = first > second  # a gap has first < second: always fold 0
        return int(repeated and self.prev_ms is not None and wall - first * 1000 < self.prev_ms)


# -- local days to SQL (see the module docstring) ----------------------------------------------


def local_days(start: date | None, end: date | None) -> tuple[int | None, int | None]:
    """Local dates ``start`` .. ``end`` (inclusive; None: open) as ``[lo, hi)`` in wall ms."""
    lo = None if start is None else day_wall_ms(start)
    hi = None if end is None else day_wall_ms(end) + DAY_MS
    return lo, hi


def instant_span(lo: int | None, hi: int | None) -> tuple[int | None, int | None]:
    """The instants that can have a wall time in ``[lo, hi)`` (None: open), whatever the offset."""
    return (None if lo is None else lo - ZONE_PAD_MS), (None if hi is None else hi + ZONE_PAD_MS)


def wall_bound_sql(ms_col: str, off_col: str, wall: int, *, upper: bool) -> tuple[list[str], list[int]]:
    """SQL clauses and parameters for rows whose own wall time is ``>= wall`` (or ``< wall`` when
    ``upper``): the indexed instant column padded by :data:`ZONE_PAD_MS`, so SQLite searches the
    index, then the exact test on ``instant + offset``."""
    op, pad = ("<", ZONE_PAD_MS) if upper else (">=", -ZONE_PAD_MS)
    return [f"{ms_col} {op} ?", f"({ms_col} + {off_col} * 1000) {op} ?"], [wall + pad, wall]


def wall_range_sql(ms_col: str, off_col: str, lo: int | None, hi: int | None) -> tuple[list[str], list[int]]:
    """:func:`wall_bound_sql` for both ends of ``[lo, hi)`` (wall ms; None: open)."""
    clauses: list[str] = []
    params: list[int] = []
    for wall, upper in ((lo, False), (hi, True)):
        if wall is not None:
            more, values = wall_bound_sql(ms_col, off_col, wall, upper=upper)
            clauses += more
            params += values
    return clauses, params


def _ceil_day(wall: int | None) -> date | None:
    """The first civil date whose midnight is at or after ``wall``."""
    return None if wall is None else date.fromordinal(_EPOCH_ORDINAL - (-wall // DAY_MS))


def date_range_sql(column: str, lo: int | None, hi: int | None) -> tuple[list[str], list[str]]:
    """SQL clauses and parameters for rows keyed by an ISO civil date (``column``) whose local
    midnight lies in ``[lo, hi)`` (wall ms; None: open)."""
    clauses: list[str] = []
    params: list[str] = []
    for day, op in ((_ceil_day(lo), ">="), (_ceil_day(hi), "<")):
        if day is not None:
            clauses.append(f"{column} {op} ?")
            params.append(day.isoformat())
    return clauses, params
