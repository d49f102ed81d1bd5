"""The simulated UTC clock: data exists only up to ``now()``, token lifetimes run on it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SimClock:
    """A settable UTC clock.

    Frozen at ``start`` when one is given (only :meth:`advance` and :meth:`set` move it);
    otherwise it follows the real UTC clock, and :meth:`advance`/:meth:`set` shift it.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SimClock start must be timezone-aware")
        self._lock = threading.Lock()
        self._ticking = start is None
        self._fixed = start.astimezone(timezone.utc) if start is not None else _EPOCH
        self._shift = timedelta(0)

    def now(self) -> datetime:
        """The current simulated instant (tz-aware UTC)."""
        with self._lock:
            if self._ticking:
                return datetime.now(timezone.utc) + self._shift
            return self._fixed

    def now_ms(self) -> int:
        """``now()`` as integer epoch milliseconds."""
        return to_ms(self.now())

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, if negative); returns the new now."""
        with self._lock:
            if self._ticking:
                self._shift += timedelta(seconds=seconds)
            else:
                self._fixed += timedelta(seconds=seconds)
        return self.now()

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (tz-aware)."""
        if instant.tzinfo is None:
            raise ValueError("SimClock.set needs a timezone-aware datetime")
        instant = instant.astimezone(timezone.utc)
        with self._lock:
            if self._ticking:
                self._shift = instant - datetime.now(timezone.utc)
            else:
                self._fixed = instant
        return self.now()


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of a tz-aware datetime (floor)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime where a tz-aware one is required")
    delta = instant - _EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
