"""Property-based tests (hypothesis) for the parsers and the time conversions.

Parsers: a generated valid point parses to exactly the values put in; generated garbage — whole
bodies, and real points from the simulator mutated at random (a value replaced by any JSON
value, a key deleted, an unexpected key added) — never raises out of ``parse()``: a bad point
lands in ``page.bad``, a page whose list of points is not a list is flagged ``malformed``, and
whatever is accepted is stored by ``Vault.save_page`` without error.

Time (fitvault.timeutil): RFC 3339 round trips and an independent reading of every accepted
shape; offsets; local dates against zoneinfo across DST changes, half-hour zones and travel.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support.reliability import world
from support.sim import sim_client, store_sim_token

from fitvault import timeutil
from fitvault.datatypes import STREAMS, STREAMS_BY_NAME
from fitvault.datatypes.base import MAX_INSTANT_MS, MIN_INSTANT_MS, ROLLUP_SOURCE, ParsedPage
from fitvault.errors import ApiError
from fitvault.sources.google.client import parse_error
from fitvault.store.vault import Vault

# No deadline anywhere (a loaded CI machine must not turn a slow example into a failure), and no
# example database (it would be a .hypothesis folder in the working tree).
NO_DEADLINE = settings(deadline=None, database=None)
SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
UTC = timezone.utc
YEAR_1900_MS = timeutil.to_ms(datetime(1900, 1, 1, tzinfo=UTC))
YEAR_2200_MS = timeutil.to_ms(datetime(2200, 1, 1, tzinfo=UTC))
ZONES = [ZoneInfo(z) for z in (
    "UTC", "America/New_York", "Europe/London", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu",
    "Australia/Lord_Howe", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago",
    "Europe/Berlin", "Australia/Sydney", "Pacific/Chatham",
)]


# ===================================================================================================
# time conversions
# ===================================================================================================
@NO_DEADLINE
@given(st.integers(YEAR_1900_MS, YEAR_2200_MS))
@pytest.mark.slow
def test_format_then_parse_round_trips(ms):
    text = timeutil.format_instant(ms)
    assert text.endswith("Z") and timeutil.parse_instant_ms(text) == ms
    assert timeutil.to_ms(timeutil.from_ms(ms)) == ms


@st.composite
def rfc3339(draw):
    """(text, epoch ms) for any RFC 3339 shape parse_instant_ms accepts; the ms are computed
    another way (datetime.timestamp of an aware datetime)."""
    wall = draw(st.datetimes(datetime(1900, 1, 1), datetime(2199, 12, 31)).map(lambda d: d.replace(microsecond=0)))
    offset_min = draw(st.sampled_from([0, 0, 60, -300, -240, 330, 345, 540, 840, -720, -210]))
    frac = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=9)))
    sep = draw(st.sampled_from("TTt "))
    zone = "Z" if offset_min == 0 and draw(st.booleans()) else (
        f"{'+' if offset_min >= 0 else '-'}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}")
    if zone == "Z" and draw(st.booleans()):
        zone = "z"
    text = wall.strftime("%Y-%m-%d") + sep + wall.strftime("%H:%M:%S") + (f".{frac}" if frac else "") + zone
    aware = wall.replace(tzinfo=timezone(timedelta(minutes=offset_min)))
    ms = int(aware.timestamp()) * 1000 + (int(frac[:3].ljust(3, "0")) if frac else 0)
    return text, ms


@NO_DEADLINE
@given(rfc3339())
@pytest.mark.slow
def test_parse_agrees_with_an_independent_reading(case):
    text, ms = case
    assert timeutil.parse_instant_ms(text) == ms


@NO_DEADLINE
@given(st.text(max_size=30))
@pytest.mark.slow
def test_parse_refuses_garbage_with_value_error_only(text):
    """Text that is not shaped like an RFC 3339 timestamp raises ValueError (never another
    exception a parser would not expect)."""
    import re

    assume(not re.match(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d", text, re.ASCII))
    with pytest.raises(ValueError):
        timeutil.parse_instant_ms(text)


@NO_DEADLINE
@given(st.integers(-18 * 3600, 18 * 3600))
def test_offsets_round_trip(seconds):
    assert timeutil.parse_offset_s(f"{seconds}s") == seconds
    assert timeutil.parse_offset_s(f"{seconds}.000s") == seconds


def test_omitted_offset_is_utc():
    assert timeutil.parse_offset_s(None) == timeutil.parse_offset_s("") == 0


def _zoned(ms: int, zone: ZoneInfo) -> tuple[datetime, int]:
    local = datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)
    return local, int(local.utcoffset().total_seconds())


@NO_DEADLINE
@given(st.integers(MIN_INSTANT_MS, MAX_INSTANT_MS - 1), st.sampled_from(ZONES))
def test_local_date_and_wall_time_agree_with_zoneinfo(ms, zone):
    """What the vault stores (instant + offset in force) gives zoneinfo's local date and time."""
    local, offset = _zoned(ms, zone)
    assert timeutil.local_date(ms, offset) == local.date()
    assert timeutil.from_ms(ms + offset * 1000).replace(tzinfo=None) == local.replace(tzinfo=None)
    assert timeutil.to_ms(local) == ms  # an aware datetime in any zone is the same instant


