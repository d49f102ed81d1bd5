"""Time for importers: naive local times to instants, UTC instants to their offset.

Archive times come in three kinds (reference §4.4): naive local wall times (Global Export
``MM/DD/YY HH:MM:SS``, ISO without ``Z``, the tutorials' ``HH:MM:SS`` plus a date from the file
name), UTC instants (``...Z``), and civil dates. fitvault stores a UTC instant plus the offset
in force, so both kinds of time need the person's zone:

* a naive wall time is placed with the zone's offset at that wall time. In the repeated hour of
  a fall-back night, a time series that goes back in time switches to the second occurrence;
  a wall time that does not exist (spring-forward gap) is read with the offset before the gap.
* a UTC instant gets the zone's offset at that instant.

A day on which evidence shows the person was elsewhere (see :class:`Evidence`) uses the
inferred offset instead, for every record of that local day.

Wall times are handled as "wall ms": epoch milliseconds of the wall time read as if it were UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
MIN_OFFSET_S, MAX_OFFSET_S = -12 * 3600, 14 * 3600


@lru_cache(maxsize=65536)
def _civil_days(year: int, month: int, day: int) -> int:
    return (datetime(year, month, day) - _EPOCH).days


def wall_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, ms: int = 0) -> int:
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 61):
        raise ValueError(f"not a time of day: {hour:02d}:{minute:02d}:{second:02d}")
    return _civil_days(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def parse_mdy(text: str) -> int:
    """``MM/DD/YY HH:MM:SS`` (Global Export) or ``MM/DD/YY`` -> wall ms. Two-digit years are
    20YY: Fitbit data starts in 2009."""
    t = text.strip()
    try:
        month, day, year = int(t[0:2]), int(t[3:5]), int(t[6:8])
        if t[2] != "/" or t[5] != "/":
            raise ValueError
        if len(t) == 8:
            return wall_ms(2000 + year, month, day)
        if t[8] != " " or t[11] != ":" or t[14] != ":":
            raise ValueError
        return wall_ms(2000 + year, month, day, int(t[9:11]), int(t[12:14]), int(t[15:17]))
    except (ValueError, IndexError):
        raise ValueError(f"not a MM/DD/YY date: {text!r}") from None


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


def date_text(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).date().isoformat()


def day_from_text(text: str) -> int:
    """``YYYY-MM-DD`` -> day number (days since 1970-01-01)."""
    return parse_iso_wall(text[:10]) // DAY_MS


class Zone:
    """A zone's offsets, cached per local (or UTC) day; only days with a transition take the
    slow path."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tz = ZoneInfo(name)
        self._wall_days: dict[int, tuple[int, int]] = {}
        self._utc_days: dict[int, tuple[int, int]] = {}

    def _offset_naive(self, wall: int, fold: int) -> int:
        dt = (_EPOCH + timedelta(milliseconds=wall)).replace(tzinfo=self.tz, fold=fold)
        return int(dt.utcoffset().total_seconds())  # type: ignore[union-attr]

    def wall_offset(self, wall: int, fold: int = 0) -> int:
        """Offset (s) in force at a naive wall time (``fold`` 1: the repeated hour's second pass)."""
        day = wall // DAY_MS
        ends = self._wall_days.get(day)
        if ends is None:
            ends = (self._offset_naive(day * DAY_MS, 0), self._offset_naive(day * DAY_MS + DAY_MS - 1, 1))
            self._wall_days[day] = ends
        if ends[0] == ends[1]:
            return ends[0]
        return self._offset_naive(wall, fold)

    def steady(self, wall: int) -> bool:
        """No offset change on this wall time's local day."""
        self.wall_offset(wall)
        ends = self._wall_days[wall // DAY_MS]
        return ends[0] == ends[1]

    def ambiguous(self, wall: int) -> bool:
        return self.wall_offset(wall, 0) != self.wall_offset(wall, 1)

    def instant_offset(self, utc: int) -> int:
        """Offset (s) in force at a UTC instant (ms)."""
        day = utc // DAY_MS
        ends = self._utc_days.get(day)
        if ends is None:
            ends = (self._offset_utc(day * DAY_MS), self._offset_utc(day * DAY_MS + DAY_MS - 1))
            self._utc_days[day] = ends
        if ends[0] == ends[1]:
            return ends[0]
        return self._offset_utc(utc)

    def _offset_utc(self, utc: int) -> int:
        dt = (_EPOCH_UTC + timedelta(milliseconds=utc)).astimezone(self.tz)
        return int(dt.utcoffset().total_seconds())  # type: ignore[union-attr]

    def day_offsets(self, day: int) -> set[int]:
        """Every offset in force on a local day."""
        return {self.wall_offset(day * DAY_MS, 0), self.wall_offset(day * DAY_MS + DAY_MS - 1, 1)}


class Evidence:
    """Offsets inferred for local days where a UTC source and a local source overlap.

    An inferred offset replaces the zone's for that local day only when it is none of the
    zone's own offsets that day (travel): on the zone's own days the zone decides, as it knows
    the minute of a DST change. The first inference for a day wins.
    """

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.overrides: dict[int, int] = {}
        self.sources: dict[int, str] = {}

    def add(self, day: int, offset_s: int, source: str) -> bool:
        """Record an inferred offset for a local day; True when it overrides the zone."""
        if not MIN_OFFSET_S <= offset_s <= MAX_OFFSET_S or day in self.overrides:
            return False
        if offset_s in self.zone.day_offsets(day):
            return False
        self.overrides[day] = offset_s
        self.sources[day] = source
        return True

    def override(self, day: int) -> int | None:
        return self.overrides.get(day)


class Clock:
    """Converts times for one zone and the day offsets inferred so far."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.evidence = Evidence(zone)

    def local(self, wall: int, seq: Sequence | None = None) -> tuple[int, int]:
        """(UTC ms, offset s) of a naive wall time; ``seq`` tracks a time series through the
        repeated hour of a fall-back night."""
        override = self.evidence.overrides.get(wall // DAY_MS)
        if override is not None:
            return wall - override * 1000, override
        fold = seq.fold(wall, self.zone) if seq is not None else 0
        off = self.zone.wall_offset(wall, fold)
        utc = wall - off * 1000
        if not self.zone.steady(wall):
            off = self.zone.instant_offset(utc)  # a wall time in a spring-forward gap: the offset in force
        return utc, off

    def instants(self, utc: np.ndarray) -> np.ndarray:
        """:meth:`instant` of many UTC instants (ms): one zone lookup per UTC day where the zone
        keeps one offset all day and no inferred day is near, record by record elsewhere."""
        out = np.empty(len(utc), dtype=np.int64)
        if not len(utc):
            return out
        days = utc // DAY_MS
        near = set()
        for d in self.evidence.overrides:
            near.update((d - 2, d - 1, d, d + 1, d + 2))
        for day in np.unique(days):
            d = int(day)
            sel = days == day
            first, last = self.zone.instant_offset(d * DAY_MS), self.zone.instant_offset(d * DAY_MS + DAY_MS - 1)
            if first == last and d not in near:
                out[sel] = first
            else:
                out[sel] = [self.instant(int(t)) for t in utc[sel]]
        return out

    def instant(self, utc: int) -> int:
        """The offset (s) to store with a UTC instant."""
        off = self.zone.instant_offset(utc)
        overrides = self.evidence.overrides
        if overrides:
            day = (utc + off * 1000) // DAY_MS
            for d in (day, day - 1, day + 1):  # the inferred day may differ from the zone's day
                override = overrides.get(d)
                if override is not None and (utc + override * 1000) // DAY_MS == d:
                    return override
        return off


class Sequence:
    """Which pass of a repeated (fall-back) hour a time series is in: a series that steps back
    in time inside an ambiguous hour has entered its second pass."""

    __slots__ = ("prev", "second")

    def __init__(self) -> None:
        self.prev: int | None = None
        self.second = False

    def fold(self, wall: int, zone: Zone) -> int:
        prev, self.prev = self.prev, wall
        if not zone.ambiguous(wall):
            self.second = False
            return 0
        if prev is not None and wall < prev:
            self.second = True
        return 1 if self.second else 0
