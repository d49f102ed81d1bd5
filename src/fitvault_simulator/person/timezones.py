"""The person's time-zone history and fast UTC-offset lookups.

Home is New York; two trips (absolute instants, so tests can rely on them). Every record the
simulator serves carries the offset in force at its own instant (docs/facts/google-health-api.md#record-shapes: "the user's UTC
offset at that moment"), looked up here from a precomputed transition table.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

HOME_ZONE = "America/New_York"


def parse_utc(text: str) -> int:
    """Epoch seconds of an RFC 3339 UTC text such as ``2026-06-10T14:00:00Z``."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


#: (zone, first instant, end instant) of each stay away from home, epoch seconds.
TRIPS: tuple[tuple[str, int, int], ...] = (
    ("Europe/Berlin", parse_utc("2026-06-10T14:00:00Z"), parse_utc("2026-06-20T08:00:00Z")),
    ("Asia/Tokyo", parse_utc("2026-11-10T13:00:00Z"), parse_utc("2026-11-15T02:00:00Z")),
)

_SPAN = (parse_utc("1990-01-01T00:00:00Z"), parse_utc("2060-01-01T00:00:00Z"))
_WEEK = 7 * 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_offset(name: str, t: int) -> int:
    """UTC offset (seconds) of IANA zone ``name`` at epoch second ``t`` (direct, slow path)."""
    off = datetime.fromtimestamp(t, tz=_zone(name)).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _changes(name: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Offset changes of ``name`` in [lo, hi): (first second of the new offset, new offset)."""
    out: list[tuple[int, int]] = []
    t, off = lo, zone_offset(name, lo)
    while t < hi:
        nxt = min(t + _WEEK, hi)
        noff = zone_offset(name, nxt) if nxt < hi else off
        if noff != off:
            a, b = t, nxt  # offset(a) == off, offset(b) != off: bisect to the second
            while b - a > 1:
                mid = (a + b) // 2
                if zone_offset(name, mid) == off:
                    a = mid
                else:
                    b = mid
            out.append((b, noff))
            off = noff
        t = nxt
    return out


@dataclass(frozen=True)
class Transition:
    """From ``start`` (epoch s) on, the person is in ``zone`` at ``offset`` seconds."""

    start: int
    zone: str
    offset: int


class ZoneHistory:
    """Where the person was, as a sorted table of offset transitions."""

    def __init__(self, home: str = HOME_ZONE, trips: tuple[tuple[str, int, int], ...] = TRIPS):
        segments: list[tuple[int, int, str]] = []
        cursor = _SPAN[0]
        for zone, start, end in sorted(trips, key=lambda x: x[1]):
            segments.append((cursor, start, home))
            segments.append((start, end, zone))
            cursor = end
        segments.append((cursor, _SPAN[1], home))
        table: list[Transition] = []
        for lo, hi, zone in segments:
            table.append(Transition(lo, zone, zone_offset(zone, lo)))
            table.extend(Transition(t, zone, off) for t, off in _changes(zone, lo, hi))
        self._table = table
        self._starts = [tr.start for tr in table]
        self.home = home

    def at(self, t: int) -> Transition:
        """The transition in force at epoch second ``t``."""
        i = bisect.bisect_right(self._starts, t) - 1
        if i < 0 or t >= _SPAN[1]:
            zone = self._table[0].zone if i < 0 else self._table[-1].zone
            return Transition(t, zone, zone_offset(zone, t))
        return self._table[i]

    def offset_at(self, t: int) -> int:
        """UTC offset in seconds at epoch second ``t``."""
        return self.at(t).offset

    def zone_at(self, instant: datetime) -> tuple[str, int]:
        """(IANA zone name, UTC offset seconds) in force at a tz-aware instant."""
        tr = self.at(int(instant.timestamp() // 1))
        return tr.zone, tr.offset

    def changes_between(self, lo: int, hi: int) -> list[Transition]:
        """The transition in force at ``lo`` followed by every one in (lo, hi)."""
        i = max(bisect.bisect_right(self._starts, lo) - 1, 0)
        j = bisect.bisect_left(self._starts, hi)
        out = [self.at(lo)] + self._table[i + 1 : j]
        return out

    def local_to_utc(self, local: datetime) -> int:
        """Earliest epoch second whose local wall time (per this history) is ``local`` (naive).

        A wall time inside a gap (spring-forward, eastward flight) is pushed forward by the gap,
        as ``zoneinfo`` does with ``fold=0``.
        """
        naive_s = (local.toordinal() - EPOCH_ORDINAL) * 86_400 + (
            local.hour * 3600 + local.minute * 60 + local.second
        )
        best: int | None = None
        for tr in self.changes_between(naive_s - 16 * 3600, naive_s + 16 * 3600):
            cand = naive_s - tr.offset
            if self.offset_at(cand) == tr.offset and (best is None or cand < best):
                best = cand
        if best is None:  # a gap: read the wall time with the offset from before it
            best = naive_s - self.offset_at(naive_s - 16 * 3600)
        return best

    def local_midnight(self, day: date) -> int:
        """Epoch second of the first instant whose local date is ``day``."""
        return self.local_to_utc(datetime.combine(day, time(0, 0)))


def local_date(t: int, offset: int) -> date:
    """Local calendar date of epoch second ``t`` at ``offset``."""
    return date.fromordinal(EPOCH_ORDINAL + (t + offset) // 86_400)


def utc_datetime(t: int) -> datetime:
    """Epoch seconds -> tz-aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=t)