def _transitions() -> list[tuple[int, ZoneInfo]]:
    """Every UTC-offset change of the zones in 2025-2027 (found hour by hour, then to the second)."""
    found = []
    for zone in ZONES:
        t = timeutil.to_ms(datetime(2025, 1, 1, tzinfo=UTC))
        end = timeutil.to_ms(datetime(2028, 1, 1, tzinfo=UTC))
        prev = _zoned(t, zone)[1]
        while t < end:
            nxt = t + 3_600_000
            off = _zoned(nxt, zone)[1]
            if off != prev:
                lo, hi = t, nxt
                while hi - lo > 1000:
                    mid = (lo + hi) // 2
                    lo, hi = (mid, hi) if _zoned(mid, zone)[1] == prev else (lo, mid)
                found.append((hi, zone))
            t, prev = nxt, off
    return found


TRANSITIONS = _transitions()


@NO_DEADLINE
@given(st.sampled_from(TRANSITIONS), st.integers(-3 * 3_600_000, 3 * 3_600_000))
def test_dst_changes_give_zoneinfo_dates_and_a_repeated_hour_keeps_instants_apart(change, delta):
    """Around every DST change (New York, London, Lord Howe's half hour, Santiago, Chatham ...):
    local dates follow zoneinfo, and the two instants of a repeated wall-clock time stay two
    different instants with two different offsets."""
    at, zone = change
    ms = at + delta
    local, offset = _zoned(ms, zone)
    assert timeutil.local_date(ms, offset) == local.date()
    before, after = _zoned(at - 1000, zone)[1], _zoned(at, zone)[1]
    if after < before and 0 <= delta < before - after:  # fall back: this wall time happened twice
        earlier = ms - (before - after) * 1000
        assert _zoned(earlier, zone)[0].replace(tzinfo=None) == local.replace(tzinfo=None)
        assert timeutil.from_ms(earlier + before * 1000) == timeutil.from_ms(ms + after * 1000)
        assert earlier != ms and before != after


@NO_DEADLINE
@given(st.lists(st.tuples(st.integers(MIN_INSTANT_MS, MAX_INSTANT_MS - 1), st.sampled_from(ZONES)), min_size=2,
                max_size=12))
def test_travel_keeps_instant_order_and_each_records_own_local_date(trip):
    """A person crossing zones: ordering by instant is the true order even when local clocks go
    backwards, and each record's local date is that of the zone it was taken in."""
    records = sorted((ms, *(_zoned(ms, zone))) for ms, zone in trip)
    for (ms, local, offset) in records:
        assert timeutil.local_date(ms, offset) == local.date()
    instants = [ms for ms, _l, _o in records]
    assert instants == sorted(instants)


@NO_DEADLINE
@given(st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)))
def test_naive_datetimes_are_refused(naive):
    with pytest.raises(ValueError):
        timeutil.to_ms(naive)


