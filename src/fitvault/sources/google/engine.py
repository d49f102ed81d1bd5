"""Keeping the vault in sync with the Google Health API: the source the sync core runs.

:func:`sync` is what ``fitvault sync`` and the Python API call: read the history start,
plan the windows (:func:`fitvault.sync.plan.plan_sync`; or only show the plan, for a dry run),
read the account context (:mod:`.context`), then run them with the one run loop
(:class:`fitvault.sync.engine.SyncEngine`) and :class:`GoogleSource`, whose walks are
:mod:`.walks`.

Errors are told apart by ``details[].reason`` (Google's catalogue, docs/facts/google-health-api.md#settled-by-captured-payloads; the table in
docs/errors.md): only ACCOUNT_NOT_LINKED / 412 (the account cannot be read), 401 after a refresh,
a 429 past the retry budget and a vault failure stop the run. UNSUPPORTED_DATA_TYPE_ACTION skips
the stream (or walks it with ``reconcile`` when ``list`` is refused and reconcile is among its
``metadata.allowed_actions``); INVALID_ROLLUP_QUERY_DURATION re-walks the window in ranges of the
``metadata.maxDurationDays`` it names; a follow-up request failing for one record (an exercise's
route export) is logged and the rest goes on; any other refusal fails its window only.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, timedelta
from typing import Literal

from fitvault import errors, timeutil
from fitvault.axis import Bound
from fitvault.datatypes import DETAILS_SUFFIX, STREAMS_BY_NAME, streams_for_types
from fitvault.datatypes.base import Stream
from fitvault.http.source import ClientSource
from fitvault.sources.google.client import Cancelled, HealthApiClient
from fitvault.sources.google.context import refresh_context
from fitvault.sources.google.walks import ListWalk, RollupWalk
from fitvault.store.origins import ORIGIN_GOOGLE_HEALTH_API
from fitvault.store.vault import Job, Vault
from fitvault.sync.engine import FATAL, Refusal, Skip, SyncEngine
from fitvault.sync.plan import (
    FALLBACK_HISTORY_START,
    UNSUPPORTED_KEY,
    UNSUPPORTED_RETRY_DAYS,
    SyncOptions,
    SyncPlan,
    estimate_requests,
    plan_sync,
)
from fitvault.sync.rebuild import clear_origin, save_replayed
from fitvault.sync.report import ProgressCallback, StreamProgress, SyncReport

log = logging.getLogger("fitvault.sync")

# Account key ``method:<stream>`` = "reconcile": the server refused ``list`` for the stream's type
# and allows ``reconcile`` (same filter, paging and answer shape, docs/facts/google-health-api.md#reconcile).
METHOD_KEY = "method:"
# Reasons that say the data type itself is unknown here (Google's catalogue): skipped like an
# unsupported action.
_UNKNOWN_TYPE_REASONS = {"INVALID_PARENT_DATA_TYPE_COLLECTION", "INVALID_DATA_TYPE", "INVALID_DATA_TYPE_FORMAT"}


class GoogleSource(ClientSource):
    """The Google Health API as a :class:`fitvault.sync.engine.Source`, for one run: its client,
    and what the run learns about this server (remembered in the vault where it lasts)."""

    name = ORIGIN_GOOGLE_HEALTH_API
    fatal: tuple[type[BaseException], ...] = (errors.AccountNotLinked,)
    fatal_errors = FATAL + fatal
    cancelled: tuple[type[BaseException], ...] = (Cancelled,)
    notes: tuple[str, ...] = ()

    client: HealthApiClient

    def __init__(self, vault: Vault, client: HealthApiClient, *, routes_refused_note: str | None = None) -> None:
        self.vault = vault
        self.client = client
        self.routes_refused_note = routes_refused_note
        account = vault.account()
        # Which of a stream's alternative filters this server accepts, remembered in the vault so
        # a refused filter costs one request once, not once per run.
        self.filter_choice: dict[str, int] = {
            key.split(":", 1)[1]: int(value) for key, value in account.items() if key.startswith("filter:")
        }
        self._list_method: dict[str, str] = {
            key.split(":", 1)[1]: value for key, value in account.items() if key.startswith(METHOD_KEY)
        }
        self.rollup_cap: dict[str, int] = {}  # maxDurationDays a server named for a stream
        self.details_denied = False
        self._now_ms = 0

    # -- the Source protocol -----------------------------------------------------------------
    def schedule(self, plan: SyncPlan, per_day: dict[str, float]) -> list[tuple[Stream, Job]]:
        """Cheapest windows first: daily summaries and sleep land within seconds instead of
        waiting behind a long heart-rate backfill; the long chains then share the workers."""
        self._now_ms = plan.now_ms
        return sorted(
            ((sp.stream, job) for sp in plan.streams if not sp.skipped for job in sp.jobs),  # type: ignore[misc]
            key=lambda item: estimate_requests(item[0], item[1], per_day[item[0].name]),
        )

    def walk(self, run: SyncEngine, stream: Stream, job: Job, progress: StreamProgress) -> None:
        walk = RollupWalk if stream.operation == "dailyRollUp" else ListWalk
        walk(self, run, stream, job, progress).walk()

    def refused(self, stream: Stream, exc: errors.FitvaultError) -> Refusal:
        """A 403 or an unsupported type or operation skips the stream (or, when ``list`` was
        refused and ``reconcile`` allowed, walks it again with reconcile); anything else fails
        the window."""
        if disposition(exc) == "window" or not isinstance(exc, errors.ApiError):
            return "window"
        if self._switch_to_reconcile(stream, exc):
            return "retry"
        if isinstance(exc, errors.PermissionDenied):
            # The token's scopes said yes but the server says no for this type (a narrowed
            # consent, or a scope that differs from the docs): skip the type, keep the rest.
            return Skip(f"permission denied ({exc.message}); grant it with `fitvault auth google`")
        # The docs and live servers disagree on which operations each type supports
        # (docs/facts/google-health-api.md#which-operations-each-type-supports): a refusal is a fact about this server, not a failure.
        self.vault.set_account(**{f"{UNSUPPORTED_KEY}{stream.name}": timeutil.from_ms(self._now_ms).date().isoformat()})
        allowed = getattr(exc, "allowed_actions", ())
        also = f"; it allows {', '.join(allowed)}" if allowed else ""
        return Skip(f"not supported by the server ({exc.message}{also}); retried in {UNSUPPORTED_RETRY_DAYS} days")

    def latest(self, stream: Stream, now_ms: int) -> Bound:
        return stream.axis.latest(now_ms)

    # -- what the walks ask ------------------------------------------------------------------
    def list_method(self, stream: Stream) -> str:
        return self._list_method.get(stream.name, "list")

    def remember_filter(self, stream: Stream, choice: int) -> None:
        self.filter_choice[stream.name] = choice
        self.vault.set_account(**{f"filter:{stream.name}": str(choice)})

    def _switch_to_reconcile(self, stream: Stream, exc: errors.ApiError) -> bool:
        """After ``list`` was refused: walk the stream with ``reconcile`` from now on, when the
        refusal names it among the allowed actions (remembered in the vault). False otherwise."""
        if stream.operation != "list" or self._list_method.get(stream.name) == "reconcile":
            return False
        if "reconcile" not in getattr(exc, "allowed_actions", ()):
            return False
        self._list_method[stream.name] = "reconcile"
        self.vault.set_account(**{f"{METHOD_KEY}{stream.name}": "reconcile"})
        log.warning("%s: list refused (%s); reading it with reconcile", stream.name, exc.message)
        return True

    # -- rebuild -------------------------------------------------------------------------------
    @staticmethod
    def replay(vault: Vault, conn: sqlite3.Connection) -> dict[str, int]:
        """Delete this origin's rows (and its streams' quarantine) and replay its raw pages in
        archive order; follow-ups (an exercise's route) are saved after every page, when their
        records exist. Returns records per stream and ``pages`` replayed."""
        counts: dict[str, int] = {"pages": 0}
        details: list[tuple] = []
        clear_origin(conn, (t for s in STREAMS_BY_NAME.values() for t in s.tables), ORIGIN_GOOGLE_HEALTH_API)
        names = list(STREAMS_BY_NAME) + [n + DETAILS_SUFFIX for n in STREAMS_BY_NAME]
        conn.execute(f"DELETE FROM quarantine WHERE stream IN ({', '.join('?' * len(names))})", names)
        for _page_id, name, request, body in vault.raw_pages(names):
            if name.endswith(DETAILS_SUFFIX):
                _replay_detail(vault, conn, name, request, body, details, counts)
            else:
                _replay_page(vault, conn, name, body, counts)
        for stream, detail in details:
            stream.save_details(conn, [detail])
        return counts


def _replay_page(vault: Vault, conn: sqlite3.Connection, name: str, body: bytes, counts: dict[str, int]) -> None:
    stream = STREAMS_BY_NAME.get(name)
    if stream is None:
        log.warning("raw page of unknown stream %r skipped", name)
        return
    save_replayed(vault, conn, name, stream, stream.parse_bytes(body), counts)


def _replay_detail(vault: Vault, conn: sqlite3.Connection, name: str, request: dict, body: bytes,
                   details: list[tuple], counts: dict[str, int]) -> None:
    """A follow-up (an exercise's route), keyed by its request; kept for after the pages."""
    stream = STREAMS_BY_NAME.get(name.removesuffix(DETAILS_SUFFIX))
    if stream is None:
        log.warning("raw page of unknown stream %r skipped", name)
        return
    try:
        details.append((stream, stream.parse_detail(request["id"], body)))
    except (KeyError, ValueError, AttributeError) as exc:
        vault.quarantine(conn, name, [(f"{type(exc).__name__}: {exc}", {"request": request})])
        return
    counts[name] = counts.get(name, 0) + 1
    counts["pages"] += 1


def disposition(exc: BaseException) -> Literal["stop", "skip", "window"]:
    """What a sync does with an error that outlasted the client's retries (docs/errors.md):

    * ``"stop"``: nothing else can work, the run stops (ACCOUNT_NOT_LINKED or 412, a 401 after
      the refresh, a 429 past the retry budget, an authorisation or vault failure);
    * ``"skip"``: the stream is skipped, the rest goes on (UNSUPPORTED_DATA_TYPE_ACTION or an
      unknown type: remembered and retried in 30 days, or read with ``reconcile`` when ``list``
      was refused and reconcile allowed; a 403 for the type);
    * ``"window"``: this window fails and is resumed next run, the rest goes on (any other 400
      such as a refused filter, page size or user name, a 404, a 5xx or transport error past its
      retries).
    """
    if isinstance(exc, GoogleSource.fatal_errors):
        return "stop"
    if isinstance(exc, errors.PermissionDenied):
        return "skip"
    if isinstance(exc, errors.InvalidArgument) and _unsupported(exc):
        return "skip"
    return "window"


def _unsupported(exc: errors.ApiError) -> bool:
    """A 400 saying the type or operation is not supported (not a bad filter or page token):
    reason UNSUPPORTED_DATA_TYPE_ACTION (live, with ``metadata.allowed_actions``; haelan probe) or
    an unknown-type reason; without a reason, the live wording "DailyRollup is not supported"
    (P-MCP) / "The data type ID x is not supported" (TRBL)."""
    if isinstance(exc, errors.UnsupportedAction) or exc.reason in _UNKNOWN_TYPE_REASONS:
        return True
    return exc.reason is None and "not supported" in exc.message.lower()


# -- entry points ------------------------------------------------------------------------------
def history_start(vault: Vault, client: HealthApiClient, *, now_ms: int | None = None) -> date | None:
    """The account's first day, remembered in the vault: the profile's ``membershipStartDate``,
    or, when the profile has none (django-google-health's live profile carried ``age`` only,
    docs/facts/google-health-api.md#settled-by-captured-payloads), the first day with step data found by :func:`probe_history_start`."""
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

        def any_before(day: date, stream: Stream = stream) -> bool:
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
        vault, list(streams), options, now_ms=now, history_start=start, granted_scopes=granted_scopes,
        persist=not dry_run,
    )


def run_plan(
    vault: Vault,
    client: HealthApiClient,
    plan: SyncPlan,
    *,
    progress: ProgressCallback | None = None,
    routes_refused_note: str | None = None,
) -> SyncReport:
    """Read the account context (time zone, devices), then fetch every window of a plan;
    ``report.incomplete`` lists what is left undone. ``routes_refused_note``: see :func:`sync`."""
    refresh_context(vault, client)
    source = GoogleSource(vault, client, routes_refused_note=routes_refused_note)
    return SyncEngine(vault, source, concurrency=plan.concurrency, progress=progress).run(plan)


def sync(
    vault: Vault,
    client: HealthApiClient,
    options: SyncOptions = SyncOptions(),
    *,
    granted_scopes: set[str] | None = None,
    progress: ProgressCallback | None = None,
    now_ms: int | None = None,
    routes_refused_note: str | None = None,
) -> SyncReport:
    """Plan and run one sync (hold :func:`fitvault.sync.sync_lock` around this call).

    Args:
        vault: the open vault.
        client: an authenticated API client.
        options: types, dates, full re-sync, concurrency.
        granted_scopes: the token's scopes; streams not covered are skipped with a message.
        progress: called from worker threads after every page.
        now_ms: the upper bound of the run (default: now).
        routes_refused_note: why routes are not collected, from a caller that left the location
            scope out on purpose (a study): a refused route is then logged at debug level with
            this note instead of a warning advising ``fitvault auth google``.
    """
    plan = make_plan(vault, client, options, granted_scopes=granted_scopes, now_ms=now_ms)
    return run_plan(vault, client, plan, progress=progress, routes_refused_note=routes_refused_note)
