"""``rollUp`` (physical windows, docs/facts/google-health-api.md#rollups-over-physical-windows) and ``dailyRollUp`` (civil days, docs/facts/google-health-api.md#daily-rollups).

Windows are anchored at the range start; windows/days without worn data are absent, a worn
window with nothing in it is an explicit zero (ZEROS). Values are attributed to the window that
holds their minute's start (sample time for heart rate).

As live (haelan ``probe/findings/rollup-methods.md``, 19 requests): buckets come newest window
first; neither method pages (no ``nextPageToken``, ever; a ``pageToken`` sent is refused as not
ours); ``rollUp`` ignores ``pageSize`` (90 daily windows came back for ``pageSize: 5``), while a
``dailyRollUp`` ``pageSize`` smaller than the windows of its range is a 400 ("page_size (5) is
too small. Must be at least 14 ..."); a range over the type's cap is INVALID_ROLLUP_QUERY_DURATION
with ``metadata.maxDurationDays`` (the cap is inclusive).

Each data type with data says how it rolls up in :data:`AGGREGATES`: its per-minute (or
per-sample) values for ``rollUp``, its per-local-date values for ``dailyRollUp``, how two values
combine, and the ``*RollupValue`` JSON (DISC shapes):

- ``heart-rate``: min / avg / max (doubles); ``steps``, ``distance``, ``floors``:
  ``countSum`` / ``millimetersSum`` (int64 strings); ``total-calories``: ``kcalSum`` (double).
- ``active-zone-minutes``: ``sumInFatBurnHeartZone`` / ``...Cardio...`` / ``...Peak...`` are
  the sums of the points' ``activeZoneMinutes`` per zone (so a CARDIO minute adds 2; DISC:
  "Active zone minutes in HeartRateZone.CARDIO"), all three sent, zeros included.
- ``active-minutes``: ``activeMinutesRollupByActivityLevel``, one entry per level (LIGHT,
  MODERATE, VIGOROUS) with ``activeMinutesSum``, zeros included.
- ``activity-level`` (rollUp only; dailyRollUp is refused live):
  ``activityLevelRollupsByActivityLevelType`` with ``totalDuration`` per level type.
- ``sedentary-period``: ``durationSum`` (a duration) of the minutes inside sedentary periods;
  per local date by each period's start for dailyRollUp.
- ``run-vo2-max``: ``rateMin`` / ``rateAvg`` / ``rateMax`` of the samples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import body as b
from . import catalog as c
from . import wire
from .errors import ApiError, invalid_argument, unsupported_action
from .listing import data_source_family
from .paging import PageTokens, params_digest
from .person import SyntheticPerson
from .person.fitness import fitness_of
from .serialize import daily_bucket, physical_bucket

_DURATION = re.compile(r"(\d+)(?:\.(\d{1,9}))?s")
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")
DAILY_REFUSED = frozenset({"activity-level"})  # refused live despite a rollup member [PEER: P-MCP]
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


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


def _page(buckets: list[dict], token: str | None, digest: str, tokens: PageTokens) -> dict:
    """The whole answer, newest window first: rollups do not page."""
    if token:
        tokens.decode(token, digest)  # never issued by a rollup: always refused (INVALID_PAGE_TOKEN)
    return {"rollupDataPoints": buckets[::-1]} if buckets else {}  # proto3 JSON omits an empty list


def _too_long(dtype: c.DataType) -> ApiError:
    cap = dtype.rollup_cap_days
    return ApiError(400, f"The requested range is longer than the maximum of {cap} days for data type {dtype.id}.",
                    "INVALID_ROLLUP_QUERY_DURATION", metadata={"maxDurationDays": str(cap)})


def _hr_value(a: tuple) -> dict:
    mn, total, n, mx = a
    return {"beatsPerMinuteMin": wire.number(mn), "beatsPerMinuteAvg": wire.number(total / n),
            "beatsPerMinuteMax": wire.number(mx)}


def _add(a: tuple, b: tuple) -> tuple:
    if len(a) == 1:
        return (a[0] + b[0],)
    return tuple(x + y for x, y in zip(a, b))


def _min_sum_count_max(a: tuple, b: tuple) -> tuple:
    return min(a[0], b[0]), a[1] + b[1], a[2] + b[2], max(a[3], b[3])


Samples = Callable[[SyntheticPerson, int, int, int], Iterable[tuple[int, tuple]]]
Days = Callable[[SyntheticPerson, date, date, int], dict[date, tuple]]


@dataclass(frozen=True)
class Aggregate:
    """How one data type rolls up.

    Attributes:
        samples: ``(person, lo_ms, hi_ms, as_of_ms)`` -> (epoch ms, value) with lo <= t < hi
            for every worn minute / sample (a zero value is a true zero), ascending.
        days: ``(person, first, stop, as_of_ms)`` -> {local date: value} for first <= date <
            stop, dates without worn data absent; None if dailyRollUp has no data.
        merge: combines two values.
        to_json: the ``*RollupValue`` of a combined value.
    """

    samples: Samples
    days: Days | None
    merge: Callable[[tuple, tuple], tuple]
    to_json: Callable[[tuple], dict]


def _hr_samples(p: SyntheticPerson, lo: int, hi: int, as_of: int) -> Iterable[tuple[int, tuple]]:
    return ((t, (bpm, bpm, 1, bpm)) for t, _o, bpm, _d, _a in p.iter_heart_rate(lo, hi, as_of))


def _steps_samples(p: SyntheticPerson, lo: int, hi: int, as_of: int) -> Iterable[tuple[int, tuple]]:
    return ((s, (n,)) for s, _so, _e, _eo, n, _z, _d in p.iter_steps(lo, hi, as_of))


def _steps_days(p: SyntheticPerson, first: date, stop: date, as_of: int) -> dict[date, tuple]:
    return {d: (n,) for d, n in p.daily_step_totals(first, stop, as_of).items()}


def _minutes(what: str) -> Samples:
    return lambda p, lo, hi, as_of: fitness_of(p).minute_series(what, lo, hi, as_of)


def _motion_days(*columns: int, present: int = 6) -> Days:
    """Columns of :meth:`Fitness.daily_motion` (dates with worn awake minutes by default)."""
    def days(p: SyntheticPerson, first: date, stop: date, as_of: int) -> dict[date, tuple]:
        return {d: tuple(v[c] for c in columns) for d, v in fitness_of(p).daily_motion(first, stop, as_of).items()
                if v[present]}
    return days


def _azm_days(p: SyntheticPerson, first: date, stop: date, as_of: int) -> dict[date, tuple]:
    return {d: (v[0], v[1], v[2]) for d, v in fitness_of(p).daily_zones(first, stop, as_of).items() if v[3]}


def _sedentary_days(p: SyntheticPerson, first: date, stop: date, as_of: int) -> dict[date, tuple]:
    f = fitness_of(p)
    periods = f.daily_sedentary(first, stop, as_of)
    return {d: (periods.get(d, 0),) for d, v in f.daily_motion(first, stop, as_of).items() if v[6]}


def _run_vo2_samples(p: SyntheticPerson, lo: int, hi: int, as_of: int) -> Iterable[tuple[int, tuple]]:
    return ((t, (v, v, 1, v)) for t, _o, v, _d in fitness_of(p).iter_run_vo2(lo, hi, as_of))


def _run_vo2_days(p: SyntheticPerson, first: date, stop: date, as_of: int) -> dict[date, tuple]:
    f = fitness_of(p)
    lo = ((first.toordinal() - _EPOCH_ORDINAL) * 86_400 - 14 * 3600) * 1000
    hi = ((stop.toordinal() - _EPOCH_ORDINAL) * 86_400 + 12 * 3600) * 1000
    out: dict[date, tuple] = {}
    for t, off, v, _d in f.iter_run_vo2(lo, hi, as_of):
        d = date.fromordinal(_EPOCH_ORDINAL + (t // 1000 + off) // 86_400)
        if first <= d < stop:
            out[d] = _min_sum_count_max(out[d], (v, v, 1, v)) if d in out else (v, v, 1, v)
    return out


def _sum_value(key: str, *, int64: bool = True, scale: float = 1) -> Callable[[tuple], dict]:
    if int64:
        return lambda a: {key: str(a[0])}
    return lambda a: {key: wire.number(a[0] / scale)}


def _azm_value(a: tuple) -> dict:
    return {"sumInFatBurnHeartZone": str(a[0]), "sumInCardioHeartZone": str(a[1]), "sumInPeakHeartZone": str(a[2])}


def _active_minutes_value(a: tuple) -> dict:
    return {"activeMinutesRollupByActivityLevel": [
        {"activityLevel": level, "activeMinutesSum": str(n)} for level, n in zip(("LIGHT", "MODERATE", "VIGOROUS"), a)]}


def _activity_level_value(a: tuple) -> dict:
    return {"activityLevelRollupsByActivityLevelType": [
        {"activityLevelType": level, "totalDuration": wire.duration(s)}
        for level, s in zip(("SEDENTARY", "LIGHTLY_ACTIVE", "MODERATELY_ACTIVE", "VERY_ACTIVE"), a)]}


def _rate_value(a: tuple) -> dict:
    mn, total, n, mx = a
    return {"rateMin": wire.number(mn), "rateAvg": wire.number(round(total / n, 3)), "rateMax": wire.number(mx)}


#: data type id -> how it rolls up (types with rollup members but no data here are absent)
AGGREGATES: dict[str, Aggregate] = {
    "heart-rate": Aggregate(_hr_samples, lambda p, a, b, t: p.daily_heart_rate(a, b, t), _min_sum_count_max,
                            _hr_value),
    "steps": Aggregate(_steps_samples, _steps_days, _add, _sum_value("countSum")),
    "distance": Aggregate(_minutes("distance"), _motion_days(0), _add, _sum_value("millimetersSum")),
    "floors": Aggregate(_minutes("floors"), _motion_days(1), _add, _sum_value("countSum")),
    "total-calories": Aggregate(_minutes("total-calories"), _motion_days(2, present=7), _add,
                                _sum_value("kcalSum", int64=False, scale=1000)),
    "active-zone-minutes": Aggregate(_minutes("active-zone-minutes"), _azm_days, _add, _azm_value),
    "active-minutes": Aggregate(_minutes("active-minutes"), _motion_days(3, 4, 5), _add, _active_minutes_value),
    "activity-level": Aggregate(_minutes("activity-level"), None, _add, _activity_level_value),
    "sedentary-period": Aggregate(_minutes("sedentary-period"), _sedentary_days, _add,
                                  lambda a: {"durationSum": wire.duration(a[0])}),
    "run-vo2-max": Aggregate(_run_vo2_samples, _run_vo2_days, _min_sum_count_max, _rate_value),
}

from .extras_api import aggregates as _extra_aggregates  # noqa: E402  (issue #14 item 4 types)

AGGREGATES.update(_extra_aggregates())


def roll_up(dtype: c.DataType, raw: bytes, person: SyntheticPerson, as_of_ms: int,
            tokens: PageTokens, user_id: str) -> dict:
    """Handle ``POST .../dataPoints:rollUp``."""
    if not dtype.rollup:
        raise unsupported_action(dtype.id, "RollUp", dtype.allowed_actions())
    req = b.check_fields(b.parse(raw), {"range", "windowSize", "pageSize", "pageToken", "dataSourceFamily"})
    rng = b.check_fields(req.get("range"), {"startTime", "endTime"}, "range") if "range" in req else None
    if not rng or "startTime" not in rng or "endTime" not in rng:
        raise invalid_argument("range.startTime and range.endTime are required.")
    start = _timestamp_ms(rng["startTime"], "range.start_time")
    end = _timestamp_ms(rng["endTime"], "range.end_time")
    if end <= start:
        raise invalid_argument("The range end time must be after its start time.", "INVALID_TIME_RANGE")
    if end - start > dtype.rollup_cap_days * 86_400_000:
        raise _too_long(dtype)
    window_text = b.string(req, "windowSize", "window_size")
    m = _DURATION.fullmatch(window_text or "")
    if m is None:
        raise invalid_argument(f"Invalid windowSize: {window_text!r}; expected a duration such as \"3600s\".")
    window = int(m.group(1)) * 1000 + int((m.group(2) or "0").ljust(9, "0")) // 1_000_000
    if window < 1000:
        raise invalid_argument("windowSize must be at least 1s.")
    size = b.int32(req, "pageSize", "page_size")
    if size is not None and size <= 0:
        raise invalid_argument("page_size must be positive.", "INVALID_PAGE_SIZE")
    family = data_source_family(b.string(req, "dataSourceFamily", "data_source_family"), user_id, dtype, "rollUp")
    digest = params_digest("rollUp", user_id, dtype.id, {k: v for k, v in req.items() if k != "pageToken"})
    token = b.string(req, "pageToken", "page_token")

    agg = AGGREGATES.get(dtype.id) if family != "self-sources" else None
    acc: dict[int, tuple] = {}
    if agg is not None:
        merge = agg.merge
        for t, v in agg.samples(person, start, end, as_of_ms):
            i = (t - start) // window
            a = acc.get(i)
            acc[i] = v if a is None else merge(a, v)
    buckets = []
    for i in sorted(acc):
        lo, hi = start + i * window, min(start + (i + 1) * window, end)
        buckets.append(physical_bucket(lo, hi, dtype.key, agg.to_json(acc[i])))  # type: ignore[union-attr]
    return _page(buckets, token, digest, tokens)


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
                  tokens: PageTokens, user_id: str, *, end_inclusive: bool,
                  refused: tuple[str, ...] = tuple(DAILY_REFUSED)) -> dict:
    """Handle ``POST .../dataPoints:dailyRollUp``."""
    if not dtype.rollup or dtype.id in refused:
        allowed = [a for a in dtype.allowed_actions() if a != "dailyRollUp"]
        raise unsupported_action(dtype.id, "DailyRollup", allowed)
    req = b.check_fields(b.parse(raw), {"range", "windowSizeDays", "pageSize", "pageToken", "dataSourceFamily"})
    rng = b.check_fields(req.get("range"), {"start", "end"}, "range") if "range" in req else None
    if not rng or "start" not in rng or "end" not in rng:
        raise invalid_argument("range.start and range.end are required.")
    first, last = _civil_date(rng["start"], "range.start"), _civil_date(rng["end"], "range.end")
    # docs/facts/google-health-api.md#daily-rollups conflict: DISC says closed-open, P-DGH says both dates are included
    stop = last + timedelta(days=1) if end_inclusive else last
    days = (stop - first).days
    if days <= 0:
        raise invalid_argument("The range end must be after its start.", "INVALID_TIME_RANGE")
    if days > dtype.rollup_cap_days:
        raise _too_long(dtype)
    wsd = b.int32(req, "windowSizeDays", "window_size_days")
    wsd = 1 if wsd is None else wsd
    if wsd <= 0:
        raise invalid_argument("window_size_days must be positive.")
    size = b.int32(req, "pageSize", "page_size")
    windows = -(-days // wsd)
    if size is not None and size < windows:  # live wording (haelan probe)
        raise invalid_argument(f"page_size ({size}) is too small. Must be at least {windows} to cover the requested "
                               f"range with a window_size_days of {wsd}.", "INVALID_PAGE_SIZE")
    family = data_source_family(b.string(req, "dataSourceFamily", "data_source_family"), user_id, dtype,
                                "dailyRollUp")
    digest = params_digest("dailyRollUp", user_id, dtype.id, {k: v for k, v in req.items() if k != "pageToken"})
    token = b.string(req, "pageToken", "page_token")

    buckets: list[dict] = []
    agg = AGGREGATES.get(dtype.id) if family != "self-sources" else None
    if agg is not None and agg.days is not None:
        per_day = agg.days(person, first, stop, as_of_ms)
        for i in range(0, days, wsd):
            lo, hi = first + timedelta(days=i), min(first + timedelta(days=i + wsd), stop)
            vals = [per_day[d] for d in (lo + timedelta(days=k) for k in range((hi - lo).days)) if d in per_day]
            if not vals:
                continue
            value = vals[0]
            for v in vals[1:]:
                value = agg.merge(value, v)
            buckets.append(daily_bucket(lo, hi, dtype.key, agg.to_json(value)))
    return _page(buckets, token, digest, tokens)