@NO_DEADLINE
@given(st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_dates_round_trip_and_midnights(day):
    assert timeutil.date_from_json(json.loads(json.dumps(timeutil.date_to_json(day)))) == day
    midnight = timeutil.utc_midnight_ms(day)
    assert timeutil.local_date(midnight, 0) == day
    assert timeutil.local_date(midnight - 1, 0) == day - timedelta(days=1) or day == date(1000, 1, 1)
    assert timeutil.format_instant(midnight).startswith(day.isoformat())


# ===================================================================================================
# parsers: valid points parse to exactly what was put in
# ===================================================================================================
instants = st.integers(MIN_INSTANT_MS, MAX_INSTANT_MS - 10 * 86_400_000)
offsets = st.integers(-12 * 3600, 14 * 3600)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
days = st.dates(date(2000, 1, 1), date(2199, 12, 31))


@st.composite
def data_sources(draw):
    """(dataSource JSON or None, the source key fitvault derives from it)."""
    if draw(st.booleans()):
        return None, ("", "", "", "", "", "")
    platform, device, maker, form, method, app = (draw(names) for _ in range(6))
    ds = {"platform": platform, "recordingMethod": method,
          "device": {"displayName": device, "manufacturer": maker, "formFactor": form},
          "application": {"packageName": app}}
    return ds, (platform, device, maker, form, method, app)


def with_source(point: dict, ds) -> dict:
    if ds is not None:
        point["dataSource"] = ds
    return point


def sample_time(ms, off):
    return {"physicalTime": timeutil.format_instant(ms), "utcOffset": f"{off}s"}


def interval(start, s_off, end, e_off):
    return {"startTime": timeutil.format_instant(start), "startUtcOffset": f"{s_off}s",
            "endTime": timeutil.format_instant(end), "endUtcOffset": f"{e_off}s"}


def parse_one(stream_name: str, point: dict, key: str = "dataPoints") -> ParsedPage:
    page = STREAMS_BY_NAME[stream_name].parse({key: [point]})
    assert page.bad == [] and page.malformed is None
    return page


@NO_DEADLINE
@given(instants, offsets, st.integers(20, 250), data_sources(), st.booleans())
def test_heart_rate_sample(ms, off, bpm, source, as_number):
    ds, key = source
    point = with_source({"heartRate": {"sampleTime": sample_time(ms, off),
                                       "beatsPerMinute": bpm if as_number else str(bpm)}}, ds)
    assert parse_one("heart-rate", point).rows == [(ms, key, off, bpm)]


@NO_DEADLINE
@given(instants, offsets, st.integers(0, 3600_000), offsets, st.one_of(st.none(), st.integers(0, 100_000)),
       data_sources())
def test_step_minutes(start, s_off, length, e_off, count, source):
    ds, key = source
    body = {"interval": interval(start, s_off, start + length, e_off)}
    if count is not None:
        body["count"] = str(count)
    page = parse_one("steps", with_source({"steps": body}, ds))
    assert page.rows == [(start, key, s_off, start + length, e_off, count or 0)]  # omitted = a true zero


@NO_DEADLINE
@given(days, st.integers(20, 200), st.one_of(st.none(), names), data_sources())
def test_resting_heart_rate(day, bpm, method, source):
    ds, key = source
    body = {"date": timeutil.date_to_json(day), "beatsPerMinute": str(bpm)}
    if method is not None:
        body["dailyRestingHeartRateMetadata"] = {"calculationMethod": method}
    assert parse_one("daily-resting-heart-rate", with_source({"dailyRestingHeartRate": body}, ds)).rows == [
        (day, key, bpm, method)]


@NO_DEADLINE
@given(instants, offsets, st.floats(40, 100), data_sources())
def test_spo2_sample(ms, off, pct, source):
    ds, key = source
    point = with_source({"oxygenSaturation": {"sampleTime": sample_time(ms, off), "percentage": pct}}, ds)
    assert parse_one("oxygen-saturation", point).rows == [(ms, key, off, pct)]


@NO_DEADLINE
@given(instants, offsets, st.floats(500, 700_000), st.one_of(st.none(), names), st.text("0123456789", min_size=1),
       data_sources())
def test_weight_sample_keeps_its_id_and_notes(ms, off, grams, notes, point_id, source):
    ds, key = source
    body = {"sampleTime": sample_time(ms, off), "weightGrams": grams}
    if notes is not None:
        body["notes"] = notes
    point = with_source({"name": f"users/me/dataTypes/weight/dataPoints/{point_id}", "weight": body}, ds)
    assert parse_one("weight", point).rows == [(ms, key, off, point_id, grams, notes)]


@NO_DEADLINE
@given(instants, offsets, st.integers(0, 600_000), st.one_of(st.none(), st.sampled_from(["FAT_BURN", "CARDIO", "PEAK"])),
       st.one_of(st.none(), st.integers(0, 2880)), data_sources())
@pytest.mark.slow
def test_active_zone_minutes_interval(start, off, length, zone, minutes, source):
    ds, key = source
    body = {"interval": interval(start, off, start + length, off)}
    if zone is not None:
        body["heartRateZone"] = zone
    if minutes is not None:
        body["activeZoneMinutes"] = str(minutes)
    page = parse_one("active-zone-minutes", with_source({"activeZoneMinutes": body}, ds))
    assert page.rows == [(start, key, off, start + length, off, zone, minutes or 0)]


@NO_DEADLINE
@given(instants, offsets, st.dictionaries(st.sampled_from(["LIGHT", "MODERATE", "VIGOROUS"]), st.integers(0, 1440)),
       data_sources())
def test_active_minutes_by_level(start, off, by_level, source):
    ds, key = source
    body = {"interval": interval(start, off, start + 60_000, off),
            "activeMinutesByActivityLevel": [{"activityLevel": k, "activeMinutes": str(v)} for k, v in by_level.items()]}
    page = parse_one("active-minutes", with_source({"activeMinutes": body}, ds))
    assert page.rows == [(start, key, off, start + 60_000, off,
                          by_level.get("LIGHT", 0), by_level.get("MODERATE", 0), by_level.get("VIGOROUS", 0))]


@NO_DEADLINE
@given(days, st.floats(5, 100) | st.none(), st.one_of(st.none(), names), st.one_of(st.none(), st.booleans()),
       st.floats(-1e6, 1e6) | st.none(), data_sources())
def test_daily_vo2_max(day, vo2, level, estimated, covariance, source):
    ds, key = source
    body = {"date": timeutil.date_to_json(day)}
    for k, v in (("vo2Max", vo2), ("cardioFitnessLevel", level), ("estimated", estimated), ("vo2MaxCovariance", covariance)):
        if v is not None:
            body[k] = v
    page = parse_one("daily-vo2-max", with_source({"dailyVo2Max": body}, ds))
    assert page.rows == [(day, key, vo2, level, int(bool(estimated)), covariance)]


@NO_DEADLINE
@given(days, st.floats(1, 80), data_sources())
def test_daily_breathing_rate(day, rate, source):
    ds, key = source
    point = with_source({"dailyRespiratoryRate": {"date": timeutil.date_to_json(day), "breathsPerMinute": rate}}, ds)
    assert parse_one("daily-respiratory-rate", point).rows == [(day, key, rate)]


@NO_DEADLINE
@given(st.sampled_from([("steps:daily", "steps", "countSum", 1_000_000), ("distance:daily", "distance", "millimetersSum", 10**9),
                        ("floors:daily", "floors", "countSum", 10_000)]),
       days, st.one_of(st.none(), st.integers(0, 10_000)))
def test_daily_rollup_totals(kind, day, value):
    stream, member, field, _most = kind
    bucket = {"civilStartTime": {"date": timeutil.date_to_json(day)}, member: {} if value is None else {field: str(value)}}
    page = parse_one(stream, bucket, key="rollupDataPoints")
    assert page.rows == [(day, ROLLUP_SOURCE, value or 0)]  # a present bucket without a value is a true zero


@NO_DEADLINE
@given(days, st.lists(st.tuples(st.sampled_from(["LIGHT", "MODERATE", "VIGOROUS", "PEAK"]), st.integers(20, 250),
                                st.integers(20, 250)), unique_by=lambda z: z[0], max_size=4), data_sources())
@pytest.mark.slow
def test_heart_rate_zones_one_row_per_zone(day, zones, source):
    ds, key = source
    body = {"date": timeutil.date_to_json(day), "heartRateZones": [
        {"heartRateZoneType": z, "minBeatsPerMinute": str(lo), "maxBeatsPerMinute": str(hi)} for z, lo, hi in zones]}
    page = parse_one("daily-heart-rate-zones", with_source({"dailyHeartRateZones": body}, ds))
    assert page.rows == [(day, key, z, lo, hi) for z, lo, hi in zones]


@st.composite
def sleep_sessions(draw):
    start = draw(instants)
    off = draw(offsets)
    stages, t = [], start
    for _ in range(draw(st.integers(0, 8))):
        length = draw(st.integers(30_000, 3_600_000))
        stages.append((t, t + length, draw(st.sampled_from(["AWAKE", "LIGHT", "DEEP", "REM"]))))
        t += length
    end = t + draw(st.integers(0, 600_000))
    return start, off, end, stages


@NO_DEADLINE
@given(sleep_sessions(), st.text("0123456789", min_size=1, max_size=19), st.booleans(), data_sources())
@pytest.mark.slow
def test_sleep_session_with_stages(session, sid, processed, source):
    start, off, end, stages = session
    ds, key = source
    body = {"interval": interval(start, off, end, off), "type": "STAGES",
            "stages": [{**interval(a, off, b, off), "type": kind} for a, b, kind in stages],
            "metadata": {"processed": processed}}
    page = parse_one("sleep", with_source({"name": f"users/me/dataTypes/sleep/dataPoints/{sid}", "sleep": body}, ds))
    (row,) = page.rows
    session_row, parts, _summary, start_day = row
    assert session_row[:7] == (sid, key, start, off, end, off, "STAGES") and session_row[9] == int(processed)
    assert parts == sorted(("stage", a, off, b, off, kind) for a, b, kind in stages)
    assert start_day == timeutil.local_date(start, off)


@NO_DEADLINE
@given(instants, offsets, st.integers(60_000, 10_800_000), st.lists(st.sampled_from(["START", "PAUSE", "RESUME", "STOP"]),
                                                                    max_size=6), data_sources())
def test_exercise_session_and_events(start, off, length, events, source):
    ds, key = source
    body = {"interval": interval(start, off, start + length, off), "exerciseType": "RUNNING",
            "exerciseEvents": [{"eventTime": timeutil.format_instant(start + i * 1000), "eventUtcOffset": f"{off}s",
                                "exerciseEventType": e} for i, e in enumerate(events)],
            "exerciseMetadata": {"hasGps": True}}
    page = parse_one("exercise", with_source({"name": "users/me/dataTypes/exercise/dataPoints/42", "exercise": body}, ds))
    (row,) = page.rows
    session_row, _splits, event_rows, _day = row
    assert session_row[:7] == ("42", key, start, off, start + length, off, "RUNNING")
    assert event_rows == [(i, start + i * 1000, off, e) for i, e in enumerate(events)]
    assert STREAMS_BY_NAME["exercise"].wanted_details(page, set()) == ["42"]


# ===================================================================================================
# parsers: garbage never raises, and what is accepted can be stored
# ===================================================================================================
JSON_LEAF = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True)
             | st.text(max_size=12) | st.sampled_from([
                 "1970-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T12:00:00Z", "9999-12-31T23:59:59Z",
                 "", "-14400s", "1e999s", "NaN", "Infinity", "64.5", " 64 ", "0x40", "true", "null", "users/me/x/1",
                 {"year": 2026, "month": 2, "day": 30}, {"year": 10**20, "month": 1, "day": 1}, [], {}]))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                              max_size=3), max_leaves=6)


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """A few real points of every stream, as the simulator serves them."""
    out: dict[str, list[dict]] = {}
    tmp = tmp_path_factory.mktemp("templates")
    with world() as sim:
        store_sim_token(sim, tmp)
        first, last = date(2026, 10, 21), date(2026, 10, 23)
        with sim_client(sim, tmp) as client:
            for s in STREAMS:
                if s.operation == "dailyRollUp":
                    body = {"range": {"start": {"date": timeutil.date_to_json(first)},
                                      "end": {"date": timeutil.date_to_json(last)}}, "windowSizeDays": 1}
                    out[s.name] = client.daily_rollup(s.data_type, body).data.get("rollupDataPoints", [])
                    continue
                lo, hi = ((timeutil.utc_midnight_ms(first), timeutil.utc_midnight_ms(last)) if s.bound == "instant"
                          else (first, last))
                out[s.name] = client.list_page(s.data_type, filter_text=s.alternative_filters(lo, hi)[0],
                                               page_size=3).data.get("dataPoints", [])
    out["height"] = out["height"] or [{  # measured about once a month: none in those days
        "name": "users/me/dataTypes/height/dataPoints/1", "dataSource": {"platform": "FITBIT"},
        "height": {"sampleTime": {"physicalTime": "2026-10-22T07:00:00Z", "utcOffset": "-14400s"},
                   "heightMillimeters": "1780"}}]
    # Long arrays (7,500 ECG samples, the beats of an IRN alert) are cut to a few: every element
    # has the same shape, and each one mutated would take minutes.
    for p in out["electrocardiogram"]:
        p["electrocardiogram"]["waveformSamples"] = p["electrocardiogram"]["waveformSamples"][:3]
    for p in out["irregular-rhythm-notification"]:
        for w in p["irregularRhythmNotification"]["alertWindows"]:
            w["heartBeats"] = w["heartBeats"][:2]
    # The simulated person is a man: his cycle types are empty; discovery-document shapes instead.
    sample = {"physicalTime": "2026-10-22T07:00:00Z", "utcOffset": "-14400s"}
    out["menstrual-period"] = out["menstrual-period"] or [{"dataSource": {"recordingMethod": "MANUAL"}, "menstrualPeriod": {
        "interval": {"startTime": "2026-10-22T04:00:00Z", "startUtcOffset": "-14400s",
                     "endTime": "2026-10-23T04:00:00Z", "endUtcOffset": "-14400s"}, "notes": "n"}}]
    out["ovulation-test"] = out["ovulation-test"] or [{"dataSource": {"recordingMethod": "MANUAL"}, "ovulationTest": {
        "sampleTime": sample, "result": "NEGATIVE"}}]
    assert all(out.values()), [k for k, v in out.items() if not v]
    return out


