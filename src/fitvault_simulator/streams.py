"""Per-type record streams for list/reconcile: newest first, filtered, resumable by key.

Each stream yields records in descending ``key`` order (sample time, interval start, date, or
session start — docs/facts/google-health-api.md#list-and-paging "ordered by the interval start time in descending order") and
applies the filter's semantics for its record kind (docs/facts/google-health-api.md#filters): physical bounds cut the walk; civil
bounds compare each record's local wall time; sleep filters apply to the session's end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from operator import itemgetter
from typing import Protocol

from . import serialize
from .filters import CIVIL, Filter, date_ms
from .person import SyntheticPerson

_MAX_OFFSET_MS = 14 * 3600 * 1000  # UTC offsets lie within [-12 h, +14 h]
_DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_CHUNK = timedelta(days=62)  # daily records are generated this many days at a time


class Stream(Protocol):
    """What the list engine needs from a data type (optionally also ``to_text``, the wire
    shape as JSON text, which the list engine prefers: see :mod:`.wire`)."""

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        """Records passing ``flt`` with key <= ``upto_key``, key descending."""

    def key(self, rec: tuple) -> int:
        """The ordering key (epoch ms)."""

    def to_json(self, rec: tuple, reconciled: bool) -> dict:
        """The wire shape."""


class TimedStream:
    """Heart-rate samples or step intervals: the key is the (start) instant, civil = key + offset.
    Serialised by ``to_json`` or, for the high-volume types, ``to_text`` (``to_json`` then
    decodes its text)."""

    def __init__(self, walk: Callable[..., Iterator[tuple]], lo_ms: int, as_of_ms: int,
                 to_json: Callable[[tuple, bool], dict] | None = None, manual: Callable[[tuple], bool] | None = None,
                 *, to_text: Callable[[tuple, bool], str] | None = None) -> None:
        self._walk, self._lo, self._as_of = walk, lo_ms, as_of_ms
        self.to_text = to_text
        if to_json is None:
            if to_text is None:
                raise TypeError("TimedStream needs to_json or to_text")
            to_json = lambda rec, reconciled: json.loads(to_text(rec, reconciled))  # noqa: E731
        self.to_json = to_json
        self.manual = manual  # listing drops manual entries for the google-wearables family

    key = staticmethod(itemgetter(0))

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        lo, hi = self._lo, self._as_of + 1
        civil = None
        if flt is not None:
            b_lo, b_hi = flt.bounds()
            pad = _MAX_OFFSET_MS if flt.kind == CIVIL else 0
            civil = flt if flt.kind == CIVIL else None
            lo = lo if b_lo is None else max(lo, b_lo - pad)
            hi = hi if b_hi is None else min(hi, b_hi + pad)
        if upto_key is not None:
            hi = min(hi, upto_key + 1)
        records = self._walk(lo, hi, self._as_of, descending=True)
        if civil is None:
            return records
        return (rec for rec in records if civil.matches(rec[0] + rec[1] * 1000))


def heart_rate(person: SyntheticPerson, as_of_ms: int) -> Stream:
    """The heart-rate sample stream."""
    return TimedStream(person.iter_heart_rate, person.history_start_s * 1000, as_of_ms,
                       to_text=serialize.heart_rate_text)


def steps(person: SyntheticPerson, as_of_ms: int) -> Stream:
    """The 1-minute steps interval stream."""
    return TimedStream(person.iter_steps, person.history_start_s * 1000, as_of_ms, to_text=serialize.steps_text)


class DailyStream:
    """Daily records ``(date, ...)`` from ``fetch(first, end, as_of_ms)`` (ascending): the key is
    the date, its midnight read as UTC (how DATE filters compare)."""

    def __init__(self, fetch: Callable[[date, date, int], list[tuple]], first: date, as_of_ms: int,
                 to_json: Callable[[tuple, bool], dict]) -> None:
        self._fetch, self._first, self._as_of = fetch, first, as_of_ms
        self.to_json = to_json

    def key(self, rec: tuple) -> int:
        return date_ms(rec[0])

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        first = self._first
        end = _ms_date(self._as_of) + timedelta(days=2)
        lo, hi = flt.bounds() if flt is not None else (None, None)
        if lo is not None:
            first = max(first, _ms_date(-(-lo // _DAY_MS) * _DAY_MS))
        if hi is not None:
            end = min(end, _ms_date(-(-hi // _DAY_MS) * _DAY_MS))
        if upto_key is not None:
            end = min(end, _ms_date(upto_key) + timedelta(days=1))
        while first < end:  # newest chunk first: a short page does not generate the whole history
            chunk = max(first, end - _CHUNK)
            for rec in reversed(self._fetch(chunk, end, self._as_of)):
                if flt is None or flt.matches(date_ms(rec[0])):
                    yield rec
            end = chunk


def resting_heart_rate(person: SyntheticPerson, as_of_ms: int) -> Stream:
    """The daily resting heart-rate stream."""
    return DailyStream(person.iter_resting, person.history_start, as_of_ms, serialize.resting_heart_rate)


class _Sleep:
    def __init__(self, person: SyntheticPerson, as_of_ms: int) -> None:
        self._p, self._as_of = person, as_of_ms

    def key(self, rec: tuple) -> int:
        return rec.start_ms  # type: ignore[attr-defined]

    def to_json(self, rec: tuple, reconciled: bool) -> dict:
        return serialize.sleep(rec, reconciled)  # type: ignore[arg-type]

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        lo, hi = self._p.history_start_s * 1000, self._as_of + 1
        if flt is not None and not flt.has_or:
            b_lo, b_hi = flt.bounds()
            pad = _MAX_OFFSET_MS if flt.kind == CIVIL else 0
            lo = lo if b_lo is None else max(lo, b_lo - pad)
            hi = hi if b_hi is None else min(hi, b_hi + pad)
        sessions = self._p.iter_sleep(lo, hi, self._as_of)
        for s in reversed(sessions):
            if upto_key is not None and s.start_ms > upto_key:
                continue
            value = s.end_ms + (s.end_offset_s * 1000 if flt is not None and flt.kind == CIVIL else 0)
            if flt is None or flt.matches(value):
                yield s  # type: ignore[misc]


def sleep(person: SyntheticPerson, as_of_ms: int) -> Stream:
    """The sleep session stream (filter on the end time, docs/facts/google-health-api.md#filters)."""
    return _Sleep(person, as_of_ms)


def _ms_date(ms: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + ms // _DAY_MS)


#: data type id -> stream factory, for the types the simulated person has data for
STREAMS: dict[str, Callable[[SyntheticPerson, int], Stream]] = {
    "heart-rate": heart_rate,
    "steps": steps,
    "daily-resting-heart-rate": resting_heart_rate,
    "sleep": sleep,
}

# The other families register their streams in their own modules.
from .extras_api import STREAMS as _EXTRA_STREAMS  # noqa: E402
from .fitness_api import STREAMS as _FITNESS_STREAMS  # noqa: E402
from .vitals_api import STREAMS as _VITALS_STREAMS  # noqa: E402

STREAMS.update(_FITNESS_STREAMS)
STREAMS.update(_VITALS_STREAMS)
STREAMS.update(_EXTRA_STREAMS)
