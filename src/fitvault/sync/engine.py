"""One run loop for every source: walk every window of a plan, commit each page with its
cursor, report progress, stop on what nothing survives.

A :class:`Source` (the Google Health API, :mod:`fitvault.sources.google`; the legacy Fitbit
Web API, :mod:`fitvault.sources.fitbit`) says how one window of one of its streams is walked,
which of its errors stop the run, what a refusal means for a stream, and in what order the
windows go. :class:`SyncEngine` does the rest, the same way for both:

* **Workers.** Windows run on ``concurrency`` threads sharing the source's client and quota
  (one worker walks in the caller's thread, so Ctrl-C interrupts a request or a quota wait at
  once). The first fatal error, or Ctrl-C, sets the stop flag every walk checks before each
  request (:meth:`SyncEngine.checkpoint`) and cancels the source's requests in flight.
* **Commits.** A walk hands each parsed page to :meth:`SyncEngine.commit`: the page's rows, its
  quarantined points and the window's cursor go into one transaction (the raw page was archived
  before). The page that finishes a stream's last window also moves the stream's covered range
  (``synced_from`` .. ``synced_until``, never past :meth:`Source.latest`) in that transaction,
  so a crash can never separate "last page saved" from "cursor advanced".
* **Errors** that outlast the client's retries: the core's fatal ones (:data:`FATAL`:
  authorisation, a 401 after the refresh, a 429 past the retry budget, a vault failure) and the
  source's own (:attr:`Source.fatal`) stop the run; any other is put to
  :meth:`Source.refused`, which fails the window (the run goes on and reports it), walks it again
  (after the source changed how it asks), or skips the stream (its windows are dropped and its
  later windows are not walked).
* **Progress** per stream: requests, records, rows changed, quarantined points and the
  fraction of the planned windows covered, by time; the run's outcome is recorded in ``runs``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol, TypeVar, Union

from fitvault import errors
from fitvault.axis import Bound
from fitvault.store.vault import Job, Vault
from fitvault.stream import ParsedPage, Stream
from fitvault.sync.plan import SyncPlan
from fitvault.sync.report import ProgressCallback, StreamProgress, SyncReport, completed_state, record_outcome

log = logging.getLogger("fitvault.sync")

#: Errors after which nothing else can work, whatever the source: stop every worker. (A
#: RateLimited here has outlasted the retry budget or asks for a longer wait than allowed: the
#: quota is per user, so every other stream would meet it too.)
FATAL: tuple[type[BaseException], ...] = (errors.AuthError, errors.Unauthenticated, errors.StoreError, errors.RateLimited)


class Stopped(Exception):
    """Raised inside a worker when the run is being stopped."""


@dataclass(frozen=True)
class Skip:
    """A refusal that is a fact about the stream, not a failure: skip it, saying why."""

    reason: str


#: What a source makes of a refusal: fail this window, walk it again, or skip the stream.
Refusal = Union[Literal["window", "retry"], Skip]


S = TypeVar("S", bound=Stream)


class Source(Protocol[S]):
    """What the run loop needs of an API source (see the module docstring); ``S`` is the
    source's stream declaration."""

    #: Errors of this source after which nothing else can work (beyond :data:`FATAL`).
    fatal: tuple[type[BaseException], ...]
    #: Exceptions its client raises for a cancelled request.
    cancelled: tuple[type[BaseException], ...]
    #: Lines recorded with the run's outcome, before the incomplete streams.
    notes: tuple[str, ...]

    @property
    def requests_sent(self) -> int:
        """Requests sent so far by the source's client."""

    def start(self) -> None:
        """Called once before the first window (a client may clear an earlier cancel)."""

    def cancel(self) -> None:
        """Cut short the requests in flight (the run is stopping)."""

    def schedule(self, plan: SyncPlan, per_day: dict[str, float]) -> list[tuple[S, Job]]:
        """The windows of the plan's streams that are not skipped, in the order to walk them."""

    def walk(self, run: SyncEngine, stream: S, job: Job, progress: StreamProgress) -> None:
        """Walk one window, committing each page through ``run``."""

    def refused(self, stream: S, exc: errors.FitvaultError) -> Refusal:
        """What a non-fatal error of a walk means for the stream."""

    def latest(self, stream: S, now_ms: int) -> Bound:
        """The latest position a stream's covered range may be recorded to reach."""