@pytest.fixture(scope="module")
def scratch_vault(tmp_path_factory):
    with Vault(tmp_path_factory.mktemp("scratch")) as v:
        yield v


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _mutate(point, data):
    """Replace a random node with any JSON value, delete one, or add an unexpected key."""
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = list(_paths(point))[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = point
        for part in path[:-1]:
            parent = parent[part]
        op = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]), label="op")
        if op == "replace":  # (a copy: sampled containers are shared objects, and later mutations change them)
            parent[path[-1]] = copy.deepcopy(data.draw(JSON, label="value"))
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][data.draw(st.text(max_size=8), label="key")] = copy.deepcopy(data.draw(JSON, label="value"))
    return point


def _list_key(stream) -> str:
    return "rollupDataPoints" if stream.operation == "dailyRollUp" else "dataPoints"


@pytest.mark.parametrize("stream_name", [s.name for s in STREAMS])
@SETTINGS
@given(data=st.data())
@pytest.mark.slow
def test_mutated_real_points_never_raise_and_never_fail_the_save(templates, scratch_vault, stream_name, data):
    stream = STREAMS_BY_NAME[stream_name]
    good = templates[stream_name]
    bad = _mutate(copy.deepcopy(data.draw(st.sampled_from(good), label="template")), data)
    page = stream.parse({_list_key(stream): [bad, *copy.deepcopy(good)]})
    assert page.malformed is None
    assert len(page.bad) <= 1
    json.dumps([p for _r, p in page.bad])  # quarantine payloads serialise
    clean = stream.parse({_list_key(stream): copy.deepcopy(good)})
    assert len(page.rows) >= len(clean.rows)  # the good points around a bad one are all kept
    scratch_vault.save_page(stream, page)  # nothing accepted may fail the page's transaction


