"""``rollUp`` (physical windows, reference §1.6) and ``dailyRollUp`` (civil days, §1.7).

Windows are anchored at the range start; windows/days without worn data are absent, a worn
window with no steps is an explicit ``"0"`` (ZEROS). Steps are attributed to the window holding
their minute's start. Buckets are returned oldest first (order is undocumented, §7 item 11).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from . import body as b
from . import catalog as c
from . import wire
from .errors import invalid_argument
from .listing import data_source_family
from .paging import PageTokens, params_digest
from .person import SyntheticPerson
from .serialize import daily_bucket, physical_bucket

_DURATION = re.compile(r"(\d+)(?:\.(\d{1,9}))?s")
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")
DAILY_REFUSED = frozenset({"activity-level"})  # refused live despite a rollup member [PEER: P-MCP]


def _timestamp_ms(text: object, where: str) -> int:
    """A proto3-JSON Timestamp (RFC 3339, ``Z`` or a numeric offset) as epoch ms."""
    m = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    try:
        if m is None:
            raise ValueError(text)
        zone = "+00:00" if m.group(3) == "Z" else m.group(3)
        dt = datetime.fromisoformat(m.group(1) + zone)
    except ValueError:
        raise invalid_argument(f"Invalid value at '{where}' (type.googleapis.com/google.protobuf.Timestamp), "
                               f"{text!r}") from None
    return int(dt.timestamp()) * 1000 + int((m.group(2) or "0").ljust(9, "0")) // 1_000_000


def _page(buckets: list[dict], size: int, state: dict, digest: str, tokens: PageTokens) -> dict:
    start = int(state.get("i", 0))
    chunk = buckets[start:start + size]
    out: dict = {}
    if chunk:
        out["rollupDataPoints"] = chunk  # proto3 JSON omits an empty repeated field [INFERRED]
    if start + size < len(buckets):  # nextPageToken omitted on the last page (§1.6)
        out["nextPageToken"] = tokens.encode({"i": start + size}, digest)
    return out


def _hr_value(mn: int, total: int, n: int, mx: int) -> dict:
    return {"beatsPerMinuteMin": wire.number(mn), "beatsPerMinuteAvg": wire.number(total / n),
            "beatsPerMinuteMax": wire.number(mx)}


def roll_up(dtype: c.DataType, raw: bytes, person: SyntheticPerson, as_of_ms: int,
            tokens: PageTokens, user_id: str) -> dict:
    """Handle ``POST .../dataPoints:rollUp``."""
    if not dtype.rollup:
        raise invalid_argument(f"RollUp is not supported for data type {dtype.id}",
                               "DATA_TYPE_OPERATION_NOT_SUPPORTED")
    req = b.check_fields(b.parse(raw), {"range", "windowSize", "pageSize", "pageToken", "dataSourceFamily"})
    rng = b.check_fields(req.get("range"), {"startTime", "endTime"}, "range") if "range" in req else None
    if not rng or "startTime" not in rng or "endTime" not in rng:
        raise invalid_argument("range.startTime and range.endTime are required.")
    start = _timestamp_ms(rng["startTime"], "range.start_time")
    end = _timestamp_ms(rng["endTime"], "range.end_time")
    if end <= start:
        raise invalid_argument("The range end time must be after its start time.", "INVALID_TIME_RANGE")
    cap = dtype.rollup_cap_days
    if end - start > cap * 86_400_000:
        raise invalid_argument(f"The range must not be longer than {cap} days for data type {dtype.id}.",
                               "INVALID_TIME_RANGE")
    window_text = b.string(req, "windowSize", "window_size")
    m = _DURATION.fullmatch(window_text or "")
    if m is None:
        raise invalid_argument(f"Invalid windowSize: {window_text!r}; expected a duration such as \"3600s\".")
    window = int(m.group(1)) * 1000 + int((m.group(2) or "0").ljust(9, "0")) // 1_000_000
    if window < 1000:
        raise invalid_argument("windowSize must be at least 1s.")
    size = b.int32(req, "pageSize", "page_size")
    if size is not None and size <= 0:
        raise invalid_argument("page_size must be positive.")
    size = min(size or 1440, 10_000)
    family = data_source_family(b.string(req, "dataSourceFamily", "data_source_family"), user_id, dtype, "rollUp")
    digest = params_digest("rollUp", user_id, dtype.id, {k: v for k, v in req.items() if k != "pageToken"})
    token = b.string(req, "pageToken", "page_token")
    state = tokens.decode(token, digest) if token else {}

    acc: dict[int, list[int]] = {}
    if family != "self-sources" and dtype.id == "heart-rate":
        for t, _off, bpm, _d, _a in person.iter_heart_rate(start, end, as_of_ms):
            a = acc.setdefault((t - start) // window, [bpm, 0, 0, bpm])
            a[0], a[1], a[2], a[3] = min(a[0], bpm), a[1] + bpm, a[2] + 1, max(a[3], bpm)
    elif family != "self-sources" and dtype.id == "steps":
        for s, _so, _e, _eo, count, _omitted, _dev in person.iter_steps(start, end, as_of_ms):
            acc.setdefault((s - start) // window, [0])[0] += count
    buckets = []
    for i in sorted(acc):
        lo, hi = start + i * window, min(start + (i + 1) * window, end)
        a = acc[i]
        value = _hr_value(*a) if dtype.id == "heart-rate" else {"countSum": str(a[0])}
        buckets.append(physical_bucket(lo, hi, dtype.key, value))
    return _page(buckets, size, state, digest, tokens)


def _civil_date(obj: object, where: str) -> date:
    cdt = b.check_fields(obj, {"date", "time"}, where)
    d = b.check_fields(cdt.get("date"), {"year", "month", "day"}, f"{where}.date") if "date" in cdt else None
    if not d:
        raise invalid_argument(f"{where}.date is required.")
    try:
        value = date(b.int32(d, "year", f"{where}.date.year") or 0, b.int32(d, "month", f"{where}.date.month") or 0,
                     b.int32(d, "day", f"{where}.date.day") or 0)
    except ValueError:
        raise invalid_argument(f"{where}.date is not a valid date.") from None
    t = b.check_fields(cdt.get("time", {}), {"hours", "minutes", "seconds", "nanos"}, f"{where}.time")
    if any(b.int32(t, k, f"{where}.time.{k}") for k in ("hours", "minutes", "seconds", "nanos")):
        raise invalid_argument(f"{where} must be aligned to the start of a day (midnight).")
    return value


def daily_roll_up(dtype: c.DataType, raw: bytes, person: SyntheticPerson, as_of_ms: int,
                  tokens: PageTokens, user_id: str, *, end_inclusive: bool) -> dict:
    """Handle ``POST .../dataPoints:dailyRollUp``."""
    if not dtype.rollup or dtype.id in DAILY_REFUSED:
        raise invalid_argument(f"DailyRollup is not supported for data type {dtype.id}",
                               "DATA_TYPE_OPERATION_NOT_SUPPORTED")
    req = b.check_fields(b.parse(raw), {"range", "windowSizeDays", "pageSize", "pageToken", "dataSourceFamily"})
    rng = b.check_fields(req.get("range"), {"start", "end"}, "range") if "range" in req else None
    if not rng or "start" not in rng or "end" not in rng:
        raise invalid_argument("range.start and range.end are required.")
    first, last = _civil_date(rng["start"], "range.start"), _civil_date(rng["end"], "range.end")
    # §1.7 conflict: DISC says closed-open, P-DGH says both dates are included
    stop = last + timedelta(days=1) if end_inclusive else last
    days = (stop - first).days
    if days <= 0:
        raise invalid_argument("The range end must be after its start.", "INVALID_TIME_RANGE")
    cap = dtype.rollup_cap_days
    if days > cap:
        raise invalid_argument(f"The range must not be longer than {cap} days for data type {dtype.id}.",
                               "INVALID_TIME_RANGE")
    wsd = b.int32(req, "windowSizeDays", "window_size_days")
    wsd = 1 if wsd is None else wsd
    if wsd <= 0:
        raise invalid_argument("window_size_days must be positive.")
    size = b.int32(req, "pageSize", "page_size")
    if size is not None and not 0 < size <= cap:
        raise invalid_argument(f"page_size must be between 1 and {cap} for data type {dtype.id}.")
    size = size or cap
    family = data_source_family(b.string(req, "dataSourceFamily", "data_source_family"), user_id, dtype,
                                "dailyRollUp")
    digest = params_digest("dailyRollUp", user_id, dtype.id, {k: v for k, v in req.items() if k != "pageToken"})
    token = b.string(req, "pageToken", "page_token")
    state = tokens.decode(token, digest) if token else {}

    buckets: list[dict] = []
    if family != "self-sources" and dtype.id in ("steps", "heart-rate"):
        if dtype.id == "steps":
            per_day = {d: (n,) for d, n in person.daily_step_totals(first, stop, as_of_ms).items()}
        else:
            per_day = person.daily_heart_rate(first, stop, as_of_ms)  # type: ignore[assignment]
        for i in range(0, days, wsd):
            lo, hi = first + timedelta(days=i), min(first + timedelta(days=i + wsd), stop)
            vals = [per_day[d] for d in (lo + timedelta(days=k) for k in range((hi - lo).days)) if d in per_day]
            if not vals:
                continue
            if dtype.id == "steps":
                value = {"countSum": str(sum(v[0] for v in vals))}
            else:
                value = _hr_value(min(v[0] for v in vals), sum(v[1] for v in vals),
                                  sum(v[2] for v in vals), max(v[3] for v in vals))
            buckets.append(daily_bucket(lo, hi, dtype.key, value))
    return _page(buckets, size, state, digest, tokens)

