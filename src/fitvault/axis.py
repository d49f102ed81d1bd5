"""The two time axes a stream's windows are measured on.

A window, its cursor and a record's position are points on one axis: an instant (epoch
milliseconds, for data recorded at a moment: heart rate, steps intervals) or a civil date (for
data dated by a local day: daily summaries, sleep, every legacy Fitbit series). Each axis knows
the few operations the planner, the walks and the progress bookkeeping need, so none of them
branches on which axis a stream uses:

* :meth:`~Axis.format` / :meth:`~Axis.parse`: the text stored in ``sync_jobs`` / ``sync_state``,
  fixed width so that text order is time order;
* :meth:`~Axis.filter_value`: the text an API filter compares with;
* :meth:`~Axis.after`: the smallest exclusive upper bound that still holds a point (the resume
  bound of a newest-first walk: records may share the oldest position, so it is kept);
* :meth:`~Axis.back`, :meth:`~Axis.days`: step back by a duration, measure a span in days;
* :meth:`~Axis.since` / :meth:`~Axis.until` / :meth:`~Axis.now`: where a local date or "now"
  falls on the axis, wide enough to cover that date in every time zone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date, timedelta
from typing import Any, Generic, Literal, TypeVar, Union

from fitvault import timeutil

#: A position on an axis: epoch ms on :data:`INSTANT`, a civil date on :data:`DAY`.
Bound = Union[int, date]

# A civil date spans UTC from 14 h before to 12 h after the UTC date of the same name (UTC+14
# to UTC-12), so instant windows derived from dates are widened by these to cover every zone.
# (Searches in the vault pad both sides by timeutil.ZONE_PAD_MS, the larger one; a request
# window keeps the exact late side, so it asks for no more than it must.)
EARLIEST_ZONE_MS = timeutil.ZONE_PAD_MS
LATEST_ZONE_MS = 12 * 3_600_000


T = TypeVar("T", int, date)


class Axis(ABC, Generic[T]):
    """The operations on one axis (positions of type ``T``)."""

    name: Literal["instant", "date"]
    #: Whether a long window may be cut into pieces walked in parallel (see sync/plan.py).
    divisible: bool

    @abstractmethod
    def parse(self, text: str) -> T:
        ...

    @abstractmethod
    def format(self, value: T) -> str:
        ...

    @abstractmethod
    def filter_value(self, value: T) -> str:
        ...

    @abstractmethod
    def after(self, value: T) -> T:
        ...

    @abstractmethod
    def back(self, value: T, by: timedelta) -> T:
        ...

    @abstractmethod
    def days(self, lower: T, upper: T) -> float:
        ...

    @abstractmethod
    def of_instant(self, ms: int, offset_s: int) -> T:
        ...

    @abstractmethod
    def since(self, day: date) -> T:
        ...

    @abstractmethod
    def until(self, day: date) -> T:
        ...

    @abstractmethod
    def now(self, now_ms: int) -> T:
        ...

    @abstractmethod
    def latest(self, now_ms: int) -> T:
        ...


class InstantAxis(Axis[int]):
    """Epoch milliseconds (UTC)."""

    name: Literal["instant"] = "instant"
    divisible = True

    def parse(self, text: str) -> int:
        return timeutil.parse_instant_ms(text)

    def format(self, value: int) -> str:
        """RFC 3339 UTC, always with milliseconds (fixed width)."""
        text = timeutil.format_instant(value)
        return text if "." in text else text[:-1] + ".000Z"

    def filter_value(self, value: int) -> str:
        return timeutil.format_instant(value)

    def after(self, value: int) -> int:
        return value + 1

    def back(self, value: int, by: timedelta) -> int:
        return value - by // timedelta(milliseconds=1)

    def days(self, lower: int, upper: int) -> float:
        return (upper - lower) / timeutil.DAY_MS

    def of_instant(self, ms: int, offset_s: int) -> int:
        """A record's position from its instant and UTC offset."""
        return ms

    def since(self, day: date) -> int:
        """The lower bound that includes the local date ``day`` in every zone."""
        return timeutil.utc_midnight_ms(day) - EARLIEST_ZONE_MS

    def until(self, day: date) -> int:
        """The exclusive upper bound that includes the whole local date ``day`` in every zone."""
        return timeutil.utc_midnight_ms(day + timedelta(days=1)) + LATEST_ZONE_MS

    def now(self, now_ms: int) -> int:
        """The exclusive upper bound of an open-ended window: now, up to the next whole second."""
        return now_ms + 1000 - now_ms % 1000

    def latest(self, now_ms: int) -> int:
        """The latest a covered range may reach (a cursor is never recorded in the future)."""
        return now_ms


class DayAxis(Axis[date]):
    """Civil dates (a local day, whatever the zone)."""

    name: Literal["date"] = "date"
    divisible = False

    def parse(self, text: str) -> date:
        return date.fromisoformat(text)

    def format(self, value: date) -> str:
        return value.isoformat()

    def filter_value(self, value: date) -> str:
        return value.isoformat()

    def after(self, value: date) -> date:
        return value + timedelta(days=1)

    def back(self, value: date, by: timedelta) -> date:
        return value - by

    def days(self, lower: date, upper: date) -> float:
        return float((upper - lower).days)

    def of_instant(self, ms: int, offset_s: int) -> date:
        return timeutil.local_date(ms, offset_s)

    def since(self, day: date) -> date:
        return day

    def until(self, day: date) -> date:
        return day + timedelta(days=1)

    def now(self, now_ms: int) -> date:
        # The latest local date anywhere is UTC today + 1 (UTC+14); the bound is exclusive.
        return timeutil.from_ms(now_ms).date() + timedelta(days=2)

    def latest(self, now_ms: int) -> date:
        # A date window reaches "tomorrow anywhere on Earth"; the covered range stops at today (UTC).
        return timeutil.from_ms(now_ms).date()


INSTANT = InstantAxis()
DAY = DayAxis()
AXES: dict[str, Axis[Any]] = {"instant": INSTANT, "date": DAY}
