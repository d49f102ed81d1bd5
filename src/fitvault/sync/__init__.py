"""Keeping the vault in sync with the Google Health API.

:func:`sync` is what ``fitvault sync`` and the Python API call: plan the windows (or only show
the plan, for a dry run), then run them. :func:`sync_lock` keeps two syncs off one vault.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

import filelock

from fitvault import errors, timeutil
from fitvault.sources.google.client import HealthApiClient
from fitvault.config import VaultPaths
from fitvault.datatypes import DETAILS_SUFFIX, STREAMS_BY_NAME, streams_for_types
from fitvault.store.origins import ORIGIN_GOOGLE_HEALTH_API
from fitvault.store.vault import Vault
from fitvault.sync.context import refresh_context
from fitvault.sync.engine import ProgressCallback, StreamProgress, SyncEngine, SyncReport
from fitvault.sync.plan import FALLBACK_HISTORY_START, SyncOptions, SyncPlan, plan_sync

log = logging.getLogger("fitvault.sync")

__all__ = [
    "StreamProgress", "SyncOptions", "SyncPlan", "SyncReport", "history_start", "make_plan", "rebuild",
    "run_plan", "sync", "sync_lock",
]


@contextmanager
def sync_lock(paths: VaultPaths, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the vault's sync lock; :class:`VaultLocked` if another process holds it."""
    lock = filelock.FileLock(str(paths.sync_lock))
    try:
        lock.acquire(timeout=wait_s)
    except filelock.Timeout as exc:
        raise errors.VaultLocked(
            f"another fitvault process is syncing into {paths.root}; wait for it to finish "
            "(or pass --wait SECONDS)"
        ) from exc
    except OSError as exc:  # a read-only or vanished vault folder
        raise errors.StoreError(
            f"cannot lock the vault {paths.root}: the folder is read-only or not writable "
            f"({exc.strerror or exc}); nothing was changed"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def history_start(vault: Vault, client: HealthApiClient, *, now_ms: int | None = None) -> date | None:
    """The account's first day, remembered in the vault: the profile's ``membershipStartDate``,
    or, when the profile has none (django-google-health's live profile carried ``age`` only,
    reference §8), the first day with step data found by :func:`probe_history_start`."""
    known = vault.account().get("membership_start")
    if known is not None:
        return date.fromisoformat(known) if known else None  # "" = neither profile nor probe had one
    try:
        profile = client.profile()
    except (errors.PermissionDenied, errors.InvalidArgument, errors.NotFound) as exc:
        log.warning("profile not readable (%s); looking for the first day with data", exc)
        profile = {}
    start = profile.get("membershipStartDate")
    day = timeutil.date_from_json(start) if start else None
    if day is None:
        day = probe_history_start(client, now_ms if now_ms is not None else timeutil.utc_now_ms())
        log.warning("the profile has no membershipStartDate; the first day with data is %s", day or "none")
    vault.set_account(membership_start=day.isoformat() if day else "")
    return day


#: Streams probed for the history start, in order: the first whose type can be listed decides.
PROBE_STREAMS = ("steps", "heart-rate")


def probe_history_start(client: HealthApiClient, now_ms: int) -> date | None:
    """The first UTC day with data, by bisection: ~13 one-point ``list`` requests between
    :data:`FALLBACK_HISTORY_START` and now, instead of walking every rollup window back to 2009
    (a 14-day cap is ~465 requests per type). Each probe asks whether any point lies before a
    day (``pageSize`` 1 over [2009, day)); the answer is monotonic in the day. None when the
    account has no data at all (or no probe type can be listed)."""
    lo_day = FALLBACK_HISTORY_START
    hi_day = timeutil.from_ms(now_ms).date() + timedelta(days=1)
    lo_ms = timeutil.utc_midnight_ms(lo_day)
    for name in PROBE_STREAMS:
        stream = STREAMS_BY_NAME[name]

        def any_before(day: date, stream=stream) -> bool:
            response = client.list_page(stream.data_type, page_size=1,
                                        filter_text=stream.filter_text(lo_ms, timeutil.utc_midnight_ms(day)))
            return bool(response.data.get("dataPoints"))

        try:
            if not any_before(hi_day):
                continue
            a, b = 0, (hi_day - lo_day).days  # any_before(lo + a days) is False, (lo + b days) True
            while b - a > 1:
                mid = (a + b) // 2
                if any_before(lo_day + timedelta(days=mid)):
                    b = mid
                else:
                    a = mid
        except (errors.PermissionDenied, errors.InvalidArgument, errors.NotFound) as exc:
            log.warning("history start: %s not readable (%s)", name, exc)
            continue
        # The last day without a point before it is the first day with one (UTC); a day earlier
        # covers every zone's local date of that instant.
        return lo_day + timedelta(days=a) - timedelta(days=1)
    return None


def make_plan(
    vault: Vault,
    client: HealthApiClient,
    options: SyncOptions = SyncOptions(),
    *,
    granted_scopes: set[str] | None = None,
    dry_run: bool = False,
    now_ms: int | None = None,
) -> SyncPlan:
    """Decide what one sync will fetch. Unless ``dry_run``, the windows are recorded in the
    vault so that an interrupted run resumes them. Fetches at most the profile (history start).
    """
    try:
        streams = streams_for_types(list(options.types) if options.types else None)
    except ValueError as exc:
        raise errors.ConfigError(str(exc)) from exc
    if options.full and options.since:
        raise errors.ConfigError("--full re-fetches from the start of the history; it does not go with --since")
    now = now_ms if now_ms is not None else timeutil.utc_now_ms()
    needs_start = options.full or any(
        not vault.sync_state(s.name)["synced_until"] and not options.since for s in streams
    )
    start = history_start(vault, client, now_ms=now) if needs_start else None
    return plan_sync(
        vault, streams, options, now_ms=now, history_start=start, granted_scopes=granted_scopes,
        persist=not dry_run,
    )


def run_plan(
    vault: Vault,
    client: HealthApiClient,
    plan: SyncPlan,
    *,
    progress: ProgressCallback | None = None,
) -> SyncReport:
    """Read the account context (time zone, devices), then fetch every window of a plan;
    ``report.incomplete`` lists what is left undone."""
    refresh_context(vault, client)
    return SyncEngine(vault, client, concurrency=plan.concurrency, progress=progress).run(plan)


def sync(
    vault: Vault,
    client: HealthApiClient,
    options: SyncOptions = SyncOptions(),
    *,
    granted_scopes: set[str] | None = None,
    progress: ProgressCallback | None = None,
    now_ms: int | None = None,
) -> SyncReport:
    """Plan and run one sync (hold :func:`sync_lock` around this call).

    Args:
        vault: the open vault.
        client: an authenticated API client.
        options: types, dates, full re-sync, concurrency.
        granted_scopes: the token's scopes; streams not covered are skipped with a message.
        progress: called from worker threads after every page.
        now_ms: the upper bound of the run (default: now).
    """
    plan = make_plan(vault, client, options, granted_scopes=granted_scopes, now_ms=now_ms)
    return run_plan(vault, client, plan, progress=progress)


def rebuild(vault: Vault) -> dict[str, int]:
    """Re-derive the API sources' rows from the raw archive; downloads nothing.

    The Google Health API's rows are deleted and replayed in one transaction, then the legacy
    Fitbit Web API's (its own transaction). Rows of other origins — imported archives and CSV
    files, which are not in the raw archive — are left as they are.

    Returns pages replayed and records parsed per stream.
    """
    from fitvault.sources.fitbit.engine import replay as replay_fitbit

    counts: dict[str, int] = {}
    pages = 0
    details: list[tuple] = []  # follow-ups are saved after every page: their records exist then
    with vault.transaction() as conn:
        for table in dict.fromkeys(t for s in STREAMS_BY_NAME.values() for t in s.tables):
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            if "source_id" in columns:  # session parts go with their session (ON DELETE CASCADE)
                conn.execute(
                    f"DELETE FROM {table} WHERE source_id IN (SELECT id FROM sources WHERE origin = ?)",  # noqa: S608
                    (ORIGIN_GOOGLE_HEALTH_API,),
                )
        names = list(STREAMS_BY_NAME) + [n + DETAILS_SUFFIX for n in STREAMS_BY_NAME]
        conn.execute(f"DELETE FROM quarantine WHERE stream IN ({', '.join('?' * len(names))})", names)
        for _page_id, name, request, body in vault.raw_pages(names):
            if name.endswith(DETAILS_SUFFIX):  # a follow-up (an exercise's route), keyed by its request
                stream = STREAMS_BY_NAME.get(name.removesuffix(DETAILS_SUFFIX))
                if stream is not None:
                    try:
                        details.append((stream, stream.parse_detail(request["id"], body)))
                    except (KeyError, ValueError, AttributeError) as exc:
                        vault.quarantine(conn, name, [(f"{type(exc).__name__}: {exc}", {"request": request})])
                        continue
                    counts[name] = counts.get(name, 0) + 1
                    pages += 1
                    continue
            stream = STREAMS_BY_NAME.get(name)
            if stream is None:
                log.warning("raw page of unknown stream %r skipped", name)
                continue
            page = stream.parse_bytes(body)
            if page.rows:
                stream.save(conn, page.rows, vault.source_id)
            if page.bad:
                vault.quarantine(conn, name, page.bad)
            counts[name] = counts.get(name, 0) + len(page.rows)
            pages += 1
        for stream, detail in details:
            stream.save_details(conn, [detail])
    legacy = replay_fitbit(vault)
    pages += legacy.pop("pages")
    counts.update(legacy)
    counts["pages"] = pages
    return counts
