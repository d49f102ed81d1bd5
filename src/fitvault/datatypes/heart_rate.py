"""heart-rate: every intraday sample (docs/facts/google-health-api.md#payload-shapes "Heart rate (intraday list page)").

Wire shape (live fixture FIX-DGH ``heart_rate_sample.json``)::

    {"dataSource": {...}, "heartRate": {"sampleTime": {"physicalTime": "2026-09-14T12:03:05Z",
     "utcOffset": "-14400s", "civilTime": {...}}, "beatsPerMinute": "64", "metadata": {...}}}

Row: (time_ms, source key, utc_offset_s, bpm). Natural key: (time_ms, source). Stored as
compressed day blocks (``store/sample_blocks.py``).

A page of 10,000 samples is ~3.5 MB of JSON. :meth:`HeartRate.parse_bytes` decodes it straight
into typed fields (msgspec, skipping ``civilTime`` and the rest) and parses the columns in numpy:
~0.7 µs a sample instead of ~10 µs for ``json.loads`` plus a loop. Any page it cannot take whole
(a malformed point, an unusual time shape, an implausible value) goes through :meth:`parse`,
which quarantines point by point; both give the same rows where both apply.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

import msgspec

from fitvault import timeutil
from fitvault.datatypes.base import (
    ACTIVITY_SCOPE,
    DISC_BPM,
    HEALTH_METRICS_SCOPE,
    MAX_INSTANT_MS,
    MIN_INSTANT_MS,
    POINT_ERRORS,
    ParsedPage,
    SourceIds,
    SourceKey,
    Stream,
    int64,
    offset_s,
    parse_points,
    plausible,
    source_key,
)

if TYPE_CHECKING:
    from fitvault.store.sample_blocks import Samples

# Heart rates the discovery document allows (HeartRate.beatsPerMinute "in the range [1, 300]"): every
# value inside is stored as sent. (The legacy Fitbit source shares these bounds.)
MIN_BPM, MAX_BPM = DISC_BPM


class _SampleTime(msgspec.Struct, gc=False):
    physicalTime: str
    utcOffset: str | None = None


class _Reading(msgspec.Struct, gc=False):
    sampleTime: _SampleTime
    beatsPerMinute: str | int  # proto3 int64: a string on the wire (docs/facts/google-health-api.md#service-basics), a number tolerated


class _Point(msgspec.Struct, gc=False):
    heartRate: _Reading
    dataSource: msgspec.Raw = msgspec.Raw(b"null")


class _Page(msgspec.Struct, gc=False):
    dataPoints: list[_Point] = []


# gc=False: these objects hold no cycles; tracking 40,000 of them a page doubled the parse time.
_decode_page = msgspec.json.Decoder(_Page).decode
_HEART_RATE = attrgetter("heartRate")
_SAMPLE_TIME = attrgetter("sampleTime")
_PHYSICAL_TIME = attrgetter("physicalTime")
_UTC_OFFSET = attrgetter("utcOffset")
_BPM = attrgetter("beatsPerMinute")
_DATA_SOURCE = attrgetter("dataSource")


def _np_blocks():
    """numpy and ``store.sample_blocks``, imported on first use (``import fitvault`` stays light)."""
    import numpy as np

    from fitvault.store import sample_blocks

    return np, sample_blocks


class SampleRows:
    """A page's samples as column arrays per source: what :meth:`HeartRate.parse_bytes` gives
    and :meth:`HeartRate.save` takes without a row-by-row detour."""

    def __init__(self, by_source: dict[SourceKey, Samples]) -> None:
        self.by_source = by_source

    def __len__(self) -> int:
        return sum(len(s) for s in self.by_source.values())

    def __iter__(self):
        for key, s in self.by_source.items():
            for t, off, bpm in zip(s.time_ms.tolist(), s.utc_offset_s.tolist(), s.bpm.tolist()):
                yield (t, key, off, bpm)


class HeartRate(Stream):
    name = "heart-rate"
    data_type = "heart-rate"
    # Docs gate heart-rate on health_metrics; one peer uses activity_and_fitness (docs/facts/google-health-api.md#scope-of-heart-rate-and-vo2-max).
    # Either grants it here; the auth flow asks for both.
    scopes = (HEALTH_METRICS_SCOPE, ACTIVITY_SCOPE)
    overlap = timedelta(days=2)
    tables = ("heart_rate_blocks",)  # store/sample_blocks.py (numpy loaded only when used)
    table, time_column = "heart_rate", "time_ms"
    local_day_sql = "date(time_ms / 1000 + utc_offset_s, 'unixepoch')"
    records_per_day_guess = 40000.0  # every 2 s while worn on current devices (docs/facts/google-health-api.md#settled-by-captured-payloads)

    def filter_field(self) -> str:
        return "heart_rate.sample_time.physical_time"

    def parse(self, body: dict) -> ParsedPage:
        parse_instant = timeutil.parse_instant_ms  # the hot loop: range checked inline below
        # memo: consecutive points share one dataSource (a fresh object never matches the first)
        last_source: list = [object(), None]
        offsets: dict = {}  # memo: a page has a few distinct offset strings (checked once each)

        def one(point: dict) -> tuple:
            ds = point.get("dataSource")
            if ds is not last_source[0] and ds != last_source[0]:
                last_source[0], last_source[1] = ds, source_key(ds)
            hr = point["heartRate"]
            st = hr["sampleTime"]
            value = hr["beatsPerMinute"]
            bpm = int(value) if type(value) is str else int64(value)  # int64: no bool, no fraction
            if bpm is None:
                raise KeyError("beatsPerMinute")
            if not MIN_BPM <= bpm <= MAX_BPM:
                plausible(bpm, MIN_BPM, MAX_BPM, "heart rate (bpm)")
            t = parse_instant(st["physicalTime"])
            if not MIN_INSTANT_MS <= t < MAX_INSTANT_MS:
                raise ValueError(f"impossible time: {st['physicalTime']!r}")
            text = st.get("utcOffset")
            off = offsets.get(text) if type(text) is str else None
            if off is None:
                off = offset_s(text)
                if type(text) is str:
                    offsets[text] = off
            return (t, last_source[1], off, bpm)

        return parse_points(body, one, lambda row: row[0])

    def parse_bytes(self, body: bytes) -> ParsedPage:
        page = self._parse_columns(body)
        return page if page is not None else self.parse(json.loads(body))

    def _parse_columns(self, body: bytes) -> ParsedPage | None:
        """The whole page in one go, or None when any point needs :meth:`parse`'s care."""
        try:
            points = _decode_page(body).dataPoints
        except msgspec.DecodeError:  # a malformed point or page: the careful path decides
            return None
        if not points:
            return None
        # map + attrgetter: the per-point loops run in C (a third of the time of comprehensions)
        n = len(points)
        readings = list(map(_HEART_RATE, points))
        stamps = list(map(_SAMPLE_TIME, readings))
        time_ms = timeutil.parse_instants_ms(list(map(_PHYSICAL_TIME, stamps)))
        if time_ms is None or time_ms.min() < MIN_INSTANT_MS or time_ms.max() >= MAX_INSTANT_MS:
            return None
        values = list(map(_BPM, readings))
        try:
            try:
                text = "".join(values)  # the wire's int64 strings (docs/facts/google-health-api.md#service-basics)
            except TypeError:  # some sent as JSON numbers: fine if all are
                if set(map(type, values)) != {int}:
                    return None
            else:
                if not (text.isascii() and text.isdigit()):  # int() would take " 64" or "6_4"; parse() decides
                    return None
                values = list(map(int, values))
            np, sample_blocks = _np_blocks()
            bpm = np.array(values, dtype=np.int64)
            offset_texts = list(map(_UTC_OFFSET, stamps))
            if offset_texts.count(offset_texts[0]) == n:  # the usual page: one offset throughout
                off = np.full(n, offset_s(offset_texts[0]), dtype=np.int64)
            else:
                offsets = {text: offset_s(text) for text in set(offset_texts)}
                off = np.array(list(map(offsets.__getitem__, offset_texts)), dtype=np.int64)
            first = points[0].dataSource
            if list(map(_DATA_SOURCE, points)).count(first) != n:
                return None  # several sources on one page: rare; parse() keeps them apart
            key = source_key(json.loads(bytes(first)))
        except (OverflowError, *POINT_ERRORS):
            return None
        if bpm.min() < MIN_BPM or bpm.max() > MAX_BPM:
            return None
        page = ParsedPage(rows=SampleRows({key: sample_blocks.Samples(time_ms, off, bpm)}))  # type: ignore[arg-type]
        page.oldest, page.newest = int(time_ms.min()), int(time_ms.max())
        return page

    def save(self, conn: sqlite3.Connection, rows, source_ids: SourceIds) -> int:
        """Merge into the day blocks; returns the samples added or changed."""
        np, sample_blocks = _np_blocks()
        if isinstance(rows, SampleRows):
            groups = rows.by_source
        else:
            lists: dict = {}
            for t, src, off, bpm in rows:
                lists.setdefault(src, ([], [], []))
                cols = lists[src]
                cols[0].append(t)
                cols[1].append(off)
                cols[2].append(bpm)
            groups = {src: sample_blocks.Samples(*(np.array(c, dtype=np.int64) for c in cols)) for src, cols in lists.items()}
        return sum(sample_blocks.upsert(conn, source_ids(src), samples) for src, samples in groups.items())

    # -- what the vault holds (blocks, not rows) --------------------------------------------
    def summary(self, conn: sqlite3.Connection) -> tuple[int, str | None, str | None]:
        _, sample_blocks = _np_blocks()
        n, lo, hi = sample_blocks.stats(conn)
        return n, self._format_time(lo), self._format_time(hi)

    def local_days(self, conn: sqlite3.Connection) -> list[str]:
        np, sample_blocks = _np_blocks()
        days: set[int] = set()
        for a in sample_blocks.read_chunks(conn, chunk_rows=2_000_000):
            days.update(np.unique((a["time_ms"] // 1000 + a["utc_offset_s"]) // 86400).tolist())
        return [str(np.datetime64(d, "D")) for d in sorted(days)]

    def records_per_day(self, conn: sqlite3.Connection) -> float:
        _, sample_blocks = _np_blocks()
        _, _, hi = sample_blocks.stats(conn)
        if hi is None:
            return self.records_per_day_guess
        return max(sample_blocks.count_since(conn, hi - 30 * 86_400_000) / 30, 1.0)
