"""Planning windows (issue #6): a backfill asks for the fewest requests the API's limits allow —
one list window per stream, dailyRollUp windows as long as the range cap — and cuts only a
long heart-rate chain into parallel windows; incremental runs and resumed windows stay as they were."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from fitvault import timeutil
from fitvault.datatypes import STREAMS, STREAMS_BY_NAME
from fitvault.store.vault import Vault
from fitvault.sync.plan import MIN_PAGES_PER_WINDOW, SyncOptions, plan_sync

NOW_MS = timeutil.parse_instant_ms("2026-11-21T12:00:00Z")
TODAY = date(2026, 11, 21)
YEAR = SyncOptions(since=TODAY - timedelta(days=365))


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path) as v:
        yield v


def plan(vault: Vault, options: SyncOptions, *, persist: bool = False):
    return {sp.stream.name: sp for sp in plan_sync(vault, list(STREAMS), options, now_ms=NOW_MS,
                                                   history_start=date(2025, 1, 15), persist=persist).streams}


def bounds(sp) -> list[tuple]:
    return [(sp.stream.parse_bound(j.lower), sp.stream.parse_bound(j.upper)) for j in sp.jobs]


def assert_contiguous_newest_first(windows: list[tuple]) -> None:
    for (lo, _hi), (_lo2, hi2) in zip(windows, windows[1:]):
        assert hi2 == lo
    assert all(lo < hi for lo, hi in windows)


def test_a_year_backfill_has_one_window_per_list_stream_but_heart_rate(vault):
    plans = plan(vault, YEAR)
    for name, sp in plans.items():
        stream = sp.stream
        windows = bounds(sp)
        assert_contiguous_newest_first(windows)
        assert all(j.page_size == stream.page_size for j in sp.jobs)  # the largest page the API allows
        if stream.operation == "dailyRollUp":
            cap = stream.max_window_days or 90
            days = (windows[0][1] - windows[-1][0]).days
            assert len(windows) == math.ceil(days / cap) and all((hi - lo).days <= cap for lo, hi in windows)
        elif name == "heart-rate":
            # ~1,460 pages of 10000 (live density) in one token chain: four windows walk in parallel, each
            # costing at most one partly filled page more (< 1 % of the stream's requests)
            assert len(windows) == YEAR.concurrency
            lengths = {hi - lo for lo, hi in windows}
            assert max(lengths) - min(lengths) <= 1
        else:
            assert len(windows) == 1, name
    assert (bounds(plans["steps:daily"])[0][1] - bounds(plans["steps:daily"])[-1][0]).days == 367
    assert len(plans["steps:daily"].jobs) == 5 and len(plans["total-calories:daily"].jobs) == 27


def test_heart_rate_is_cut_only_when_each_piece_holds_many_pages(vault):
    per_day = STREAMS_BY_NAME["heart-rate"].records_per_day_guess  # the live 2-s density: ~40,000
    assert per_day == 40_000
    ten_days = plan(vault, SyncOptions(since=TODAY - timedelta(days=10)))
    assert 10 * per_day / 10000 < 2 * MIN_PAGES_PER_WINDOW and len(ten_days["heart-rate"].jobs) == 1
    assert len(plan(vault, SyncOptions(since=TODAY - timedelta(days=365), concurrency=1))["heart-rate"].jobs) == 1
    # a month: ~120 pages, two pieces of at least 50; four months: four (the concurrency)
    assert len(plan(vault, SyncOptions(since=TODAY - timedelta(days=30)))["heart-rate"].jobs) == 2


def test_incremental_runs_plan_one_overlap_window_each(vault):
    for sp in plan(vault, YEAR).values():
        stream = sp.stream
        vault.set_sync_state(stream.name, synced_from=sp.jobs[-1].lower, synced_until=sp.jobs[0].upper)
    later = plan(vault, SyncOptions())
    for name, sp in later.items():
        assert len(sp.jobs) == 1, name
    hr = bounds(later["heart-rate"])[0]
    assert hr[1] - hr[0] < 3 * 86_400_000


def test_an_interrupted_backfill_resumes_its_windows_without_new_copies(vault):
    first = plan(vault, YEAR, persist=True)
    hr_jobs = {(j.lower, j.upper) for j in first["heart-rate"].jobs}
    again = plan(vault, YEAR, persist=True)
    assert {(j.lower, j.upper) for j in again["heart-rate"].jobs} == hr_jobs
    assert again["heart-rate"].resumed == len(hr_jobs)
