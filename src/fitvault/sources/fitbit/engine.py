"""Syncing the legacy Fitbit source: context, plan, walks, replay.

* **Context.** The profile gives the zone every local time is read in (``timezone``), today's
  date in that zone (where windows end) and ``memberSince`` (where the history starts).
* **Plan.** The sync core's planner (:func:`fitvault.sync.plan.plan_sync`), as for the Google
  source: per stream, resume the unfinished windows of an interrupted run, else continue from
  the stream's ``synced_until`` minus its overlap (recent days change: late syncs, re-processed
  sleep), else start at ``memberSince``; ``--since`` / ``--until`` / ``--full`` override.
  Windows are stored in ``sync_jobs`` under the stream's name (``fitbit:heart-rate`` ...) before
  any request, so a killed run resumes them.
* **Run.** The sync core's one run loop (:class:`fitvault.sync.engine.SyncEngine`) with
  :class:`FitbitSource`: one request at a time (the budget is 150 an hour), cheapest streams
  first, the run stopping between requests on Ctrl-C or a fatal error. A window is walked
  newest first in steps of the stream's range limit (a day for intraday series); after each
  response the raw body is archived (:meth:`Vault.archive_page`), then its rows and the window's
  new cursor are committed in one transaction. A crash loses nothing and repeats at most one
  request.
* **Errors.** 410 (the API is gone), and what stops any source (authorisation failures, an
  exhausted rate limit, vault errors), stop the run; a 403 (scope not granted) skips the stream;
  other failures are recorded on their stream and the run goes on. The report says what is left.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

from fitvault import errors, timeutil
from fitvault.axis import Bound
from fitvault.http.source import ClientSource
from fitvault.sources.fitbit.activity import DailyCalories, DailyDistance, DailyFloors, DailySteps, IntradaySteps
from fitvault.sources.fitbit.base import ORIGIN, FitbitStream
from fitvault.sources.fitbit.body import BodyFatLogs, WeightLogs
from fitvault.sources.fitbit.client import FitbitClient
from fitvault.sources.fitbit.exercises import ActivityLogs
from fitvault.sources.fitbit.heart_rate import DailyRestingHeartRate, IntradayHeartRate
from fitvault.sources.fitbit.sleep import SleepLogs
from fitvault.sources.fitbit.vitals import (
    DailyBreathingRate,
    DailyHrv,
    DailySpo2,
    IntradayHrv,
    IntradaySpo2,
    SkinTemperature,
)
from fitvault.store.vault import Job, Vault
from fitvault.stream import ParsedPage, Stream
from fitvault.sync.engine import Refusal, Skip, SyncEngine
from fitvault.sync.plan import SyncOptions, SyncPlan, plan_sync
from fitvault.sync.rebuild import clear_origin, save_replayed
from fitvault.sync.report import ProgressCallback, StreamProgress, SyncReport

log = logging.getLogger("fitvault.fitbit")

#: Every legacy stream, in run order: a request or two per year of history first, the
#: one-request-per-day intraday series last.
STREAMS: tuple[FitbitStream, ...] = (
    DailyRestingHeartRate(), DailySteps(), DailyDistance(), DailyFloors(), DailyCalories(), SleepLogs(),
    ActivityLogs(), WeightLogs(), BodyFatLogs(), DailyHrv(), DailySpo2(), DailyBreathingRate(), SkinTemperature(),
    IntradayHrv(), IntradaySpo2(), IntradaySteps(), IntradayHeartRate(),
)
STREAMS_BY_NAME: dict[str, FitbitStream] = {s.name: s for s in STREAMS}
#: The type ids (the Google Health API's, as ``--types`` takes them) this source can fill.
TYPE_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.data_type for s in STREAMS))
ACCOUNT_PREFIX = "fitbit:"


@dataclass(frozen=True)
class Context:
    """What the profile says, for reading local times and bounding windows."""

    time_zone: str | None
    utc_offset_s: int
    member_since: date | None
    today: date


def streams_for_types(types: tuple[str, ...] | list[str] | None) -> list[FitbitStream]:
    """The legacy streams of the given type ids (all when None)."""
    if not types:
        return list(STREAMS)
    unknown = sorted(set(types) - set(TYPE_IDS))
    if unknown:
        raise errors.ConfigError(
            f"the legacy Fitbit API has no {', '.join(unknown)}; it can sync: {', '.join(TYPE_IDS)}"
        )
    return [s for s in STREAMS if s.data_type in types]


def read_context(vault: Vault, client: FitbitClient, now_ms: int | None = None) -> Context:
    """Read the profile (one request) and remember its zone in the vault's ``account`` table."""
    now_ms = timeutil.utc_now_ms() if now_ms is None else now_ms
    account = vault.account()
    try:
        profile = client.profile()
    except (errors.PermissionDenied, errors.NotFound) as exc:
        zone = account.get(ACCOUNT_PREFIX + "time_zone") or account.get("time_zone")
        if not zone:
            raise errors.ConfigError(
                f"the Fitbit profile cannot be read ({exc.message}), and fitvault needs its time zone to read "
                "Fitbit's local times: run `fitvault auth fitbit` and allow the profile scope"
            ) from exc
        log.warning("Fitbit profile not readable (%s); using the stored zone %s", exc, zone)
        since = account.get(ACCOUNT_PREFIX + "member_since")
        offset = int(account.get(ACCOUNT_PREFIX + "utc_offset_s") or 0)
        return Context(zone, offset, date.fromisoformat(since) if since else None,
                       timeutil.Zone(zone, offset).today(now_ms))
    zone = profile.get("timezone") or None
    offset = int(profile.get("offsetFromUTCMillis") or 0) // 1000
    member_since = None
    if profile.get("memberSince"):
        try:
            member_since = date.fromisoformat(str(profile["memberSince"])[:10])
        except ValueError:
            log.warning("the Fitbit profile's memberSince %r is not a date", profile["memberSince"])
    values: dict[str, str | None] = {ACCOUNT_PREFIX + "time_zone": zone, ACCOUNT_PREFIX + "utc_offset_s": str(offset),
                                     ACCOUNT_PREFIX + "member_since": member_since.isoformat() if member_since else None,
                                     ACCOUNT_PREFIX + "user_id": profile.get("encodedId")}
    if zone and not account.get("time_zone"):
        values.update(time_zone=zone, utc_offset_s=str(offset))
    vault.set_account(**values)
    return Context(zone, offset, member_since, timeutil.Zone(zone, offset).today(now_ms))


