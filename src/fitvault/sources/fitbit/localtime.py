"""Floating local times of the legacy API turned into UTC instants and the offset in force.

The legacy API sends local wall-clock times without an offset (reference §1.0, §5.1): intraday
``"HH:MM:SS"`` under a date, sleep ``"2024-03-01T23:05:30.000"``, weight ``date`` + ``time``.
fitvault reads them in the profile's IANA zone (``timezone``; ``offsetFromUTCMillis`` is only
the *current* offset and is used alone when the zone is unknown) and derives the offset of each
instant from the zone's rules, so a summer sample gets the summer offset.

DST (reference §5.2): when clocks go back, one wall hour happens twice. A lone wall time in that
hour is read as its first occurrence (``fold=0``). A *sequence* of times in recording order
(an intraday dataset, a sleep's stages) is resolved with :meth:`LocalTime.sequence`: each time
is the earliest instant with that wall time that is not before the previous one, so when the
wall clock steps back inside the repeated hour the samples after the step are the second
occurrence. When clocks go forward, a wall time inside the skipped hour cannot come from a
device that follows the zone; it is read as ``zoneinfo`` does (``fold=0``: pushed forward).

Travel is lost (reference §5.1): the profile holds today's zone only, so times recorded in
another zone are read in today's zone and land hours off. Activity logs are the exception:
their ``startTime`` carries its offset and is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def wall_seconds(day: date, clock: str) -> int:
    """Wall seconds (seconds since the epoch, as if UTC) of ``day`` at ``"HH:MM[:SS]"``."""
    h, m = int(clock[0:2]), int(clock[3:5])
    s = int(clock[6:8]) if len(clock) >= 8 else 0
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60) or clock[2] != ":":
        raise ValueError(f"not a time of day: {clock!r}")
    return (day.toordinal() - _EPOCH_ORDINAL) * 86_400 + h * 3600 + m * 60 + s


def local_date(ms: int, offset_s: int) -> date:
    """The local date of the instant ``ms`` (epoch milliseconds) at UTC offset ``offset_s``."""
    return date.fromordinal(_EPOCH_ORDINAL + (ms // 1000 + offset_s) // 86_400)


def parse_wall(text: str) -> int:
    """Wall seconds of ``"YYYY-MM-DDTHH:MM:SS[.fff]"`` (no offset; milliseconds dropped)."""
    if len(text) < 19 or text[10] != "T":
        raise ValueError(f"not a local date-time: {text!r}")
    return wall_seconds(date.fromisoformat(text[:10]), text[11:19])


class LocalTime:
    """One zone's wall times → (epoch ms, UTC offset s).

    Args:
        zone_name: an IANA zone (the profile's ``timezone``).
        fallback_offset_s: used, without DST, when the zone is missing or unknown.
    """

    def __init__(self, zone_name: str | None, fallback_offset_s: int = 0) -> None:
        self.zone_name = zone_name
        zone: tzinfo | None = None
        if zone_name:
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                zone = None
        self.zone: tzinfo = zone or timezone(timedelta(seconds=fallback_offset_s))
        self._hours: dict[int, int | None] = {}

    def offset_at(self, ms: int) -> int:
        """UTC offset in seconds in force at epoch ``ms``."""
        off = datetime.fromtimestamp(ms // 1000, self.zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def _candidates(self, wall: int) -> tuple[int, int]:
        naive = _EPOCH + timedelta(seconds=wall)
        first = int(naive.replace(tzinfo=self.zone, fold=0).timestamp())
        second = int(naive.replace(tzinfo=self.zone, fold=1).timestamp())
        return first, second

    def _uniform_offset(self, hour: int) -> int | None:
        """The offset of every wall time in wall hour ``hour`` if the hour is plain (neither
        repeated nor skipped, in whole or in part), else None."""
        if hour not in self._hours:
            result = None
            a0, a1 = self._candidates(hour * 3600)
            b0, b1 = self._candidates(hour * 3600 + 3599)
            if a0 == a1 and b0 == b1 and hour * 3600 - a0 == hour * 3600 + 3599 - b0:
                result = hour * 3600 - a0
                if self.offset_at(a0 * 1000) != result:  # a skipped hour reads back differently
                    result = None
            self._hours[hour] = result
        return self._hours[hour]

    def resolve(self, wall: int, not_before_ms: int | None = None) -> tuple[int, int]:
        """(epoch ms, offset s) of wall seconds ``wall``: the earliest instant with that wall
        time not before ``not_before_ms`` (the first occurrence when not given)."""
        off = self._uniform_offset(wall // 3600)
        if off is not None:
            return (wall - off) * 1000, off
        first, second = self._candidates(wall)
        chosen = first
        if first > second:
            pass  # a skipped wall time: fold=0 reads it with the offset from before the gap
        elif not_before_ms is not None and first * 1000 < not_before_ms:
            chosen = second  # the repeated hour's second pass
        ms = chosen * 1000
        return ms, self.offset_at(ms)

    def sequence(self, walls: Iterable[int], not_before_ms: int | None = None) -> list[tuple[int, int]]:
        """Resolve wall times listed in recording order (see the module docstring)."""
        out = []
        prev = not_before_ms
        for wall in walls:
            ms, off = self.resolve(wall, prev)
            out.append((ms, off))
            prev = ms
        return out

    def today(self, now_ms: int) -> date:
        """The local date at epoch ``now_ms``."""
        return date.fromordinal(_EPOCH_ORDINAL + (now_ms // 1000 + self.offset_at(now_ms)) // 86_400)


@lru_cache(maxsize=8)
def local_time(zone_name: str | None, fallback_offset_s: int = 0) -> LocalTime:
    """A shared :class:`LocalTime` per zone (its hour cache makes big intraday days cheap)."""
    return LocalTime(zone_name, fallback_offset_s)
