"""Planning a sync: which windows each stream must fetch, and what that will cost.

Rules (issue #2, docs/facts/google-health-api.md#late-data-and-change-detection, docs/facts/google-health-api.md#read-paths):

* first run: from the history start (profile ``membershipStartDate``) up to now;
* later runs: from the stream's ``synced_until`` minus its overlap window (recent data still
  changes: late uploads, re-processed sleep), up to now;
* ``--since`` / ``--until`` / ``--full`` override the lower and upper bounds;
* unfinished windows of an interrupted run are always resumed first;
* each endpoint is asked for the widest window its limits allow and paging splits it (issue #6:
  every extra window costs one partly filled page). ``list`` has no documented range limit
  (docs/facts/google-health-api.md#list-and-paging), so a list window is the whole range, walked with the largest page the type
  allows (10000; 25 for sleep and exercise). Only a stream expected to take many pages (a year of
  heart rate at the live 2-s density: ~1,350) is cut into up to ``concurrency`` windows of equal
  time, because its pages form one chain (each needs the previous page's token) that would
  otherwise outlast everything else (measured at the earlier ~11k samples a day, ~400 pages:
  ~400 x 0.3 s alone, longer than the ~2 min the quota (docs/facts/google-health-api.md#quota) sets for the whole backfill;
  ``bench/backfill.py --days 365``: 171 s in one window, 133 s in two, 132 s in four);
  ``dailyRollUp`` windows span the 90 days the API allows (14 for some types, docs/facts/google-health-api.md#daily-rollups).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from fitvault.axis import Bound
from fitvault.store.vault import Job, Vault
from fitvault.stream import Stream

# A list window is cut into pieces only when each piece still holds at least this many full
# pages: one partly filled page more per piece is then at most 1/50 = 2 % of the stream's
# requests (issue #6: requests within 5 % of the minimum), while the pieces walk in parallel.
MIN_PAGES_PER_WINDOW = 50
# The earliest history start there can be (the first Fitbit trackers shipped in 2009): the lower
# end of the bisection that finds the first day with data when the profile has no
# membershipStartDate (live profiles were seen carrying only ``age``, docs/facts/google-health-api.md#settled-by-captured-payloads;
# fitvault.sources.google.engine.probe_history_start), and the start when even that finds nothing
# readable.
FALLBACK_HISTORY_START = date(2009, 1, 1)
# A stream whose type or operation the server refused (account key ``unsupported:<stream>`` =
# the day it was refused) is skipped for this many days, then tried again.
UNSUPPORTED_KEY = "unsupported:"
UNSUPPORTED_RETRY_DAYS = 30


@dataclass(frozen=True)
class SyncOptions:
    """What a `fitvault sync` run should do. Dates are local civil dates, inclusive."""

    types: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None
    full: bool = False
    concurrency: int = 4


@dataclass
class StreamPlan:
    stream: Stream
    jobs: list[Job] = field(default_factory=list)
    resumed: int = 0                 # jobs carried over from an interrupted run
    estimated_requests: int = 0
    skipped: str | None = None       # why this stream will not run

    @property
    def window(self) -> tuple[str, str] | None:
        if not self.jobs:
            return None
        return min(j.lower for j in self.jobs), max(j.upper for j in self.jobs)


@dataclass
class SyncPlan:
    streams: list[StreamPlan]
    now_ms: int        # the run's "now": upper bound of open-ended windows
    concurrency: int   # windows walked at once

    @property
    def estimated_requests(self) -> int:
        return sum(p.estimated_requests for p in self.streams if not p.skipped)

    def estimated_seconds(self, quota_per_minute: int, latency_s: float, concurrency: int) -> float:
        """The larger of the quota bound and the latency bound for the planned requests."""
        n = self.estimated_requests
        quota_bound = max(0.0, (n - quota_per_minute) / quota_per_minute * 60.0) if n > quota_per_minute else 0.0
        latency_bound = n * latency_s / max(1, concurrency)
        return max(quota_bound, latency_bound)


def _split(stream: Stream, lower: Bound, upper: Bound, concurrency: int, per_day: float) -> list[tuple[Bound, Bound]]:
    """Windows for [lower, upper), newest first; ``per_day`` is the stream's expected records
    per day (:meth:`Stream.records_per_day`)."""
    axis = stream.axis
    cap = stream.window_days()
    if cap is not None:
        # The fewest calls the range cap allows: ceil(days / cap). Windows of one day each need
        # no alignment beyond whole dates (docs/facts/google-health-api.md#daily-rollups).
        windows = []
        hi = upper
        while hi > lower:  # type: ignore[operator]
            lo = max(lower, axis.back(hi, timedelta(days=cap)))  # type: ignore[type-var]
            windows.append((lo, hi))
            hi = lo
        return windows
    if axis.divisible:
        pages = axis.days(lower, upper) * per_day / stream.page_size
        pieces = max(1, min(concurrency, math.floor(pages / MIN_PAGES_PER_WINDOW)))
        step = math.ceil((upper - lower) / pieces)  # type: ignore[operator,arg-type]
        edges = [lower + i * step for i in range(pieces)] + [upper]  # type: ignore[operator]
        return [(edges[i], edges[i + 1]) for i in reversed(range(pieces))]
    return [(lower, upper)]


def estimate_requests(stream: Stream, job: Job, per_day: float) -> int:
    lower, upper = stream.parse_bound(job.lower), stream.parse_bound(job.resume_upper)
    if upper <= lower:  # type: ignore[operator]
        return 0
    return stream.requests_for(stream.axis.days(lower, upper), per_day, job.page_size)


def plan_sync(
    vault: Vault,
    streams: list[Stream],
    options: SyncOptions,
    *,
    now_ms: int,
    history_start: date | None,
    granted_scopes: set[str] | None = None,
    persist: bool = True,
) -> SyncPlan:
    """Decide the windows of every stream and persist the new ones as jobs.

    Persisting at plan time is what makes an interrupted run resumable: the next run finds the
    unfinished windows in ``sync_jobs`` and continues them. A dry run passes ``persist=False``.
    """
    start = history_start or FALLBACK_HISTORY_START
    account = vault.account()
    today = datetime.fromtimestamp(now_ms / 1000, timezone.utc).date()
    plans = []
    for stream in streams:
        plan = StreamPlan(stream)
        plans.append(plan)
        if granted_scopes is not None and not set(stream.scopes) & granted_scopes:
            plan.skipped = "not granted: the token lacks " + " or ".join(s.rsplit("/", 1)[-1] for s in stream.scopes)
            if stream.opt_in:
                plan.skipped += f" (opt in: fitvault auth google --scopes +{stream.opt_in})"
            continue
        refused_on = account.get(UNSUPPORTED_KEY + stream.name)
        if refused_on and (today - date.fromisoformat(refused_on)).days < UNSUPPORTED_RETRY_DAYS:
            plan.skipped = f"not supported by the server (checked {refused_on})"
            continue
        existing = vault.open_jobs(stream.name)
        axis = stream.axis
        upper = axis.until(options.until) if options.until else axis.now(now_ms)
        if options.full:
            lower = axis.since(start)
        elif options.since:
            lower = axis.since(options.since)
        else:
            # Incremental: re-read the overlap behind the newest covered point — the cursor of
            # the last completed run, or the end of an unfinished one (whose open windows are
            # resumed as they are).
            ends = [b for b in (vault.sync_state(stream.name)["synced_until"], vault.jobs_upper(stream.name)) if b]
            lower = axis.back(max(axis.parse(b) for b in ends), stream.overlap) if ends else axis.since(start)
        per_day = stream.records_per_day(vault.conn)
        new_jobs = [
            Job(stream.name, stream.format_bound(lo), stream.format_bound(hi), stream.format_bound(hi), stream.page_size)
            for lo, hi in (_split(stream, lower, upper, options.concurrency, per_day) if lower < upper else [])
        ]
        known = {(j.lower, j.upper) for j in existing}
        new_jobs = [j for j in new_jobs if (j.lower, j.upper) not in known]
        if persist:
            vault.add_jobs(new_jobs)
        plan.jobs = existing + new_jobs
        plan.resumed = len(existing)
        plan.estimated_requests = sum(estimate_requests(stream, j, per_day) for j in plan.jobs)
    return SyncPlan(plans, now_ms, options.concurrency)
