"""Time as data: UTC instants in epoch milliseconds plus the UTC offset in force, in seconds.

The Google Health API sends every non-daily record as a UTC instant (RFC 3339 with ``Z``) and
the user's offset at that instant as a proto3 duration string (``"-14400s"``); daily records
carry only a civil date (reference §2.2). fitvault stores exactly that and derives local wall
time from instant + offset. The host machine's time zone is never consulted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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
    """date -> ``{"year", "month", "day"}`` as JSON numbers (no leading zeros, reference §1.7)."""
    return {"year": d.year, "month": d.month, "day": d.day}


def utc_midnight_ms(d: date) -> int:
    """Epoch ms of 00:00 UTC on a date."""
    return to_ms(datetime(d.year, d.month, d.day, tzinfo=UTC))


def utc_now_ms() -> int:
    return to_ms(datetime.now(UTC))


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]  # positions in "YYYY-MM-DDTHH:MM:SSZ"


def parse_instants_ms(texts: list[str]) -> np.ndarray | None:
    """Many ``"YYYY-MM-DDTHH:MM:SSZ"`` timestamps -> epoch ms, all at once in numpy.

    The API's usual shape only (a page of heart rate is 10,000 of them); returns None when any
    text has another shape or is not a real time, and the caller parses them one by one with
    :func:`parse_instant_ms`, which gives the same result where both apply.
    """
    import numpy as np  # here: `import fitvault` stays light

    n = len(texts)
    if n == 0:
        return np.empty(0, np.int64)
    if set(map(len, texts)) != {20}:
        return None
    try:
        raw = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    a = np.frombuffer(raw, np.uint8).reshape(n, 20)
    separators = (a[:, 4] == 45) & (a[:, 7] == 45) & (a[:, 10] == 84) & (a[:, 13] == 58) & (a[:, 16] == 58) & (a[:, 19] == 90)
    digits = a[:, _DIGITS] - np.uint8(48)  # a non-digit wraps around to > 9
    if not separators.all() or (digits > 9).any():
        return None
    d = digits.astype(np.int64)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hour, minute, second = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
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
