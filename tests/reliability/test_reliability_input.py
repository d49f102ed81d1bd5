"""Bad input from the server, end to end: the simulator's real answers, garbled on their way to
fitvault by an ``httpx`` transport (what a broken proxy, an API change or a server bug would
do). Malformed points are quarantined and reported while the rest is stored; a malformed body
is retried, and if it persists its window fails visibly and resumes later. The per-point rules
are tested exhaustively in tests/reliability/test_properties.py; these tests prove the whole path.
"""

from __future__ import annotations

import json
import random
import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from support.heart_rows import heart_rate_sql
from support.reliability import (
    HOUR_MS,
    WORLD_SINCE,
    assert_exact,
    assert_sound,
    cursor_gaps,
    fresh,
    run_now_ms,
    shared_world,
)
from support.sim import FAST_RETRY, sim_endpoints, store_sim_token
from support.truth import canonical, truth_rows, vault_rows

from fitvault import session, timeutil
from fitvault.config import VaultPaths
from fitvault.sources.google import sync
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions


class Garbling(httpx.BaseTransport):
    """Forwards to the simulator; ``mutate(data_type, request, body) -> bytes | None`` may
    replace the body of a 200 answer."""

    def __init__(self, mutate) -> None:
        self.inner = httpx.HTTPTransport()
        self.mutate = mutate

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        parts = request.url.path.split("/dataTypes/")
        data_type = parts[1].split("/")[0] if len(parts) > 1 else None
        new = self.mutate(data_type, request, body) if response.status_code == 200 else None
        if new is None:
            return response
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
        return httpx.Response(200, headers=headers, content=new, request=request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def shared_sim():
    yield from shared_world()


@pytest.fixture
def sim(shared_sim):
    yield from fresh(shared_sim)


def run(sim, vault_dir, mutate=None, options=SyncOptions(since=WORLD_SINCE), now_ms=None):
    store_sim_token(sim, vault_dir)
    transport = Garbling(mutate) if mutate else None
    with Vault(vault_dir) as v, session.api_client(VaultPaths(vault_dir), sim_endpoints(sim), retry=FAST_RETRY,
                                                   transport=transport, timeout_s=5.0) as client:
        return sync(v, client, options, now_ms=now_ms or sim.clock.now_ms())


# -- malformed points ------------------------------------------------------------------------------------
def _hr(p):
    return p["heartRate"]


# (name, harmful?, how): harmful ones must be quarantined; harmless ones stored as if clean.
HEART_RATE = [
    ("301 bpm (the discovery document allows 1..300)", True, lambda p: _hr(p).update(beatsPerMinute="301")),
    ("negative bpm", True, lambda p: _hr(p).update(beatsPerMinute="-5")),
    ("bpm is an object", True, lambda p: _hr(p).update(beatsPerMinute={"value": 64})),
    ("fractional bpm", True, lambda p: _hr(p).update(beatsPerMinute=64.5)),
    ("bpm missing", True, lambda p: _hr(p).pop("beatsPerMinute")),
    ("sample time missing", True, lambda p: _hr(p).pop("sampleTime")),
    ("zero timestamp", True, lambda p: _hr(p)["sampleTime"].update(physicalTime="1970-01-01T00:00:00Z")),
    ("time is a number", True, lambda p: _hr(p)["sampleTime"].update(physicalTime=1792293540)),
    ("offset overflows", True, lambda p: _hr(p)["sampleTime"].update(utcOffset="1e999s")),
    ("offset of ten days", True, lambda p: _hr(p)["sampleTime"].update(utcOffset="864000s")),
    ("platform is an object", True, lambda p: p.update(dataSource={**p.get("dataSource", {}), "platform": {"x": 1}})),
    ("union member double-encoded", True, lambda p: p.update(heartRate=json.dumps(p["heartRate"]))),
    ("unexpected fields", False, lambda p: (p.update(newField={"a": [1, 2]}), _hr(p).update(confidence="HIGH"))),
    ("bpm as a JSON number", False, lambda p: _hr(p).update(beatsPerMinute=int(_hr(p)["beatsPerMinute"]))),
]
SPO2 = [
    ("130 %", True, lambda p: p["oxygenSaturation"].update(percentage=130)),
    ("NaN %", True, lambda p: p["oxygenSaturation"].update(percentage="NaN")),
    ("percentage null", True, lambda p: p["oxygenSaturation"].update(percentage=None)),
    ("percentage as a string", False, lambda p: p["oxygenSaturation"].update(percentage=str(p["oxygenSaturation"]["percentage"]))),
]
def _ends_before_it_starts(p):
    part = (p["sleep"].get("stages") or [p["sleep"]["interval"]])[0]
    part["endTime"] = "2000-01-01T00:00:00Z"


SLEEP = [
    ("a stage ends before it starts", True, _ends_before_it_starts),
    ("type is an object", True, lambda p: p["sleep"].update(type={"v": "STAGES"})),
    ("processed is the string 'false'", True, lambda p: p["sleep"].setdefault("metadata", {}).update(processed="false")),
]


@pytest.mark.slow
def test_malformed_points_are_quarantined_and_the_rest_stored(sim, tmp_path):
    rng = random.Random(11)
    lock = threading.Lock()
    corrupted = defaultdict(set)  # data type -> keys of harmful corruptions
    counts = defaultdict(int)     # corruption name -> times applied
    rules = {"heart-rate": (HEART_RATE, 0.002), "oxygen-saturation": (SPO2, 0.03), "sleep": (SLEEP, 0.5)}

    def key(data_type, p):
        if data_type == "sleep":
            return p["name"].rsplit("/", 1)[-1]
        member = p["heartRate"] if data_type == "heart-rate" else p["oxygenSaturation"]
        return timeutil.parse_instant_ms(member["sampleTime"]["physicalTime"])

    def mutate(data_type, request, body):
        if data_type not in rules or request.method != "GET":
            return None
        data = json.loads(body)
        corruptions, rate = rules[data_type]
        with lock:
            for p in data.get("dataPoints", []):
                if rng.random() < rate:
                    name, harmful, how = rng.choice(corruptions)
                    k = key(data_type, p)
                    how(p)
                    counts[name] += 1
                    if harmful:
                        corrupted[data_type].add(k)
        return json.dumps(data).encode()

    report = run(sim, tmp_path, mutate)
    harmful = sum(len(v) for v in corrupted.values())
    assert report.incomplete == []
    assert sum(p.quarantined for p in report.streams.values()) == harmful
    assert len(counts) >= 12 and harmful >= 30, dict(counts)
    now_ms = sim.clock.now_ms()
    as_of = timeutil.from_ms(now_ms)
    with Vault(tmp_path) as v:
        assert_sound(v)
        assert cursor_gaps(v, sim.person, now_ms) == []  # a bad point never moves a cursor past data
        quarantined = v.conn.execute("SELECT stream, reason FROM quarantine").fetchall()
        assert len(quarantined) == harmful and all(reason for _s, reason in quarantined)
        assert {s for s, _r in quarantined} == set(corrupted)
        # Everything else is stored exactly: heart rate ...
        lower = timeutil.utc_midnight_ms(WORLD_SINCE) - 14 * HOUR_MS
        hr = [r for r in sim.person.heart_rate(timeutil.from_ms(lower), as_of, as_of=as_of)
              if r[0] not in corrupted["heart-rate"]]
        stored = heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms").fetchall()
        assert stored == [(t, o, b) for t, o, b, _d in hr]
        # ... SpO2 ...
        lo, hi = lower, now_ms + 1
        want = [r for r in truth_rows(sim.person, "spo2", lo, hi, as_of) if r["time_ms"] not in corrupted["oxygen-saturation"]]
        assert canonical(vault_rows(v, "spo2", lo, hi)) == canonical(want)
        # ... and every night but the garbled ones.
        nights = {s.id for s in sim.person.sleep_sessions(datetime(2026, 10, 20, tzinfo=timezone.utc), as_of, as_of=as_of)
                  if timeutil.local_date(s.end_ms, s.end_offset_s) >= WORLD_SINCE}
        stored = {r[0] for r in v.conn.execute("SELECT id FROM sleep_sessions")}
        assert stored == nights - corrupted["sleep"] and corrupted["sleep"]
    # A later clean read stores what was quarantined; the quarantine keeps its record.
    sim.reset_requests()
    report = run(sim, tmp_path)
    with Vault(tmp_path) as v:
        assert_exact(v, sim.person, WORLD_SINCE, now_ms, quarantined=harmful)


# -- malformed bodies ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_malformed_bodies_are_retried_and_a_persistent_one_fails_only_its_window(sim, tmp_path):
    """Three answers cut short, one nested deeper than any parser allows, one not JSON at all:
    retried, and the run is exact. Then SpO2 answers an HTML page every time: that window fails
    with the reason, every other type is stored, and the next run finishes it."""
    transient = [b'{"dataPoints": [{"heartRate": {', b"[" * 100_000, b"<html>captive portal</html>",
                 b'{"dataPoints": [', b'{"dataPoints": [], "nextPageTo']
    lock = threading.Lock()

    def some_garbled(data_type, request, body):
        with lock:
            return transient.pop() if data_type and transient else None

    report = run(sim, tmp_path, some_garbled)
    assert report.incomplete == [] and transient == []
    with Vault(tmp_path) as v:
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())

    def spo2_is_html(data_type, request, body):
        return b"<html><body>Service unavailable</body></html>" if data_type == "oxygen-saturation" else None

    fresh = tmp_path / "second"
    sim.reset_requests()
    report = run(sim, fresh, spo2_is_html, now_ms=run_now_ms(sim))
    (line,) = report.incomplete
    assert line.startswith("oxygen-saturation: 1 window(s) left") and "unreadable JSON body" in line
    assert sum(1 for r in sim.requests if r.data_type == "oxygen-saturation") == FAST_RETRY.attempts
    with Vault(fresh) as v:
        assert v.conn.execute("SELECT count(*) FROM spo2").fetchone() == (0,)
        assert heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0] > 10_000
    report = run(sim, fresh, options=SyncOptions(), now_ms=run_now_ms(sim))  # resumes the failed window
    assert report.incomplete == []
    with Vault(fresh) as v:
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


