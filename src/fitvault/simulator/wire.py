"""proto3-JSON building blocks (reference §1.1, §2.2): instants, offsets, civil times, sources.

Deliberately independent of the client's parsers: this module only *writes* the wire format.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=8192)
def _day(days: int) -> tuple[str, int, int, int]:
    d = date.fromordinal(_EPOCH_ORDINAL + days)
    return d.isoformat(), d.year, d.month, d.day


def _utc_text(s: int) -> str:
    days, sod = divmod(s, 86_400)
    return f"{_day(days)[0]}T{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}"


def timestamp(ms: int) -> str:
    """``google-datetime``: RFC 3339 UTC with ``Z``; fractional seconds only when non-zero."""
    s, frac = divmod(ms, 1000)
    return f"{_utc_text(s)}.{frac:03d}Z" if frac else f"{_utc_text(s)}Z"


def timestamp_us(us: int) -> str:
    """Microsecond-precision RFC 3339 UTC (``createTime``/``updateTime`` style)."""
    s, frac = divmod(us, 1_000_000)
    return f"{_utc_text(s)}.{frac:06d}Z" if frac else f"{_utc_text(s)}Z"


def duration(seconds: int) -> str:
    """``google-duration`` of whole seconds: ``"-14400s"``."""
    return f"{seconds}s"


def date_json(d: date) -> dict:
    """``google.type.Date``."""
    return {"year": d.year, "month": d.month, "day": d.day}


def time_json(hours: int = 0, minutes: int = 0, seconds: int = 0, nanos: int = 0) -> dict:
    """``TimeOfDay`` with zero members omitted (midnight is ``{}``, reference §1.7)."""
    out = {}
    if hours:
        out["hours"] = hours
    if minutes:
        out["minutes"] = minutes
    if seconds:
        out["seconds"] = seconds
    if nanos:
        out["nanos"] = nanos
    return out


def civil(ms: int, offset_s: int) -> dict:
    """``CivilDateTime`` of an instant seen at ``offset_s``."""
    local_ms = ms + offset_s * 1000
    days, rem = divmod(local_ms, 86_400_000)
    secs, milli = divmod(rem, 1000)
    _text, y, m, d = _day(days)
    return {"date": {"year": y, "month": m, "day": d},
            "time": time_json(secs // 3600, secs // 60 % 60, secs % 60, milli * 1_000_000)}


def civil_midnight(d: date) -> dict:
    """``CivilDateTime`` of a date at midnight, as dailyRollUp returns it (``"time": {}``)."""
    return {"date": date_json(d), "time": {}}


def point(key: str, body: dict, reconciled: bool, source: dict, name: str | None = None) -> dict:
    """A list ``DataPoint`` (``name``, ``dataSource``, union key) or, reconciled, a
    ``ReconciledDataPoint`` (``dataPointName``, no ``dataSource``; reference §1.5)."""
    if reconciled:
        return {"dataPointName": name, key: body} if name else {key: body}
    out: dict = {"name": name} if name else {}
    out["dataSource"] = source
    out[key] = body
    return out


def data_source(method: str, display_name: str | None = None, form_factor: str | None = None) -> dict:
    """``DataSource`` of a Fitbit-platform record."""
    out: dict = {"recordingMethod": method}
    if display_name is not None:
        device = {}
        if form_factor:
            device["formFactor"] = form_factor
        device["displayName"] = display_name
        out["device"] = device
    out["platform"] = "FITBIT"
    return out


def number(x: float) -> float | int:
    """A double as proto3-JSON prints it: integral values without ``.0``."""
    return int(x) if float(x).is_integer() else x
