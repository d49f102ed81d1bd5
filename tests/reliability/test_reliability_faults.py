"""Fault injection against the simulator: every run ends with the vault equal to the ground
truth, exactly, in every table.

Faults (simulator/faults.py): connection resets, timeouts, truncated bodies, 500/502/503/504,
429 with and without ``Retry-After`` (single and in storms), empty pages that carry a token,
duplicated points (and pages that repeat the previous page's tail), out-of-order points and
pages. Page sizes are made small so that a 4.5-day world takes ~60 requests and faults land
in the middle of long walks. Seeds: ``support.reliability.soak_seeds`` (FITVAULT_SOAK_SEEDS).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from support.heart_rows import heart_rate_sql
from support.reliability import (
    HOUR_MS,
    WORLD_SINCE,
    assert_exact,
    cursor_gaps,
    foreign_rows,
    fresh,
    shared_world,
    soak_seeds,
)
from support.sim import sim_client, sim_endpoints, store_sim_token

from fitvault import errors, session, timeutil
from fitvault.config import VaultPaths
from fitvault.datatypes.exercise import Exercise
from fitvault.datatypes.heart_rate import HeartRate
from fitvault.datatypes.oxygen_saturation import OxygenSaturation
from fitvault.datatypes.resting_heart_rate import RestingHeartRate
from fitvault.datatypes.sleep import Sleep
from fitvault.datatypes.steps import StepsMinutes
from fitvault.sources.google import sync
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions

ALL_KINDS = ["429", "500", "502", "503", "504", "reset", "timeout", "truncate", "duplicate", "disorder"]
OPTIONS = SyncOptions(since=WORLD_SINCE)


SMALL_PAGES = ((HeartRate, 2500), (StepsMinutes, 1000), (OxygenSaturation, 500), (Sleep, 2), (Exercise, 2),
               (RestingHeartRate, 2))


@pytest.fixture
def small_pages(monkeypatch):
    """Pages small enough that every long walk has many of them (the API allows any size up to
    its maximum): heart rate ~11 pages, steps ~4, SpO2 ~3, sleep/exercise/resting HR 2-3."""
    for cls, size in SMALL_PAGES:
        monkeypatch.setattr(cls, "page_size", size)


@pytest.fixture(scope="module")
def shared_sim():
    yield from shared_world()


@pytest.fixture
def sim(shared_sim):
    yield from fresh(shared_sim)
    shared_sim.config.empty_page_every = 0


def run(sim, tmp_path, *, concurrency=4, timeout_s=5.0, options=OPTIONS, **client):
    store_sim_token(sim, tmp_path)
    v = Vault(tmp_path)
    with sim_client(sim, tmp_path, concurrency=concurrency, timeout_s=timeout_s, **client) as c:
        try:
            return v, sync(v, c, SyncOptions(**{**options.__dict__, "concurrency": concurrency}),
                           now_ms=sim.clock.now_ms())
        except BaseException:
            v.close()
            raise


def faults_seen(sim) -> Counter:
    return Counter(r.fault for r in sim.requests if r.fault)


def changed_total(report) -> int:
    return sum(p.changed for p in report.streams.values())


# -- a fault-free run: the baseline the faulted runs must reproduce ------------------------------
@pytest.fixture(scope="module")
def baseline(shared_sim, tmp_path_factory):
    """Rows written by a clean run with the same small pages (the faulted runs must write the
    same number: nothing twice, nothing lost)."""
    mp = pytest.MonkeyPatch()
    for cls, size in SMALL_PAGES:
        mp.setattr(cls, "page_size", size)
    try:
        v, report = run(shared_sim, tmp_path_factory.mktemp("baseline"))
        with v:
            assert_exact(v, shared_sim.person, WORLD_SINCE, shared_sim.clock.now_ms())
        shared_sim.reset_requests()
        return {"changed": changed_total(report), "requests": report.requests}
    finally:
        mp.undo()


# -- random mixes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", soak_seeds(4))
@pytest.mark.slow
def test_random_fault_mix_ends_exact(sim, tmp_path, small_pages, baseline, seed):
    """30 % of requests fail or lie, drawn from every kind; empty pages every 3-5 pages;
    Retry-After sent on odd seeds (as 0 s, so the run stays short) and absent on even ones;
    1 to 4 workers. The vault ends equal to the ground truth and rows are written once."""
    sim.config.retry_after_on_429 = bool(seed % 2)
    sim.config.empty_page_every = 3 + seed % 3
    # timeouts: the server stalls 0.7 s, the client gives up after 0.5 s and tries again
    sim.faults.set_random(0.3, ALL_KINDS, seed=seed, retry_after=0 if seed % 2 else None, delay_s=0.7)
    v, report = run(sim, tmp_path, concurrency=1 + seed % 4, timeout_s=0.5)
    with v:
        seen = faults_seen(sim)
        sim.faults.clear()
        assert report.incomplete == [] and report.skipped == []
        assert sum(seen.values()) >= 5, seen
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
        assert changed_total(report) == baseline["changed"]
    print(f"seed {seed}: {report.requests} requests, faults {dict(sorted(seen.items()))}")


@pytest.mark.slow
def test_every_list_page_duplicated_is_idempotent(sim, tmp_path, small_pages, baseline):
    """Each page repeats every fifth point and the next page repeats this page's tail (as an
    offset-paged server does when new data shifts it): the same rows, written once each."""
    sim.faults.set_random(1.0, ["duplicate"], seed=1)
    v, report = run(sim, tmp_path)
    with v:
        sim.faults.clear()
        assert report.incomplete == []
        assert report.requests > baseline["requests"]  # the repeated tails cost pages
        assert sum(p.records for p in report.streams.values()) > baseline["changed"]  # points were received twice
        assert changed_total(report) == baseline["changed"]
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


def test_every_list_page_out_of_order_ends_exact(sim, tmp_path, small_pages, baseline):
    """Every page's points shuffled and every pair of pages swapped (older first)."""
    sim.faults.set_random(1.0, ["disorder"], seed=2)
    v, report = run(sim, tmp_path)
    with v:
        sim.faults.clear()
        assert report.incomplete == []
        assert changed_total(report) == baseline["changed"]
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


