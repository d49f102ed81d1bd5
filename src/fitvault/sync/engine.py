"""Running a sync plan: walk every window, commit each page with its cursor, report progress.

A ``list`` window is walked newest-first (the API orders by time descending, reference §1.3).
After each page the window's ``resume_upper`` moves down to the oldest record of the *previous*
page (kept inclusive, since records may share a timestamp), and the page's rows, its quarantined
points and the new cursor are committed in one transaction, the raw page having been archived
just before. A run killed at any point therefore resumes at most one page behind the last
committed page, and re-reads it (upserts make that harmless).

Defensive choices, each for an undocumented or disputed point of the API:

* newest-first order is checked across pages; if a server breaks it, the cursor stops moving
  for that window (a crash then re-walks the window instead of skipping data). A page out of
  order shows only when the page after it arrives, which is why the cursor trails by one page:
  were a server to send an older page before a newer one, a cursor moved by the older page
  alone would skip the newer one after a crash (tests/test_reliability_faults.py);
* an empty page that still carries a ``nextPageToken`` does not end the walk (reference §1.3);
* a 504 restarts the walk from the cursor with half the page size — a token cannot be reused
  with another ``pageSize`` (reference §4.3, P-MCP);
* a refused filter field switches to the stream's alternative (sleep, reference §7 item 6);
* a page token refused mid-walk (expired?) restarts the walk from the cursor.

Errors are told apart by ``details[].reason`` (Google's catalogue, reference §8; the table in
docs/errors.md): only ACCOUNT_NOT_LINKED / 412 (the account cannot be read), 401 after a refresh,
a 429 past the retry budget and a vault failure stop the run. UNSUPPORTED_DATA_TYPE_ACTION skips
the stream (or walks it with ``reconcile`` when ``list`` is refused and reconcile is among its
``metadata.allowed_actions``); INVALID_ROLLUP_QUERY_DURATION re-walks the window in ranges of the
``metadata.maxDurationDays`` it names; a follow-up request failing for one record (an exercise's
route export) is logged and the rest goes on; any other refusal fails its window only.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from fitvault import errors, timeutil
from fitvault.sources.google.client import ApiResponse, Cancelled, GatewayTimeout, HealthApiClient
from fitvault.datatypes import DETAILS_SUFFIX
from fitvault.datatypes.base import Bound, ParsedPage, Stream
from fitvault.store.vault import Job, Vault
from fitvault.sync.plan import UNSUPPORTED_KEY, UNSUPPORTED_RETRY_DAYS, SyncPlan, estimate_requests

log = logging.getLogger("fitvault.sync")

MIN_PAGE_SIZE = 250
# After a 504 shrank the page, this many good pages in a row grow it back (doubling), so one
# slow moment does not cost a whole backfill its page size.
GROW_AFTER_PAGES = 3
MAX_EMPTY_PAGES_IN_A_ROW = 1000
MAX_WALK_RESTARTS = 8
# Errors after which nothing else can work: stop every worker. (A RateLimited here has
# outlasted the retry budget or asks for a longer wait than allowed: the quota is per user, so
# every other stream would meet it too.)
_FATAL = (errors.AuthError, errors.AccountNotLinked, errors.Unauthenticated, errors.StoreError, errors.RateLimited)
# Account key ``method:<stream>`` = "reconcile": the server refused ``list`` for the stream's type
# and allows ``reconcile`` (same filter, paging and answer shape, reference §1.5).
METHOD_KEY = "method:"
# Reasons that say the data type itself is unknown here (Google's catalogue): skipped like an
# unsupported action.
_UNKNOWN_TYPE_REASONS = {"INVALID_PARENT_DATA_TYPE_COLLECTION", "INVALID_DATA_TYPE", "INVALID_DATA_TYPE_FORMAT"}


class _Stopped(Exception):
    """Raised inside a worker when the run is being stopped."""


@dataclass
class StreamProgress:
    """What one stream has done so far in this run (also its final result)."""

    stream: str
    window: tuple[str, str] | None = None
    jobs: int = 0
    jobs_done: int = 0
    requests: int = 0
    records: int = 0          # records received from the API
    changed: int = 0          # rows inserted or changed in the vault
    quarantined: int = 0
    fraction: float = 0.0     # of the planned window, by time covered
    error: str | None = None
    skipped: str | None = None


@dataclass
class SyncReport:
    run_id: int
    streams: dict[str, StreamProgress] = field(default_factory=dict)
    requests: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def incomplete(self) -> list[str]:
        """One line per stream that has work left, saying what and why."""
        lines = []
        for p in self.streams.values():
            if p.error:
                lines.append(f"{p.stream}: {p.jobs - p.jobs_done} window(s) left ({p.error})")
            elif not p.skipped and p.jobs_done < p.jobs:
                lines.append(f"{p.stream}: {p.jobs - p.jobs_done} window(s) left (interrupted)")
        return lines

    @property
    def skipped(self) -> list[str]:
        return [f"{p.stream}: {p.skipped}" for p in self.streams.values() if p.skipped]


ProgressCallback = Callable[[StreamProgress], None]


class SyncEngine:
    """Runs a :class:`SyncPlan` with a few worker threads sharing one client and one quota."""

    def __init__(
        self,
        vault: Vault,
        client: HealthApiClient,
        *,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.vault = vault
        self.client = client
        self.concurrency = max(1, concurrency)
        self._progress_cb = progress
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # Which of a stream's alternative filters this server accepts, remembered in the vault so
        # a refused filter costs one request once, not once per run.
        self._filter_choice: dict[str, int] = {
            key.split(":", 1)[1]: int(value) for key, value in vault.account().items() if key.startswith("filter:")
        }
        self._list_method: dict[str, str] = {
            key.split(":", 1)[1]: value for key, value in vault.account().items() if key.startswith(METHOD_KEY)
        }
        self._rollup_cap: dict[str, int] = {}  # maxDurationDays a server named for a stream
        self._spans: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._details_denied = False
        self._warned_bad: set[str] = set()

    # -- public ----------------------------------------------------------------------------
    def run(self, plan: SyncPlan) -> SyncReport:
        self._now_ms = plan.now_ms
        self.client.reset_cancel()
        started = time.monotonic()
        requests_before = self.client.requests_sent
        report = SyncReport(self.vault.start_run())
        for sp in plan.streams:
            report.streams[sp.stream.name] = StreamProgress(
                sp.stream.name, sp.window, jobs=len(sp.jobs),
                skipped=sp.skipped,
            )
            for job in sp.jobs:
                self._spans[(job.stream, job.lower, job.upper)] = self._span(sp.stream, job)
        # Cheapest windows first: daily summaries and sleep land within seconds instead of
        # waiting behind a long heart-rate backfill; the long chains then share the workers.
        per_day = {sp.stream.name: sp.stream.records_per_day(self.vault.conn) for sp in plan.streams}
        work = sorted(
            ((sp.stream, job) for sp in plan.streams if not sp.skipped for job in sp.jobs),
            key=lambda item: estimate_requests(item[0], item[1], per_day[item[0].name]),
        )
        fatal: BaseException | None = None
        try:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fitvault-sync") as pool:
                futures = [pool.submit(self._run_job, stream, job, report.streams[stream.name]) for stream, job in work]
                try:
                    pending = set(futures)
                    while pending:
                        done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
                        for f in done:
                            exc = f.exception()
                            if exc is not None and fatal is None and not isinstance(exc, (_Stopped, Cancelled)):
                                fatal = exc
                                self._stop.set()
                                self.client.cancel()
                except KeyboardInterrupt:
                    report.interrupted = True
                    self._stop.set()
                    self.client.cancel()
                    raise
        finally:
            report.requests = self.client.requests_sent - requests_before
            report.elapsed_s = time.monotonic() - started
            self._finish(plan, report, fatal)
        if fatal is not None:
            fatal.report = report  # type: ignore[attr-defined]  # what was done before it stopped
            raise fatal
        return report

    # -- workers ---------------------------------------------------------------------------
    def _run_job(self, stream: Stream, job: Job, progress: StreamProgress) -> None:
        if self._stop.is_set():
            raise _Stopped()
        try:
            if stream.operation == "dailyRollUp":
                self._walk_daily_rollup(stream, job, progress)
            else:
                self._walk_list(stream, job, progress)
        except (_Stopped, Cancelled):
            raise _Stopped() from None
        except errors.FitvaultError as exc:
            what = disposition(exc)
            if what == "stop":
                self._record_error(progress, exc)
                raise
            if what == "window":
                # This window failed after its retries; the others go on. The run reports it.
                self._record_error(progress, exc)
                log.warning("%s: window %s..%s failed: %s", stream.name, job.lower, job.upper, exc)
                return
            if self._switch_to_reconcile(stream, exc):
                return self._run_job(stream, job, progress)
            self.vault.drop_jobs(stream.name)
            if isinstance(exc, errors.PermissionDenied):
                # The token's scopes said yes but the server says no for this type (a narrowed
                # consent, or a scope that differs from the docs): skip the type, keep the rest.
                self._skip(progress, f"permission denied ({exc.message}); grant it with `fitvault auth google`")
                return
            # The docs and live servers disagree on which operations each type supports
            # (reference §7 item 5): a refusal is a fact about this server, not a failure.
            self.vault.set_account(**{f"{UNSUPPORTED_KEY}{stream.name}": timeutil.from_ms(self._now_ms).date().isoformat()})
            allowed = getattr(exc, "allowed_actions", ())
            also = f"; it allows {', '.join(allowed)}" if allowed else ""
            self._skip(progress, f"not supported by the server ({exc.message}{also}); "
                                 f"retried in {UNSUPPORTED_RETRY_DAYS} days")

    def _switch_to_reconcile(self, stream: Stream, exc: errors.ApiError) -> bool:
        """After ``list`` was refused: walk the stream with ``reconcile`` from now on, when the
        refusal names it among the allowed actions (remembered in the vault). False otherwise."""
        if stream.operation != "list" or self._list_method.get(stream.name) == "reconcile":
            return False
        if "reconcile" not in getattr(exc, "allowed_actions", ()):
            return False
        with self._lock:
            self._list_method[stream.name] = "reconcile"
        self.vault.set_account(**{f"{METHOD_KEY}{stream.name}": "reconcile"})
        log.warning("%s: list refused (%s); reading it with reconcile", stream.name, exc.message)
        return True

    def _walk_list(self, stream: Stream, job: Job, progress: StreamProgress) -> None:
        lower = stream.parse_bound(job.lower)
        restarts = 0
        while True:
            resume = stream.parse_bound(job.resume_upper)
            walk_start = job.resume_upper
            if resume <= lower:  # type: ignore[operator]
                # Nothing left (a cursor can pass ``lower`` after a widened fallback filter).
                job.done = True
                self.vault.save_page(stream, ParsedPage(), job, on_stream_complete=self._completer(stream))
                self._advance(progress, stream, job, 0, 0, 0, request=False)
                return
            filters = stream.alternative_filters(lower, resume)
            choice = self._filter_choice.get(stream.name, 0)
            filter_text = filters[choice]
            token: str | None = None
            ordered = True
            prev_oldest = None
            pending = None  # the cursor the pages so far allow, once the next page confirms the order
            empty_in_a_row = 0
            gateway_timeouts = 0
            good_pages = 0
            restart = False
            while not restart:
                if self._stop.is_set():
                    raise _Stopped()
                sent_token = token
                try:
                    response = self.client.list_page(
                        stream.data_type, filter_text=filter_text, page_size=job.page_size, page_token=token,
                        method=self._list_method.get(stream.name, "list"),
                    )
                except GatewayTimeout:
                    gateway_timeouts += 1
                    if gateway_timeouts >= self.client.retry.attempts:
                        raise
                    if job.page_size > MIN_PAGE_SIZE:
                        job.page_size = max(MIN_PAGE_SIZE, job.page_size // 2)
                        log.info("%s: 504, walking again from the cursor with pageSize %d", stream.name, job.page_size)
                        restart = True
                    else:
                        self.client.backoff(gateway_timeouts)  # already small: plain retry
                    continue
                except errors.UnsupportedAction:
                    raise
                except errors.InvalidArgument as exc:
                    if token is None and choice + 1 < len(filters) and "FILTER" in (exc.reason or exc.message).upper():
                        choice += 1
                        self._filter_choice[stream.name] = choice
                        self.vault.set_account(**{f"filter:{stream.name}": str(choice)})
                        log.warning("%s: filter refused (%s); trying %s", stream.name, exc, filters[choice])
                        filter_text = filters[choice]
                        continue
                    if token is not None and restarts < MAX_WALK_RESTARTS:
                        log.warning("%s: page token refused (%s); walking again from the cursor", stream.name, exc)
                        restarts += 1
                        restart = True
                        continue
                    raise
                gateway_timeouts = 0
                # Archive while parsing (compression and the disk sync release the GIL); the raw
                # page is durable before anything parsed from it is committed.
                archived = self.vault.archive_page_soon(
                    stream.name,
                    {"method": "GET", "data_type": stream.data_type, "filter": filter_text,
                     "pageSize": job.page_size, "next_page": bool(sent_token)},
                    response.content,
                )
                try:
                    page = self._parsed(stream, response)
                    token = _next_page_token(response.next_page_token)
                finally:
                    archived.result()
                if stream.details_table and page.rows:
                    self._fetch_details(stream, page)  # archived after their page: rebuild replays in order
                if page.rows:
                    empty_in_a_row = 0
                    if prev_oldest is not None and page.newest > prev_oldest:  # type: ignore[operator]
                        if ordered:
                            log.warning("%s: pages are not newest-first; the cursor waits for the window's end", stream.name)
                        ordered = False
                    if ordered and pending is not None:
                        resume = min(resume, pending)  # type: ignore[type-var]
                    prev_oldest = page.oldest if prev_oldest is None else min(prev_oldest, page.oldest)  # type: ignore[type-var]
                    pending = stream.resume_upper(prev_oldest)  # type: ignore[arg-type]
                else:
                    empty_in_a_row += 1
                    if token and empty_in_a_row >= MAX_EMPTY_PAGES_IN_A_ROW:
                        raise errors.ApiError(
                            f"{MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row; giving up on this window",
                            http_status=200,
                        )
                job.done = token is None
                job.resume_upper = stream.format_bound(resume) if ordered else walk_start
                good_pages += 1
                if not job.done and ordered and job.page_size < stream.page_size and good_pages >= GROW_AFTER_PAGES:
                    # A token is bound to its pageSize, so a bigger page means a new walk from
                    # the cursor just committed (it re-reads the one page the cursor trails by).
                    job.page_size = min(stream.page_size, job.page_size * 2)
                    restart = True
                changed = self.vault.save_page(stream, page, job, on_stream_complete=self._completer(stream))
                self._advance(progress, stream, job, len(page.rows), changed, len(page.bad))
                if job.done:
                    return

    def _walk_daily_rollup(self, stream: Stream, job: Job, progress: StreamProgress) -> None:
        """One ``dailyRollUp`` request per range (newest first). Rollups do not page live (no
        ``nextPageToken`` in 19 requests; haelan ``probe/findings/rollup-methods.md``), so no
        ``pageSize`` is sent: live, one smaller than the range is a 400. A token, should one come,
        is still followed. A range over the type's cap (INVALID_ROLLUP_QUERY_DURATION) is cut
        into ranges of the ``maxDurationDays`` the refusal names, and the window walked again."""
        lower, upper = stream.parse_bound(job.lower), stream.parse_bound(job.upper)
        while True:
            cap = self._rollup_cap.get(stream.name)
            ranges = _date_ranges(lower, upper, cap) if cap else [(lower, upper)]  # type: ignore[arg-type]
            try:
                for i, (lo, hi) in enumerate(ranges):
                    self._daily_rollup_range(stream, job, progress, lo, hi, last=i == len(ranges) - 1)
                return
            except errors.RangeTooLong as exc:
                days = exc.max_days
                if days is None or (cap is not None and days >= cap):
                    raise
                with self._lock:
                    self._rollup_cap[stream.name] = days
                log.warning("%s: the server caps a rollup at %d days; walking in ranges that long", stream.name, days)

    def _daily_rollup_range(self, stream: Stream, job: Job, progress: StreamProgress, lo, hi, *, last: bool) -> None:
        body = {
            "range": {"start": {"date": timeutil.date_to_json(lo)}, "end": {"date": timeutil.date_to_json(hi)}},
            "windowSizeDays": 1,
        }
        token: str | None = None
        while True:
            if self._stop.is_set():
                raise _Stopped()
            request = dict(body, pageToken=token) if token else body
            response = self.client.daily_rollup(stream.data_type, request)
            page = self._parsed(stream, response)
            self.vault.archive_page(
                stream.name, {"method": "POST", "data_type": stream.data_type, "body": body, "next_page": bool(token)},
                response.content,
            )
            token = _next_page_token(response.next_page_token)
            job.done = token is None and last
            if job.done:
                job.resume_upper = job.lower
            changed = self.vault.save_page(stream, page, job, on_stream_complete=self._completer(stream))
            self._advance(progress, stream, job, len(page.rows), changed, len(page.bad))
            if token is None:
                return

    def _parsed(self, stream: Stream, response: ApiResponse) -> ParsedPage:
        """The page's rows; an unusable page fails the window (it is neither saved nor taken for
        the end of the data). Quarantined points are logged once per stream and run: a field
        renamed upstream makes every point fail while the run itself goes on (peers §3.5)."""
        page = stream.parse(response.data) if response.decoded else stream.parse_bytes(response.content)
        if page.malformed:
            raise errors.ApiError(f"the server sent an unusable page: {page.malformed}", http_status=200)
        if page.bad and stream.name not in self._warned_bad:
            self._warned_bad.add(stream.name)
            log.warning("%s: %d point(s) on a page could not be stored and were quarantined (first: %s); "
                        "`fitvault status` counts them", stream.name, len(page.bad), page.bad[0][0][:200])
        return page

    def _fetch_details(self, stream: Stream, page: ParsedPage) -> None:
        """Follow-up requests for a page's records (an exercise's GPS route), archived like pages
        and saved with the page. A refused scope (location) stops asking for the rest of the run."""
        if self._details_denied:
            return
        have = self.vault.keys_present(stream.details_table, stream.details_key, stream.page_ids(page))  # type: ignore[arg-type]
        for record_id in stream.wanted_details(page, have):
            path, params = stream.detail_request(record_id)
            try:
                content = self.client.media("GET", path, params=params)
            except errors.PermissionDenied as exc:
                self._details_denied = True
                log.warning("%s: routes not fetched: %s (grant location access with `fitvault auth google`)",
                            stream.name, exc.message)
                return
            except _FATAL:
                raise
            except (errors.ApiError, errors.TransportError) as exc:
                # One record's follow-up failing (an export refused with FAILED_PRECONDITION for
                # an exercise without GPS, a 404, a 5xx past its retries) is that record's matter:
                # the page, the stream and every other stream go on; the next run asks again.
                log.warning("%s: no route for %s: %s", stream.name, record_id, exc)
                continue
            self.vault.archive_page(
                stream.name + DETAILS_SUFFIX, {"method": "GET", "data_type": stream.data_type, "id": record_id},
                content,
            )
            try:
                page.details.append(stream.parse_detail(record_id, content))
            except ValueError as exc:
                page.bad.append((f"route of {record_id}: {exc}", {"id": record_id, "body": content[:2000].decode(
                    "utf-8", "replace")}))

    def _skip(self, progress: StreamProgress, why: str) -> None:
        with self._lock:
            progress.skipped = why
        log.warning("%s: skipped: %s", progress.stream, why)
        if self._progress_cb:
            self._progress_cb(progress)

    # -- bookkeeping -----------------------------------------------------------------------
    @staticmethod
    def _span(stream: Stream, job: Job) -> tuple[float, float]:
        """(total, remaining) size of a job's window, in days."""
        lo, hi, resume = (stream.parse_bound(x) for x in (job.lower, job.upper, job.resume_upper))
        if stream.bound == "date":
            total, left = (hi - lo).days, (resume - lo).days  # type: ignore[operator,union-attr]
        else:
            total, left = (hi - lo) / 86_400_000, (resume - lo) / 86_400_000  # type: ignore[operator]
        return float(max(total, 0)), float(max(left, 0))

    def _advance(
        self, progress: StreamProgress, stream: Stream, job: Job, records: int, changed: int, bad: int,
        *, request: bool = True,
    ) -> None:
        with self._lock:
            key = (job.stream, job.lower, job.upper)
            total, _ = self._spans[key]
            self._spans[key] = (total, 0.0 if job.done else self._span(stream, job)[1])
            spans = [v for k, v in self._spans.items() if k[0] == job.stream]
            all_total = sum(t for t, _ in spans)
            progress.fraction = 1.0 if all_total == 0 else sum(t - left for t, left in spans) / all_total
            progress.requests += int(request)
            progress.records += records
            progress.changed += changed
            progress.quarantined += bad
            if job.done:
                progress.jobs_done += 1
        if self._progress_cb:
            self._progress_cb(progress)

    def _record_error(self, progress: StreamProgress, exc: BaseException) -> None:
        with self._lock:
            progress.error = str(exc)
        if self._progress_cb:
            self._progress_cb(progress)

    def _completer(self, stream: Stream) -> Callable:
        """What the last page of a stream's run does, in that page's transaction: move the
        stream's covered range (``synced_from`` .. ``synced_until``) and stamp ``last_sync``."""

        def complete(conn, span: tuple[str, str]) -> None:
            lower, upper = stream.parse_bound(span[0]), stream.parse_bound(span[1])
            # Never record a cursor in the future: a date window reaches "tomorrow anywhere on
            # Earth" and an --until may be later than now; the overlap must start from now.
            now = self._now_ms if stream.bound == "instant" else timeutil.from_ms(self._now_ms).date()
            upper = min(upper, now)  # type: ignore[type-var]
            values = completed_state(stream, lower, upper, self.vault.sync_state(stream.name))
            self.vault.set_sync_state(stream.name, conn, **values)

        return complete

    def _finish(self, plan: SyncPlan, report: SyncReport, fatal: BaseException | None) -> None:
        """Record errors on their streams and the run's outcome."""
        record_outcome(self.vault, report, fatal, report.incomplete)