class Replayable(Protocol):
    """A source whose raw pages :func:`fitvault.sync.rebuild.rebuild` replays."""

    name: str

    def replay(self, vault: Vault, conn: sqlite3.Connection) -> dict[str, int]:
        """Delete the source's rows and re-derive them from its raw pages, inside ``conn``'s
        transaction; returns records per stream and ``pages`` replayed."""


class SyncEngine:
    """Runs a :class:`SyncPlan` of one source with a few worker threads."""

    def __init__(
        self,
        vault: Vault,
        source: Source[Any],
        *,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.vault = vault
        self.source = source
        self.concurrency = max(1, concurrency)
        self.now_ms = 0
        self.lock = threading.Lock()
        self._progress_cb = progress
        self._stop = threading.Event()
        self._spans: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._warned_bad: set[str] = set()
        self._cancelled = False

    # -- public ----------------------------------------------------------------------------
    def run(self, plan: SyncPlan) -> SyncReport:
        self.now_ms = plan.now_ms
        self.source.start()
        started = time.monotonic()
        requests_before = self.source.requests_sent
        report = SyncReport(self.vault.start_run())
        for sp in plan.streams:
            report.streams[sp.stream.name] = StreamProgress(sp.stream.name, sp.window, jobs=len(sp.jobs),
                                                            skipped=sp.skipped)
            for job in sp.jobs:
                self._spans[(job.stream, job.lower, job.upper)] = self._span(sp.stream, job)
        per_day = {sp.stream.name: sp.stream.records_per_day(self.vault.conn) for sp in plan.streams}
        work = self.source.schedule(plan, per_day)
        fatal: BaseException | None = None
        try:
            fatal = self._run_inline(work, report) if self.concurrency == 1 else self._run_pool(work, report)
        finally:
            report.interrupted = report.interrupted or self._cancelled
            report.requests = self.source.requests_sent - requests_before
            report.elapsed_s = time.monotonic() - started
            self._finish(plan, report, fatal)
        if fatal is not None:
            fatal.report = report  # type: ignore[attr-defined]  # what was done before it stopped
            raise fatal
        return report

    def cancel(self) -> None:
        """Stop the run from another thread (or a progress callback): no window starts and no
        request is sent after this; the run returns its report, marked interrupted, and the
        windows left are resumed by the next run."""
        self._cancelled = True
        self._stop_all()

    # -- what a walk calls -------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Before each request: raise :class:`Stopped` when the run is stopping."""
        if self._stop.is_set():
            raise Stopped()

    def commit(self, stream: Stream, page: ParsedPage, job: Job, progress: StreamProgress, *,
               request: bool = True) -> int:
        """Save a page's rows and the job's cursor in one transaction (finishing the stream's
        covered range with its last page), and count it; returns the rows changed."""
        changed = self.vault.save_page(stream, page, job, on_stream_complete=self._completer(stream))
        self._advance(progress, stream, job, len(page.rows), changed, len(page.bad), request=request)
        return changed

    def close(self, stream: Stream, job: Job, progress: StreamProgress) -> None:
        """Finish a window with nothing left to fetch (no request)."""
        job.done = True
        self.commit(stream, ParsedPage(), job, progress, request=False)

    def note_quarantined(self, stream: Stream, page: ParsedPage) -> None:
        """Log a page's quarantined points once per stream and run: a field renamed upstream
        makes every point fail while the run itself goes on (docs/facts/other-tools.md#silent-data-loss)."""
        if page.bad and stream.name not in self._warned_bad:
            self._warned_bad.add(stream.name)
            log.warning("%s: %d point(s) on a page could not be stored and were quarantined (first: %s); "
                        "`fitvault status` counts them", stream.name, len(page.bad), page.bad[0][0][:200])

    # -- workers ---------------------------------------------------------------------------
    def _run_pool(self, work: list[tuple[Stream, Job]], report: SyncReport) -> BaseException | None:
        fatal: BaseException | None = None
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fitvault-sync") as pool:
            futures = [pool.submit(self._run_job, stream, job, report.streams[stream.name]) for stream, job in work]
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
                    for f in done:
                        exc = f.exception()
                        if exc is not None and fatal is None and not isinstance(exc, Stopped):
                            fatal = exc
                            self._stop_all()
            except KeyboardInterrupt:
                self._interrupt(report)
                raise
        return fatal

    def _run_inline(self, work: list[tuple[Stream, Job]], report: SyncReport) -> BaseException | None:
        try:
            for stream, job in work:
                self._run_job(stream, job, report.streams[stream.name])
        except KeyboardInterrupt:
            self._interrupt(report)
            raise
        except Stopped:
            return None
        except Exception as exc:  # noqa: BLE001 - the run's fatal error, raised after the bookkeeping
            self._stop_all()
            return exc
        return None

    def _run_job(self, stream: Stream, job: Job, progress: StreamProgress) -> None:
        self.checkpoint()
        if progress.skipped:  # an earlier window found the stream refused
            return
        try:
            self.source.walk(self, stream, job, progress)
        except Stopped:
            raise
        except self.source.cancelled:
            raise Stopped() from None
        except errors.FitvaultError as exc:
            if isinstance(exc, FATAL + self.source.fatal):
                self._record_error(progress, exc)
                raise
            self._refused(stream, job, progress, exc)

    def _refused(self, stream: Stream, job: Job, progress: StreamProgress, exc: errors.FitvaultError) -> None:
        what = self.source.refused(stream, exc)
        if what == "window":
            # This window failed after its retries; the others go on. The run reports it.
            self._record_error(progress, exc)
            log.warning("%s: window %s..%s failed: %s", stream.name, job.lower, job.upper, exc)
        elif what == "retry":
            self._run_job(stream, job, progress)
        else:
            self.vault.drop_jobs(stream.name)
            self._skip(progress, what.reason)

    def _stop_all(self) -> None:
        self._stop.set()
        self.source.cancel()

    def _interrupt(self, report: SyncReport) -> None:
        report.interrupted = True
        self._stop_all()

    # -- bookkeeping -----------------------------------------------------------------------
    @staticmethod
    def _span(stream: Stream, job: Job) -> tuple[float, float]:
        """(total, remaining) size of a job's window, in days."""
        lo, hi, resume = (stream.parse_bound(x) for x in (job.lower, job.upper, job.resume_upper))
        total, left = stream.axis.days(lo, hi), stream.axis.days(lo, resume)
        return float(max(total, 0)), float(max(left, 0))

    def _advance(
        self, progress: StreamProgress, stream: Stream, job: Job, records: int, changed: int, bad: int,
        *, request: bool = True,
    ) -> None:
        with self.lock:
            key = (job.stream, job.lower, job.upper)
            total, _ = self._spans.get(key) or self._span(stream, job)
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
        self._notify(progress)

    def _skip(self, progress: StreamProgress, why: str) -> None:
        with self.lock:
            progress.skipped = why
        log.warning("%s: skipped: %s", progress.stream, why)
        self._notify(progress)

    def _record_error(self, progress: StreamProgress, exc: BaseException) -> None:
        with self.lock:
            progress.error = str(exc)
        self._notify(progress)

    def _notify(self, progress: StreamProgress) -> None:
        if self._progress_cb:
            self._progress_cb(progress)

    def _completer(self, stream: Stream) -> Callable[[sqlite3.Connection, tuple[str, str]], None]:
        """What the last page of a stream's run does, in that page's transaction: move the
        stream's covered range (``synced_from`` .. ``synced_until``) and stamp ``last_sync``."""

        def complete(conn: sqlite3.Connection, span: tuple[str, str]) -> None:
            lower, upper = stream.parse_bound(span[0]), stream.parse_bound(span[1])
            # Never record a cursor in the future: a date window reaches "tomorrow anywhere on
            # Earth" and an --until may be later than now; the overlap must start from now.
            upper = min(upper, self.source.latest(stream, self.now_ms))  # type: ignore[type-var]
            values = completed_state(stream, lower, upper, self.vault.sync_state(stream.name))
            self.vault.set_sync_state(stream.name, conn, **values)

        return complete

    def _finish(self, plan: SyncPlan, report: SyncReport, fatal: BaseException | None) -> None:
        """Record errors on their streams and the run's outcome."""
        record_outcome(self.vault, report, fatal, [*self.source.notes, *report.incomplete])