@pytest.mark.slow
def test_out_of_order_pages_never_move_the_cursor_past_unfetched_data(sim, tmp_path, small_pages, monkeypatch):
    """After every committed page, everything between the window's cursor and its upper end is
    in the vault: with pages swapped, a cursor moved by an older page served first would leave
    the newer page's records above it unfetched (a crash then loses them for good)."""
    sim.faults.set_random(0.5, ["disorder", "duplicate"], seed=5)
    checked, problems = [0], []
    real_save = Vault.save_page

    def save_and_check(self, stream, page, job=None, **kw):
        changed = real_save(self, stream, page, job, **kw)
        with self._lock:
            problems.extend(cursor_gaps(self, sim.person, sim.clock.now_ms()))
            checked[0] += 1
        return changed

    monkeypatch.setattr(Vault, "save_page", save_and_check)
    v, report = run(sim, tmp_path, options=SyncOptions(since=WORLD_SINCE, types=("heart-rate", "steps")))
    with v:
        assert report.incomplete == []
        assert problems == []
        assert checked[0] >= 12
        assert foreign_rows(v, sim.person, sim.clock.now_ms()) == []


@pytest.mark.slow
def test_a_crash_right_after_an_out_of_order_page_loses_nothing(sim, tmp_path, small_pages, monkeypatch):
    """The first page of the heart-rate walk is the *second* page of data (the server swapped
    them). The process dies right after committing it; the next run must still fetch the
    newer page. (Before the cursor trailed by a page, 2500 samples were lost here for good.)"""

    class Killed(BaseException):
        pass

    sim.faults.add("disorder", match="heart-rate")
    real_save = Vault.save_page

    def save_then_die(self, stream, page, job=None, **kw):
        real_save(self, stream, page, job, **kw)
        if stream.name == "heart-rate":
            raise Killed()

    options = SyncOptions(since=WORLD_SINCE, types=("heart-rate",))
    monkeypatch.setattr(Vault, "save_page", save_then_die)
    with pytest.raises(Killed):
        run(sim, tmp_path, concurrency=1, options=options)
    monkeypatch.setattr(Vault, "save_page", real_save)
    with Vault(tmp_path) as v:
        assert cursor_gaps(v, sim.person, sim.clock.now_ms()) == []
    v, report = run(sim, tmp_path, concurrency=1, options=options)
    with v:
        assert report.incomplete == []
        assert foreign_rows(v, sim.person, sim.clock.now_ms()) == []
        lower = timeutil.utc_midnight_ms(WORLD_SINCE) - 14 * HOUR_MS
        want = sim.person.heart_rate(timeutil.from_ms(lower), sim.clock.now())
        assert heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0] == len(want)