@pytest.mark.parametrize("stream_name", [s.name for s in STREAMS])
@SETTINGS
@given(body=st.dictionaries(st.sampled_from(["dataPoints", "rollupDataPoints", "nextPageToken", "x"]), JSON, max_size=3))
@pytest.mark.slow
def test_garbage_bodies_never_raise(scratch_vault, stream_name, body):
    stream = STREAMS_BY_NAME[stream_name]
    page = stream.parse(body)
    items = body.get(_list_key(stream))
    assert (page.malformed is not None) == (items is not None and not isinstance(items, list))
    json.dumps([p for _r, p in page.bad])
    if not page.malformed:
        scratch_vault.save_page(stream, page)


@NO_DEADLINE
@given(st.sampled_from([400, 401, 403, 404, 412, 429, 500, 502, 503, 504]),
       st.one_of(JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200),
                 JSON.map(lambda v: json.dumps({"error": v}).encode())),
       st.one_of(st.none(), st.text(max_size=10)))
@pytest.mark.slow
def test_any_error_body_becomes_a_typed_error(status, body, retry_after):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    try:
        response = httpx.Response(status, content=body, headers=headers,
                                  request=httpx.Request("GET", "http://x/v4/users/me/profile"))
    except (UnicodeEncodeError, ValueError):
        assume(False)  # not a header httpx can even hold
    error = parse_error(response)
    assert isinstance(error, ApiError) and error.http_status == status
    assert error.status is None or isinstance(error.status, str)
    assert error.reason is None or isinstance(error.reason, str)
    str(error)