def make_plan(
    vault: Vault,
    client: FitbitClient,
    options: SyncOptions = SyncOptions(),
    *,
    granted_scopes: set[str] | None = None,
    dry_run: bool = False,
    now_ms: int | None = None,
) -> tuple[SyncPlan, Context]:
    """Read the profile and decide the windows (recorded in the vault unless ``dry_run``)."""
    streams = streams_for_types(options.types)
    if options.full and options.since:
        raise errors.ConfigError("--full re-fetches from the start of the history; it does not go with --since")
    now_ms = timeutil.utc_now_ms() if now_ms is None else now_ms
    context = read_context(vault, client, now_ms)
    until = options.until or context.today
    opts = SyncOptions(types=None, since=options.since, until=until, full=options.full, concurrency=1)
    plan = plan_sync(vault, list(streams), opts, now_ms=now_ms, history_start=context.member_since,
                     granted_scopes=granted_scopes, persist=not dry_run)
    return plan, context


def run_plan(
    vault: Vault,
    client: FitbitClient,
    plan: SyncPlan,
    context: Context,
    *,
    progress: ProgressCallback | None = None,
) -> SyncReport:
    """Fetch every window of a plan; ``report.incomplete`` lists what is left undone."""
    return SyncEngine(vault, FitbitSource(vault, client, context), concurrency=1, progress=progress).run(plan)


def sync(
    vault: Vault,
    client: FitbitClient,
    options: SyncOptions = SyncOptions(),
    *,
    granted_scopes: set[str] | None = None,
    progress: ProgressCallback | None = None,
    now_ms: int | None = None,
) -> SyncReport:
    """Plan and run one legacy sync (hold :func:`fitvault.sync.sync_lock` around it).

    Args:
        vault: the open vault.
        client: an authenticated :class:`FitbitClient`.
        options: types (type ids), ``since`` / ``until`` (local dates, inclusive), ``full``.
        granted_scopes: the token's scopes; streams not covered are skipped with a message.
        progress: called after every response.
        now_ms: "now" (default: the clock); windows end at today in the profile's zone.

    Raises:
        FitbitApiRetired: the API answered 410 Gone (turned off on 2026-11-02).
    """
    plan, context = make_plan(vault, client, options, granted_scopes=granted_scopes, now_ms=now_ms)
    return run_plan(vault, client, plan, context, progress=progress)