def completed_state(stream: Stream, lower: Bound, upper: Bound, state: Mapping[str, Any]) -> dict[str, str | None]:
    """The ``sync_state`` values to set when a run of ``stream`` completes the window
    [lower, upper): ``last_sync`` now, no ``last_error``, and the covered range
    (``synced_from`` .. ``synced_until``, in ``state``) set to the window if there was none, or
    extended by it if they touch."""
    until = stream.parse_bound(state["synced_until"]) if state["synced_until"] else None
    since = stream.parse_bound(state["synced_from"]) if state["synced_from"] else None
    values: dict[str, str | None] = {"last_sync": _utc_now_text(), "last_error": None}
    if lower < upper:  # type: ignore[operator]
        if until is None or since is None:
            values.update(synced_from=stream.format_bound(lower), synced_until=stream.format_bound(upper))
        elif lower <= until and upper >= since:  # type: ignore[operator]
            # Only a window that touches the covered range extends it; an island
            # elsewhere (--since/--until) is stored but does not move the cursor.
            values.update(
                synced_from=stream.format_bound(min(lower, since)),  # type: ignore[type-var]
                synced_until=stream.format_bound(max(upper, until)),  # type: ignore[type-var]
            )
    return values


def record_outcome(vault: Vault, report: SyncReport, fatal: BaseException | None, notes: list[str]) -> None:
    """Record errors on their streams and the run's outcome (``notes`` go with it). A vault
    error here is raised only if the run had not already failed (the first error is the one to
    show)."""
    try:
        for p in report.streams.values():
            if p.error:
                vault.set_sync_state(p.stream, last_error=p.error)
        outcome = "interrupted" if report.interrupted else "failed" if fatal else (
            "incomplete" if report.incomplete else "ok"
        )
        records = sum(p.records for p in report.streams.values())
        vault.finish_run(report.run_id, outcome, report.requests, records, "\n".join(notes))
    except errors.StoreError:
        if fatal is None:
            raise


def disposition(exc: BaseException) -> str:
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
    if isinstance(exc, _FATAL):
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


def _date_ranges(lower: date, upper: date, days: int) -> list[tuple[date, date]]:
    """[lower, upper) cut into ranges of at most ``days`` days, newest first."""
    out = []
    hi = upper
    while hi > lower:
        lo = max(lower, hi - timedelta(days=days))
        out.append((lo, hi))
        hi = lo
    return out


def _next_page_token(token: Any) -> str | None:
    """The page's ``nextPageToken`` (None at the end). One of another type is a broken answer:
    the window fails with a clear error (sending it back would fail inside httpx instead)."""
    if token is None or isinstance(token, str):
        return token or None
    raise errors.ApiError(f"the server sent a nextPageToken that is not a string: {type(token).__name__}",
                          http_status=200)


def _utc_now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