# -- quota storms ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_429_storm_with_retry_after_holds_every_worker(sim, tmp_path):
    """Three 429s with Retry-After: 1 s. The quota is per user, so no worker may send anything
    until the wait is over; the run still ends exact."""
    sim.faults.add("429", times=3, retry_after=1, match="dataPoints")
    events: list[tuple[float, float, int | None]] = []  # (start, end, status)
    lock = threading.Lock()

    def on_request(method, path, status, elapsed):
        now = time.monotonic()
        with lock:
            events.append((now - elapsed, now, status))

    store_sim_token(sim, tmp_path)
    started = time.monotonic()
    with Vault(tmp_path) as v, session.api_client(VaultPaths(tmp_path), sim_endpoints(sim), concurrency=4,
                                                  on_request=on_request, timeout_s=5.0) as c:
        report = sync(v, c, OPTIONS, now_ms=sim.clock.now_ms())
        assert report.incomplete == []
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
    assert time.monotonic() - started >= 1.0
    throttled = [end for _s, end, status in events if status == 429]
    assert len(throttled) == 3
    for t in throttled:
        # requests already past the limiter when the 429 arrived may still leave (0.35 s slack)
        early = [s for s, _e, _st in events if t + 0.35 < s < t + 0.95]
        assert early == [], f"{len(early)} requests sent during a Retry-After pause"


@pytest.mark.slow
def test_429_storm_without_retry_after_backs_off_within_the_budget(sim, tmp_path):
    """Seven 429s in a row, no Retry-After (undocumented for this API, docs/facts/google-health-api.md#quota): the
    one worker backs off exponentially and the eighth try of the same request succeeds."""
    sim.config.retry_after_on_429 = False
    sim.faults.add("429", times=7, match="dataPoints")
    v, report = run(sim, tmp_path, concurrency=1)
    with v:
        assert report.incomplete == []
        assert faults_seen(sim)["429"] == 7
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


@pytest.mark.parametrize("retry_after", [None, 3600], ids=["endless-storm", "retry-after-beyond-the-bound"])
@pytest.mark.slow
def test_429_storm_beyond_the_budget_stops_cleanly_and_a_rerun_ends_exact(sim, tmp_path, small_pages, retry_after):
    """A storm that outlasts the retry budget (or asks for an hour) stops the run with a
    RateLimited error and a partial report; what was saved is consistent; the next run, after
    the storm, ends exact."""
    sim.config.retry_after_on_429 = False
    sim.faults.add("429", times=1000, match="heart-rate", retry_after=retry_after)
    with pytest.raises(errors.RateLimited) as info:
        run(sim, tmp_path, concurrency=2)
    assert info.value.report.requests > 0  # the partial report travels with the error
    sim.faults.clear()
    with Vault(tmp_path) as v:
        assert cursor_gaps(v, sim.person, sim.clock.now_ms()) == []
        assert foreign_rows(v, sim.person, sim.clock.now_ms()) == []
    v, report = run(sim, tmp_path)
    with v:
        assert report.incomplete == []
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