@pytest.mark.parametrize("garble, reason", [
    (lambda data: data.update(dataPoints={"0": data["dataPoints"][0]}), "unusable page: dataPoints is a dict"),
    (lambda data: data.update(nextPageToken=12345), "nextPageToken that is not a string"),
], ids=["points-not-a-list", "token-not-a-string"])
def test_a_broken_page_fails_its_window_visibly_instead_of_ending_it(sim, tmp_path, garble, reason):
    """A page whose shape is wrong is neither stored nor taken for the end of the data: its
    window stays open with the reason, and a later run completes it."""

    def first_steps_page(data_type, request, body):
        if data_type != "steps" or request.method != "GET":
            return None
        data = json.loads(body)
        garble(data)
        return json.dumps(data).encode()

    report = run(sim, tmp_path, first_steps_page, SyncOptions(since=WORLD_SINCE, types=("steps", "heart-rate")))
    (line,) = report.incomplete
    assert line.startswith("steps: 1 window(s) left") and reason in line
    with Vault(tmp_path) as v:
        assert v.conn.execute("SELECT count(*) FROM steps").fetchone() == (0,)
        assert v.conn.execute("SELECT count(*) FROM sync_jobs WHERE stream = 'steps' AND done = 0").fetchone() == (1,)
    report = run(sim, tmp_path, options=SyncOptions(types=("steps", "heart-rate")))
    assert report.incomplete == []
    with Vault(tmp_path) as v:
        lower = timeutil.utc_midnight_ms(WORLD_SINCE) - 14 * HOUR_MS
        want = sim.person.steps(timeutil.from_ms(lower), sim.clock.now() + timedelta(seconds=1))
        got = v.conn.execute("SELECT start_ms, start_offset_s, end_ms, end_offset_s, count FROM steps ORDER BY 1").fetchall()
        assert got == [tuple(x) for x in want]