class FitbitSource(ClientSource):
    """The legacy Fitbit Web API as a :class:`fitvault.sync.engine.Source`, for one run."""

    name = ORIGIN
    fatal: tuple[type[BaseException], ...] = (errors.FitbitApiRetired,)
    cancelled: tuple[type[BaseException], ...] = ()  # the core stops the run between requests
    notes: tuple[str, ...] = ("source: fitbit-web-api",)

    client: FitbitClient

    def __init__(self, vault: Vault, client: FitbitClient, context: Context) -> None:
        self.vault = vault
        self.client = client
        self.context = context

    # -- the Source protocol -----------------------------------------------------------------
    def schedule(self, plan: SyncPlan, per_day: dict[str, float]) -> list[tuple[Stream, Job]]:
        """The plan's order (cheapest streams first, :data:`STREAMS`), each stream's windows
        newest first."""
        return [(sp.stream, job) for sp in plan.streams if not sp.skipped
                for job in sorted(sp.jobs, key=lambda j: j.upper, reverse=True)]

    def walk(self, run: SyncEngine, stream: Stream, job: Job, progress: StreamProgress) -> None:
        assert isinstance(stream, FitbitStream)
        if stream.kind == "list":
            self._walk_list(run, stream, job, progress)
        else:
            self._walk_ranges(run, stream, job, progress)

    def refused(self, stream: Stream, exc: errors.FitvaultError) -> Refusal:
        """A 403 (scope not granted) skips the stream; anything else fails the window."""
        if isinstance(exc, errors.PermissionDenied):
            return Skip(f"permission denied ({exc.message})")
        return "window"

    def latest(self, stream: Stream, now_ms: int) -> Bound:
        return self.context.today + timedelta(days=1)

    # -- walking a window ------------------------------------------------------------------
    def _request(self, stream: FitbitStream, first: date, last: date, params: dict | None) -> dict:
        return {"method": "GET", "path": stream.path(first, last), "params": params, "first": first.isoformat(),
                "last": last.isoformat(), "time_zone": self.context.time_zone,
                "utc_offset_s": self.context.utc_offset_s}

    def _fetch(self, run: SyncEngine, stream: FitbitStream, request: dict) -> tuple[ParsedPage, object]:
        run.checkpoint()
        response = self.client.get(request["path"], request["params"])
        self.vault.archive_page(stream.name, request, response.content)
        try:
            page = stream.parse_response(response.data, request)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            page = ParsedPage(bad=[(f"{type(exc).__name__}: {exc}", {"request": request})])
        return page, response.data

    def _walk_ranges(self, run: SyncEngine, stream: FitbitStream, job: Job, progress: StreamProgress) -> None:
        """Newest first, a request per ``max_days`` dates (a day for ``day`` streams); the cursor
        moves to each request's first date."""
        lower = date.fromisoformat(job.lower)
        while True:
            resume = date.fromisoformat(job.resume_upper)
            if resume <= lower:
                run.close(stream, job, progress)
                return
            last = resume - timedelta(days=1)
            first = max(lower, resume - timedelta(days=stream.max_days))
            page, _ = self._fetch(run, stream, self._request(stream, first, last, stream.params(first, last)))
            job.resume_upper = first.isoformat()
            job.done = first <= lower
            run.commit(stream, page, job, progress)
            if job.done:
                return

    def _walk_list(self, run: SyncEngine, stream: FitbitStream, job: Job, progress: StreamProgress) -> None:
        """A paged list (activity logs), newest first; the cursor keeps the oldest date seen
        (records may share a date), the ``next`` link's query pages on."""
        lower = date.fromisoformat(job.lower)
        resume = date.fromisoformat(job.resume_upper)
        if resume <= lower:
            run.close(stream, job, progress)
            return
        last = resume - timedelta(days=1)
        params: dict | None = stream.params(lower, last)
        while True:
            page, data = self._fetch(run, stream, self._request(stream, lower, last, params))
            oldest = _oldest_start(data)
            nxt = ((data.get("pagination") or {}).get("next") if isinstance(data, dict) else None) or ""
            job.done = not nxt or oldest is None or oldest < lower
            if job.done:
                job.resume_upper = job.lower
            elif oldest is not None:
                # records may share a date: keep the oldest date seen inside what is left
                resume = min(resume, oldest + timedelta(days=1))
                job.resume_upper = resume.isoformat()
            run.commit(stream, page, job, progress)
            if job.done:
                return
            # Only the query of ``next`` is used: the token never goes to a host a response names.
            params = dict(parse_qsl(urlsplit(nxt).query))

    # -- rebuild -------------------------------------------------------------------------------
    @staticmethod
    def replay(vault: Vault, conn: sqlite3.Connection) -> dict[str, int]:
        """Delete this origin's rows and re-derive them from its raw pages (see :func:`replay`)."""
        return _replay(vault, conn)


def replay(vault: Vault) -> dict[str, int]:
    """Re-derive this source's rows from the raw archive (downloads nothing), in one transaction.

    Returns records per stream and ``pages`` replayed. Rows of other origins are left alone;
    rows of this origin are deleted first, in the same transaction.
    """
    with vault.transaction() as conn:
        return _replay(vault, conn)


def _replay(vault: Vault, conn: sqlite3.Connection) -> dict[str, int]:
    counts: dict[str, int] = {"pages": 0}
    clear_origin(conn, (t for s in STREAMS for t in s.tables), ORIGIN)
    for _page_id, name, request, body in vault.raw_pages(list(STREAMS_BY_NAME)):
        stream = STREAMS_BY_NAME[name]
        try:
            page = stream.parse_response(json.loads(body), request)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            vault.quarantine(conn, name, [(f"{type(exc).__name__}: {exc}", {"request": request})])
            continue
        save_replayed(vault, conn, name, stream, page, counts)
    return counts


def _oldest_start(data: object) -> date | None:
    """The local date of the oldest ``startTime`` on an activity-list page (None: no entries)."""
    days = []
    for log in (data.get("activities") if isinstance(data, dict) else None) or ():
        try:
            days.append(date.fromisoformat(str(log["startTime"])[:10]))
        except (KeyError, TypeError, ValueError):
            continue
    return min(days) if days else None