# Values that broke, or could break, a parser or the save: non-finite and huge numbers (JSON
# "Infinity" parses to a float), numbers beyond int64, booleans for numbers, fractions for
# integers, impossible dates and times, offsets that overflow, wrong containers, and a lone
# surrogate (a "\ud800" escape is valid JSON but cannot be stored as UTF-8).
NASTY = [
    None, True, False, 0, -1, 64.5, float("inf"), float("-inf"), float("nan"), 2**63, -(2**63) - 1, 10**30, "",
    " ", "x", "64.5", "9" * 30, "NaN", "Infinity", "1e999s", "nans", "864000s", "-14400", "1970-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z", "2026-09-14T12:03:05", "\ud800", "\x00", [], [1], {}, {"a": 1},
    {"year": 10**20, "month": 1, "day": 1}, {"year": 2026, "month": 2, "day": 30},
]


@pytest.mark.slow
def test_every_field_of_every_type_against_every_nasty_value(templates, scratch_vault):
    """Each node of a real point of every type, replaced by each value above (and deleted): no
    exception leaves ``parse()``, each point is either stored or quarantined, and the save of
    everything accepted succeeds."""
    tried = 0
    for stream in STREAMS:
        template = templates[stream.name][0]
        for path in list(_paths(template))[1:]:
            merged = ParsedPage()
            for value in [*NASTY, "<deleted>"]:
                point = copy.deepcopy(template)
                parent = point
                for part in path[:-1]:
                    parent = parent[part]
                if value == "<deleted>":
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = copy.deepcopy(value)
                page = stream.parse({_list_key(stream): [point]})
                assert page.malformed is None
                assert len(page.bad) <= 1 and (page.bad or page.rows or stream.name == "daily-heart-rate-zones"), (
                    stream.name, path, value)
                json.dumps([p for _r, p in page.bad])
                merged.rows.extend(page.rows)
                merged.bad.extend(page.bad)
                tried += 1
            scratch_vault.save_page(stream, merged)
    assert tried > 10_000
    print(f"{tried} mutated points of {len(STREAMS)} streams parsed and saved")


@pytest.mark.parametrize("text", ["2026-09-14T25:03:05Z", "2026-09-14T12:60:05Z", "2026-09-14T12:03:61Z",
                                  "2026-09-14T+1:03:05Z", "2026-09-14T1２:03:05Z", "2026-02-30T12:03:05Z"])
def test_impossible_clock_times_are_refused_not_rolled_over(text):
    with pytest.raises(ValueError):
        timeutil.parse_instant_ms(text)
