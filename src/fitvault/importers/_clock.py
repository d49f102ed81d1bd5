"""Time for importers: the person's zone, and offsets learned from the archive itself.

Archive times come in three kinds (docs/facts/archives.md#clocks): naive local wall times (Global Export
``MM/DD/YY HH:MM:SS``, ISO without ``Z``, the tutorials' ``HH:MM:SS`` plus a date from the file
name), UTC instants (``...Z``), and civil dates. fitvault stores a UTC instant plus the offset
in force, so both kinds of time need the person's zone, read by fitvault's one wall-time rule
(:class:`fitvault.timeutil.Zone`, :class:`fitvault.timeutil.Sequence`: the repeated hour of a
fall-back night by recording order, a spring-forward gap pushed forward); a UTC instant gets
the zone's offset at that instant.

A day on which evidence shows the person was elsewhere (see :class:`Evidence`) uses the
inferred offset instead, for every record of that local day.

Wall times are handled as "wall ms": epoch milliseconds of the wall time read as if it were UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from fitvault.timeutil import DAY_MS, Sequence, Zone, char_matrix, civil_ms_many, parse_iso_wall, wall_ms

_EPOCH = datetime(1970, 1, 1)
MIN_OFFSET_S, MAX_OFFSET_S = -12 * 3600, 14 * 3600


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


_MDY_DIGITS = [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16]  # positions in "MM/DD/YY HH:MM:SS"


def parse_mdy_many(texts: list[str]) -> np.ndarray | None:
    """:func:`parse_mdy` of many ``MM/DD/YY HH:MM:SS`` stamps at once (wall ms), or None when any
    has another shape or is not a real time: the caller then reads them one by one, and
    :func:`parse_mdy` gives the same result where both apply."""
    if not texts:
        return np.empty(0, np.int64)
    a = char_matrix(texts, 17)
    if a is None:
        return None
    separators = (a[:, 2] == 47) & (a[:, 5] == 47) & (a[:, 8] == 32) & (a[:, 11] == 58) & (a[:, 14] == 58)
    digits = a[:, _MDY_DIGITS] - np.uint8(48)  # a non-digit wraps around to > 9
    if not separators.all() or (digits > 9).any():
        return None
    d = digits.astype(np.int64)
    pairs = [d[:, i] * 10 + d[:, i + 1] for i in range(0, 12, 2)]
    month, day, year, hour, minute, second = pairs
    return civil_ms_many(2000 + year, month, day, hour, minute, second)


def date_text(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).date().isoformat()


def day_from_text(text: str) -> int:
    """``YYYY-MM-DD`` -> day number (days since 1970-01-01)."""
    return parse_iso_wall(text[:10]) // DAY_MS


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
        return self.zone.resolve(wall) if seq is None else seq.resolve(wall, self.zone)

    def instants(self, utc: np.ndarray) -> np.ndarray:
        """:meth:`instant` of many UTC instants (ms): one zone lookup per UTC day where the zone
        keeps one offset all day and no inferred day is near, record by record elsewhere."""
        out = np.empty(len(utc), dtype=np.int64)
        if not len(utc):
            return out
        days = utc // DAY_MS
        near: set[int] = set()
        for d in self.evidence.overrides:
            near.update((d - 2, d - 1, d, d + 1, d + 2))
        for day in np.unique(days):
            d = int(day)
            sel = days == day
            first, last = self.zone.offset_at(d * DAY_MS), self.zone.offset_at(d * DAY_MS + DAY_MS - 1)
            if first == last and d not in near:
                out[sel] = first
            else:
                out[sel] = [self.instant(int(t)) for t in utc[sel]]
        return out

    def zone_offsets(self, utc: np.ndarray) -> np.ndarray:
        """The zone's own offset (s) at many UTC instants (ms), inferred days aside: one lookup
        per UTC day where the zone keeps one offset all day, instant by instant elsewhere."""
        out = np.empty(len(utc), dtype=np.int64)
        days = utc // DAY_MS
        for day in np.unique(days).tolist():
            sel = days == day
            first, last = self.zone.offset_at(day * DAY_MS), self.zone.offset_at(day * DAY_MS + DAY_MS - 1)
            out[sel] = first if first == last else [self.zone.offset_at(t) for t in utc[sel].tolist()]
        return out

    def instant(self, utc: int) -> int:
        """The offset (s) to store with a UTC instant."""
        off = self.zone.offset_at(utc)
        overrides = self.evidence.overrides
        if overrides:
            day = (utc + off * 1000) // DAY_MS
            for d in (day, day - 1, day + 1):  # the inferred day may differ from the zone's day
                override = overrides.get(d)
                if override is not None and (utc + override * 1000) // DAY_MS == d:
                    return override
        return off
