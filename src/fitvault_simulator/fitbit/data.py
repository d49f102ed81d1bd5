"""The person's data in the legacy API's shapes (docs/facts/fitbit-legacy-api.md#response-shapes), computed from the same
:class:`~fitvault_simulator.person.SyntheticPerson` the Google simulator serves, so the two
share one ground truth.

Fitbit stores "floating" local time (docs/facts/fitbit-legacy-api.md#conventions, docs/facts/fitbit-legacy-api.md#floating-local-time): every date and time here is the
wall clock of the zone the person was in at that instant (New York, or Berlin / Tokyo on a
trip), with no offset; only activity-log ``startTime`` carries one. Intraday datasets list their
samples in recording order, so on the night clocks go back the repeated hour appears twice,
first with the summer offset then with the winter one (docs/facts/fitbit-legacy-api.md#daylight-saving-time). Values keep the legacy
quirks: daily time series as strings, intraday values as numbers, METRIC units (no
``Accept-Language``: km, kg, °C).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from ..person import SyntheticPerson
from ..person.activity import DAY
from ..person.fitness import Session, fitness_of
from ..person.rand import digest_int
from ..person.sleep import SleepSession
from ..person.timezones import EPOCH_ORDINAL
from ..person.vitals import vitals_of

HEIGHT_M = 1.781
_STAGE_LEVEL = {"AWAKE": "wake", "LIGHT": "light", "DEEP": "deep", "REM": "rem"}
_CLASSIC_LEVEL = {"ASLEEP": "asleep", "RESTLESS": "restless", "AWAKE": "awake"}
_ACTIVITY_TYPE_IDS = {"Run": 90009, "Treadmill": 90019, "Walk": 90013, "Outdoor Bike": 1071, "Bike": 90001,
                      "Yoga": 52001, "Weights": 2030}
_LOG_TYPES = {"MANUAL": "manual", "PASSIVELY_MEASURED": "auto_detected", "ACTIVELY_MEASURED": "tracker"}


# -- floating local time ------------------------------------------------------------------------

def local_seconds(person: SyntheticPerson, t: int) -> int:
    """Wall-clock seconds since the epoch (as if UTC) of epoch second ``t``, in the zone then in force."""
    return t + person.zones.offset_at(t)


def local_day(person: SyntheticPerson, t: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + local_seconds(person, t) // DAY)


def clock_text(wall: int) -> str:
    """``HH:MM:SS`` of wall seconds."""
    s = wall % DAY
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def wall_text(wall: int, millis: bool = True) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.000]`` of wall seconds (no offset: floating time)."""
    d = date.fromordinal(EPOCH_ORDINAL + wall // DAY)
    return f"{d.isoformat()}T{clock_text(wall)}" + (".000" if millis else "")


def _day_span_ms(first: date, end: date) -> tuple[int, int]:
    """Epoch ms that surely cover every instant whose local date is in [first, end)."""
    return ((first.toordinal() - EPOCH_ORDINAL) * DAY - 15 * 3600) * 1000, \
        ((end.toordinal() - EPOCH_ORDINAL) * DAY + 15 * 3600) * 1000


def dates(first: date, last: date) -> Iterator[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def km_text(mm: float) -> str:
    """Millimetres as the API's kilometre string (exact to the millimetre)."""
    text = f"{mm / 1_000_000:.6f}".rstrip("0").rstrip(".")
    return text or "0"


# -- heart rate -----------------------------------------------------------------------------------

def heart_zones(person: SyntheticPerson, d: date) -> list[dict]:
    """The day's zones (bounds only: the simulator does not total minutes per zone)."""
    b = fitness_of(person).zone_bounds(d.toordinal())
    return [{"max": b[1], "min": 30, "name": "Out of Range"}, {"max": b[2], "min": b[1], "name": "Fat Burn"},
            {"max": b[3], "min": b[2], "name": "Cardio"}, {"max": b[4], "min": b[3], "name": "Peak"}]


def heart_summary(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    """``activities-heart`` entries, one per date; ``restingHeartRate`` only on days that have one."""
    resting = {d: bpm for d, bpm, _m, _dev in person.iter_resting(first, last + timedelta(days=1), as_of_ms)}
    out = []
    for d in dates(first, last):
        value: dict = {"customHeartRateZones": [], "heartRateZones": heart_zones(person, d)}
        if d in resting:
            value["restingHeartRate"] = resting[d]
        out.append({"dateTime": d.isoformat(), "value": value})
    return out


def heart_intraday(person: SyntheticPerson, d: date, detail: str, as_of_ms: int) -> dict:
    """The ``1d/{detail}`` response: every sample whose local date is ``d``, in recording order."""
    lo, hi = _day_span_ms(d, d + timedelta(days=1))
    day = d.toordinal() - EPOCH_ORDINAL
    samples = []
    for t_ms, off, bpm, _dev, _act in person.iter_heart_rate(lo, hi, as_of_ms):
        wall = t_ms // 1000 + off
        if wall // DAY == day:
            samples.append((t_ms // 1000, wall, bpm))
    if detail == "1sec":
        dataset = [{"time": clock_text(w), "value": b} for _t, w, b in samples]
        interval, kind = 1, "second"
    else:
        step = {"1min": 60, "5min": 300, "15min": 900}[detail]
        buckets: dict[int, list[int]] = {}
        labels: dict[int, int] = {}
        for t, w, b in samples:  # buckets of real time, labelled by their local start
            key = t // step
            buckets.setdefault(key, []).append(b)
            labels.setdefault(key, w - w % step)
        dataset = [{"time": clock_text(labels[k]), "value": round(sum(v) / len(v))} for k, v in buckets.items()]
        interval, kind = step // 60, "minute"
    return {"activities-heart": heart_summary(person, d, d, as_of_ms),
            "activities-heart-intraday": {"dataset": dataset, "datasetInterval": interval, "datasetType": kind}}


# -- activity -------------------------------------------------------------------------------------

def activity_series(person: SyntheticPerson, resource: str, first: date, last: date, as_of_ms: int) -> list[dict]:
    """``activities-<resource>``: one string value per date ("0" without data)."""
    end = last + timedelta(days=1)
    if resource == "steps":
        values = {d: str(n) for d, n in person.daily_step_totals(first, end, as_of_ms).items()}
    else:
        motion = fitness_of(person).daily_motion(first, end, as_of_ms)
        if resource == "distance":
            values = {d: km_text(v[0]) for d, v in motion.items() if v[6]}
        elif resource == "floors":
            values = {d: str(v[1]) for d, v in motion.items() if v[6]}
        else:  # calories: total energy, BMR included, whole kcal
            values = {d: str(round(v[2] / 1000)) for d, v in motion.items() if v[7]}
    return [{"dateTime": d.isoformat(), "value": values.get(d, "0")} for d in dates(first, last)]


def steps_intraday(person: SyntheticPerson, d: date, detail: str, as_of_ms: int) -> dict:
    """Every elapsed minute of local day ``d`` (0 where nothing was recorded), in recording order."""
    start = person.zones.local_midnight(d)
    end = min(person.zones.local_midnight(d + timedelta(days=1)), as_of_ms // 1000 // 60 * 60)
    counts = {s_ms // 1000: n for s_ms, _o, _e, _eo, n, _z, _dev in person.iter_steps(start * 1000, end * 1000, as_of_ms)}
    step = {"1min": 60, "5min": 300, "15min": 900}[detail]
    dataset: list[dict] = []
    for t in range(start, max(start, end), 60):
        n = counts.get(t, 0)
        if step == 60 or not dataset or (t - start) % step == 0:
            dataset.append({"time": clock_text(local_seconds(person, t)), "value": n})
        else:
            dataset[-1]["value"] += n
    total = sum(counts.values())
    return {"activities-steps": [{"dateTime": d.isoformat(), "value": str(total)}],
            "activities-steps-intraday": {"dataset": dataset, "datasetInterval": step // 60, "datasetType": "minute"}}


def _log_id(seed: int, kind: str, key: object, base: int) -> int:
    return base + digest_int(seed, "fitbit-log-id", kind, key) % 9_000_000_000


def exercise_log_id(person: SyntheticPerson, exercise_id: str) -> int:
    """The ``logId`` the legacy API gives the exercise that the Google API calls ``exercise_id``."""
    return _log_id(person.seed, "activity", exercise_id, 30_000_000_000)


def exercise_log(person: SyntheticPerson, session: Session, api_url: str) -> dict:
    """One entry of ``activities/list.json`` (docs/facts/fitbit-legacy-api.md#response-shapes "Activity log list")."""
    ex = fitness_of(person).exercise(session)
    m = ex.metrics
    log_id = exercise_log_id(person, ex.id)
    start_wall = ex.start_ms // 1000 + ex.start_offset_s
    off = ex.start_offset_s
    sign = "-" if off < 0 else "+"
    start_text = f"{wall_text(start_wall)}{sign}{abs(off) // 3600:02d}:{abs(off) // 60 % 60:02d}"
    updated = datetime.fromtimestamp(ex.update_us // 1_000_000, tz=timezone.utc)
    rec: dict = {
        "activeDuration": ex.active_s * 1000,
        "activityName": ex.display_name,
        "activityTypeId": _ACTIVITY_TYPE_IDS.get(ex.display_name, 90000),
        "duration": ex.end_ms - ex.start_ms,
        "hasActiveZoneMinutes": bool(m.active_zone_minutes),
        "hasGps": bool(ex.has_gps),
        "lastModified": updated.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "logId": log_id,
        "logType": _LOG_TYPES.get(ex.recording_method, "manual"),
        "originalDuration": ex.end_ms - ex.start_ms,
        "originalStartTime": start_text,
        "startTime": start_text,
    }
    if m.calories_kcal is not None:
        rec["calories"] = round(m.calories_kcal)
    if m.avg_hr_bpm is not None:
        rec["averageHeartRate"] = m.avg_hr_bpm
        day = start_text[:10]
        rec["heartRateLink"] = (f"{api_url}/1/user/-/activities/heart/date/{day}/{day}/1sec/time/"
                                f"{clock_text(start_wall)[:5]}/{clock_text(start_wall + (ex.end_ms - ex.start_ms) // 1000)[:5]}.json")
    if m.active_zone_minutes:
        rec["activeZoneMinutes"] = {"totalMinutes": m.active_zone_minutes}
    if m.steps is not None:
        rec["steps"] = m.steps
    if m.distance_mm is not None:
        rec["distance"] = m.distance_mm / 1_000_000
        rec["distanceUnit"] = "Kilometer"
    if m.avg_pace_s_per_m is not None:
        rec["pace"] = m.avg_pace_s_per_m * 1000  # seconds per kilometre
    if m.avg_speed_mm_per_s is not None:
        rec["speed"] = m.avg_speed_mm_per_s * 3.6e-3  # km/h
    if m.elevation_gain_mm is not None:
        rec["elevationGain"] = m.elevation_gain_mm / 1000  # metres
    if ex.device:
        rec["source"] = {"id": str(digest_int(person.seed, "device", ex.device) % 10**10), "name": ex.device,
                         "type": "tracker", "url": "https://www.fitbit.com/"}
    if ex.has_gps:
        rec["tcxLink"] = f"{api_url}/1/user/-/activities/{log_id}.tcx"
    return rec


def exercise_sessions(person: SyntheticPerson, as_of_ms: int) -> list[tuple[int, Session]]:
    """(local start wall seconds, session) of every existing session, ascending (cheap: the
    records themselves are built only for the page served, see :func:`exercise_log`)."""
    f = fitness_of(person)
    return [(t_ms // 1000 + off, s)
            for t_ms, off, s in f.iter_sessions(person.history_start_s * 1000, as_of_ms + 1, as_of_ms)]


# -- sleep ----------------------------------------------------------------------------------------

def sleep_log_id(person: SyntheticPerson, session_id: str) -> int:
    return _log_id(person.seed, "sleep", session_id, 40_000_000_000)


def sleep_logs(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    """Sleep v1.2 logs whose ``dateOfSleep`` (local date of the end) is in [first, last]."""
    lo, hi = _day_span_ms(first, last + timedelta(days=1))
    out = []
    for s in person.iter_sleep(lo, hi, as_of_ms):
        if first <= local_day(person, s.end_ms // 1000) <= last:
            out.append(sleep_log(person, s))
    return sorted(out, key=lambda x: x["startTime"], reverse=True)


def sleep_log(person: SyntheticPerson, s: SleepSession) -> dict:
    start, end = s.start_ms // 1000, s.end_ms // 1000
    summ = s.summary
    fall, after = summ["minutes_to_fall_asleep"], summ["minutes_after_wake_up"]
    staged = s.sleep_type == "STAGES"
    names = _STAGE_LEVEL if staged else _CLASSIC_LEVEL
    data = [{"dateTime": wall_text(a // 1000 + ao), "level": names[k], "seconds": (b - a) // 1000}
            for a, ao, b, _bo, k in s.stages]
    levels: dict = {"data": data}
    if staged:
        levels["shortData"] = [{"dateTime": wall_text(a // 1000 + ao), "level": "wake", "seconds": (b - a) // 1000}
                               for a, ao, b, _bo, _k in s.short_awakenings]
    levels["summary"] = {
        names[k]: ({"count": c, "minutes": m, "thirtyDayAvgMinutes": m} if staged else {"count": c, "minutes": m})
        for k, (m, c) in summ["stages_summary"].items()
    }
    period = summ["minutes_in_sleep_period"]
    if staged:
        info = 0
    else:
        info = 1 if s.main_sleep else 2
    log = {
        "dateOfSleep": local_day(person, end).isoformat(),
        "duration": (end - start) * 1000,
        "efficiency": round(100 * summ["minutes_asleep"] / period) if period else 0,
        "endTime": wall_text(local_seconds(person, end)),
        "infoCode": info,
        "isMainSleep": s.main_sleep,
        "levels": levels,
        "logId": sleep_log_id(person, s.id),
        "logType": "auto_detected",
        "minutesAfterWakeup": after,
        "minutesAsleep": summ["minutes_asleep"],
        "minutesAwake": summ["minutes_awake"] - fall - after,
        "minutesToFallAsleep": fall,
        "startTime": wall_text(local_seconds(person, start)),
        "timeInBed": period,
        "type": "stages" if staged else "classic",
    }
    if not s.processed:  # stages still being computed (docs/facts/fitbit-legacy-api.md#response-shapes: optional "meta")
        log["meta"] = {"retryDuration": 3_600_000, "state": "pending"}
    return log


# -- nightly vitals ------------------------------------------------------------------------------

def hrv_summary(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    out = []
    for d, avg, _nrem, _ent, deep, _dev in vitals_of(person).iter_daily_hrv(first, last + timedelta(days=1), as_of_ms):
        value = {"dailyRmssd": avg}
        if deep is not None:
            value["deepRmssd"] = deep
        out.append({"dateTime": d.isoformat(), "value": value})
    return out


def _main_sleeps(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list:
    """(night date, plan, night) of main sleeps ending on [first, last] whose samples exist."""
    v = vitals_of(person)
    lo, hi = _day_span_ms(first, last + timedelta(days=1))
    out = []
    for m in v.mains(lo // 1000, hi // 1000):
        night = v.night(m)
        if first <= night.day <= last and night.ready_ms <= as_of_ms and m.start >= person.history_start_s:
            out.append((night.day, m, night))
    return out


def hrv_intraday(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    v = vitals_of(person)
    out = []
    for d, m, night in _main_sleeps(person, first, last, as_of_ms):
        if not night.has_hrv:
            continue
        minutes = []
        for t_ms, off, rmssd, _sdnn, lf, hf, _dev in v.samples(m).hrv:
            value: dict = {"rmssd": rmssd, "coverage": round(0.9 + digest_int(person.seed, "cov", t_ms) % 100 / 1000, 3)}
            if hf is not None:
                value["hf"] = hf
            if lf is not None:
                value["lf"] = lf
            minutes.append({"minute": wall_text(t_ms // 1000 + off), "value": value})
        out.append({"dateTime": d.isoformat(), "minutes": minutes})
    return out


def spo2_summary(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    """By interval: a top-level array, one object per date, without ``value`` when there is none."""
    found = {d: (avg, low, up) for d, avg, low, up, _sd, _dev in
             vitals_of(person).iter_daily_spo2(first, last + timedelta(days=1), as_of_ms)}
    out = []
    for d in dates(first, last):
        entry: dict = {"dateTime": d.isoformat()}
        if d in found:
            avg, low, up = found[d]
            entry["value"] = {"avg": avg, "min": low, "max": up}
        out.append(entry)
    return out


def spo2_intraday(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    v = vitals_of(person)
    out = []
    for d, m, night in _main_sleeps(person, first, last, as_of_ms):
        if night.has_spo2:
            out.append({"dateTime": d.isoformat(), "minutes": [
                {"minute": wall_text(t_ms // 1000 + off, millis=False), "value": pct}
                for t_ms, off, pct, _dev in v.samples(m).spo2]})
    return out


def breathing_summary(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    return [{"dateTime": d.isoformat(), "value": {"breathingRate": bpm}}
            for d, bpm, _dev in vitals_of(person).iter_daily_breathing(first, last + timedelta(days=1), as_of_ms)]


def breathing_intraday(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    out = []
    for d, _m, night in _main_sleeps(person, first, last, as_of_ms):
        b = night.breathing
        if b is None:
            continue
        value = {"fullSleepSummary": {"breathingRate": b[2]}}
        for key, rate in (("deepSleepSummary", b[5]), ("lightSleepSummary", b[6]), ("remSleepSummary", b[7])):
            if rate is not None:
                value[key] = {"breathingRate": rate}
        out.append({"dateTime": d.isoformat(), "value": value})
    return out


def skin_temperature(person: SyntheticPerson, first: date, last: date, as_of_ms: int) -> list[dict]:
    """``nightlyRelative`` = nightly − personal baseline, only once a baseline exists."""
    return [{"dateTime": d.isoformat(), "value": {"nightlyRelative": round(nightly - base, 2)},
             "logType": "dedicated_temp_sensor"}
            for d, nightly, base, _sd, _dev in vitals_of(person).iter_daily_temperature(first, last + timedelta(days=1),
                                                                                       as_of_ms)
            if base is not None]


# -- body -----------------------------------------------------------------------------------------

def body_logs(person: SyntheticPerson, kind: str, first: date, last: date, as_of_ms: int) -> list[dict]:
    """Weight (``kind="weight"``) or body-fat logs whose local date is in [first, last]."""
    v = vitals_of(person)
    lo, hi = _day_span_ms(first, last + timedelta(days=1))
    fats = {r[0]: r[3] for r in v.iter_body_fat(lo, hi, as_of_ms)}
    recs = v.iter_weight(lo, hi, as_of_ms) if kind == "weight" else v.iter_body_fat(lo, hi, as_of_ms)
    out = []
    for t_ms, off, _pid, value, _notes, scale in recs:
        wall = t_ms // 1000 + off
        d = date.fromordinal(EPOCH_ORDINAL + wall // DAY)
        if not first <= d <= last:
            continue
        rec: dict = {"date": d.isoformat(), "logId": t_ms // 1000 * 1000, "source": "Aria" if scale else "Web",
                     "time": clock_text(wall)}
        if kind == "weight":
            kg = round(value / 1000, 3)
            rec.update(weight=kg, bmi=round(kg / HEIGHT_M ** 2, 2))
            if t_ms in fats:
                rec["fat"] = fats[t_ms]
        else:
            rec["fat"] = value
        out.append(rec)
    return out


# -- account --------------------------------------------------------------------------------------

def profile(person: SyntheticPerson, as_of_ms: int) -> dict:
    zone, off = person.zones.zone_at(datetime.fromtimestamp(as_of_ms / 1000, tz=timezone.utc))
    today = date.fromordinal(EPOCH_ORDINAL + (as_of_ms // 1000 + off) // DAY)
    return {"user": {
        "age": person.age_on(today), "averageDailySteps": 8400, "dateOfBirth": person.birth_date.isoformat(),
        "displayName": "Sam S.", "distanceUnit": "METRIC", "encodedId": person.legacy_user_id, "firstName": "Sam",
        "fullName": "Sam Sim", "gender": "NA", "height": 178.1, "heightUnit": "METRIC", "lastName": "Sim",
        "locale": "en_US", "memberSince": person.history_start.isoformat(), "offsetFromUTCMillis": off * 1000,
        "sleepTracking": "Normal", "startDayOfWeek": "MONDAY", "strideLengthRunning": 105.2,
        "strideLengthWalking": 72.1, "timezone": zone, "weightUnit": "METRIC",
    }}


def devices(person: SyntheticPerson, as_of_ms: int) -> list[dict]:
    dev = person.device_at(datetime.fromtimestamp(as_of_ms / 1000, tz=timezone.utc))
    wall = as_of_ms // 1000 - 1800
    wall += person.zones.offset_at(wall)
    return [{"battery": "High", "batteryLevel": 80, "deviceVersion": dev.display_name, "features": [],
             "id": dev.device_id, "lastSyncTime": wall_text(wall), "mac": dev.mac_address.replace(":", ""),
             "type": "TRACKER"}]
