"""How one window of a Google Health API stream is walked: ``list`` (and ``reconcile``) pages
newest first (:class:`ListWalk`), ``dailyRollUp`` ranges (:class:`RollupWalk`), and the
follow-up requests for a page's records (:func:`fetch_details`).

**The list walk's argument.** The API orders a list by time, newest first (docs/facts/google-health-api.md#list-and-paging).
A window [lower, upper) keeps a cursor, ``resume_upper``: what is left to fetch is [lower,
resume_upper). Each page is archived raw, then its rows and the new cursor are committed in one
transaction. The cursor trails *one page behind*: it moves to the oldest record of the
*previous* page (kept inclusive, since records may share a timestamp), never to the oldest of
the page just read. Newest-first order can only be checked when the next page arrives; a cursor
moved by a page whose successor then shows the order broken would, after a crash, skip every
record the server still owed above it. So a run killed at any point resumes at most one page
behind the last committed page and re-reads it (upserts make that harmless); and once the order
is seen broken, the cursor stays where this walk started (a crash re-walks the window rather
than skipping data; tests/reliability/test_reliability_faults.py).

Each recovery is a named step of :class:`ListWalk`, with its own argument:

* :meth:`~ListWalk.after_gateway_timeout`: a 504 restarts the walk from the cursor with half
  the page size (a token cannot be reused with another ``pageSize``, docs/facts/google-health-api.md#retries, P-MCP);
  :meth:`~ListWalk.grow_page` doubles it back after a few good pages;
* :meth:`~ListWalk.after_refusal`: a refused filter field switches to the stream's alternative
  (sleep, docs/facts/google-health-api.md#sleep-filter-fields); a page token refused mid-walk (expired?) restarts the walk from
  the cursor;
* :meth:`~ListWalk.count_empty`: an empty page that still carries a ``nextPageToken`` does not
  end the walk (docs/facts/google-health-api.md#list-and-paging), but a thousand in a row do;
* :meth:`~ListWalk.check_order` and :meth:`~ListWalk.trail_cursor`: the rule above.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Protocol

from fitvault import errors, timeutil
from fitvault.axis import DAY, Bound
from fitvault.datatypes import DETAILS_SUFFIX
from fitvault.datatypes.base import Stream
from fitvault.sources.google.client import ApiResponse, GatewayTimeout, HealthApiClient
from fitvault.store.vault import Job, Vault
from fitvault.stream import ParsedPage
from fitvault.sync.engine import SyncEngine
from fitvault.sync.report import StreamProgress

log = logging.getLogger("fitvault.sync")

MIN_PAGE_SIZE = 250
# After a 504 shrank the page, this many good pages in a row grow it back (doubling), so one
# slow moment does not cost a whole backfill its page size.
GROW_AFTER_PAGES = 3
MAX_EMPTY_PAGES_IN_A_ROW = 1000
MAX_WALK_RESTARTS = 8


class WalkSource(Protocol):
    """What the walks read and remember of their source for the run
    (:class:`fitvault.sources.google.engine.GoogleSource`)."""

    client: HealthApiClient
    vault: Vault
    filter_choice: dict[str, int]            # the alternative filter each stream is read with
    rollup_cap: dict[str, int]               # the rollup range cap a server named, per stream
    details_denied: bool                     # follow-ups refused for the run (location scope)
    routes_refused_note: str | None          # why the caller does not collect routes, if on purpose
    fatal_errors: tuple[type[BaseException], ...]

    def list_method(self, stream: Stream) -> str: ...

    def remember_filter(self, stream: Stream, choice: int) -> None: ...


class WalkAgain(Exception):
    """Start the walk again from the committed cursor (a new chain of page tokens)."""


class ListWalk:
    """One newest-first walk of a ``list`` window, from its cursor down to its lower bound.

    :meth:`run` walks from the cursor until the window is done, starting again from the
    cursor whenever a step raises :class:`WalkAgain`. The state below belongs to one walk from
    the cursor (:meth:`begin` resets it); ``restarts`` counts the refused page tokens of the
    whole window.
    """

    def __init__(self, source: WalkSource, run: SyncEngine, stream: Stream, job: Job,
                 progress: StreamProgress) -> None:
        self.source, self.run, self.stream, self.job, self.progress = source, run, stream, job, progress
        self.client = source.client
        self.lower = stream.parse_bound(job.lower)
        self.restarts = 0

    # -- the walk ------------------------------------------------------------------------------
    def walk(self) -> None:
        """Walk until the window is done."""
        while True:
            try:
                self.walk_from_cursor()
                return
            except WalkAgain:
                continue

    def walk_from_cursor(self) -> None:
        """One chain of pages from the committed cursor (raises :class:`WalkAgain` to start over)."""
        resume = self.stream.parse_bound(self.job.resume_upper)
        if resume <= self.lower:  # type: ignore[operator]
            # Nothing left (a cursor can pass ``lower`` after a widened fallback filter).
            self.run.close(self.stream, self.job, self.progress)
            return
        self.begin(resume)
        while not self.job.done:
            self.take(self.fetch())

    def begin(self, resume: Bound) -> None:
        """The state of a walk starting at the cursor ``resume``."""
        self.resume = resume
        self.walk_start = self.job.resume_upper
        self.filters = self.stream.alternative_filters(self.lower, resume)
        self.choice = self.source.filter_choice.get(self.stream.name, 0)
        self.token: str | None = None
        self.sent_token: str | None = None
        self.ordered = True
        self.prev_oldest: Bound | None = None   # the oldest record of the pages so far
        self.pending: Bound | None = None       # the cursor they allow, once the next page confirms the order
        self.empty_in_a_row = 0
        self.gateway_timeouts = 0
        self.good_pages = 0

    def fetch(self) -> ApiResponse:
        """The next page, after the recoveries that send its request again."""
        while True:
            self.run.checkpoint()
            self.sent_token = self.token
            try:
                response = self.client.list_page(
                    self.stream.data_type, filter_text=self.filters[self.choice], page_size=self.job.page_size,
                    page_token=self.token, method=self.source.list_method(self.stream),
                )
            except GatewayTimeout as exc:
                self.after_gateway_timeout(exc)
                continue
            except errors.UnsupportedAction:
                raise
            except errors.InvalidArgument as exc:
                self.after_refusal(exc)
                continue
            self.gateway_timeouts = 0
            return response

    def take(self, response: ApiResponse) -> None:
        """Read a page, move the cursor by the rule, and commit both (rows, quarantined points
        and cursor in one transaction)."""
        page = self.read(response)
        if self.stream.details_table and page.rows:
            fetch_details(self.source, self.stream, page)  # archived after their page: rebuild replays in order
        if page.rows:
            self.check_order(page)
            self.trail_cursor(page)
        else:
            self.count_empty()
        job = self.job
        job.done = self.token is None
        job.resume_upper = self.stream.format_bound(self.resume) if self.ordered else self.walk_start
        self.good_pages += 1
        grow = self.grow_page()
        self.run.commit(self.stream, page, job, self.progress)
        if grow:
            raise WalkAgain()

    def read(self, response: ApiResponse) -> ParsedPage:
        """Archive the raw page while parsing it (compression and the disk sync release the
        GIL); the raw page is durable before anything parsed from it is committed."""
        archived = self.run.vault.archive_page_soon(
            self.stream.name,
            {"method": "GET", "data_type": self.stream.data_type, "filter": self.filters[self.choice],
             "pageSize": self.job.page_size, "next_page": bool(self.sent_token)},
            response.content,
        )
        try:
            page = parsed(self.run, self.stream, response)
            self.token = next_page_token(response.next_page_token)
        finally:
            archived.result()
        return page

    # -- the cursor rule -------------------------------------------------------------------------
    def check_order(self, page: ParsedPage) -> None:
        """A page newer than an earlier page's oldest record breaks newest-first order: from
        then on this walk leaves the cursor where it started (the module's argument)."""
        if self.prev_oldest is not None and page.newest > self.prev_oldest:  # type: ignore[operator]
            if self.ordered:
                log.warning("%s: pages are not newest-first; the cursor waits for the window's end",
                            self.stream.name)
            self.ordered = False

    def trail_cursor(self, page: ParsedPage) -> None:
        """One page behind: this page, by arriving in order, confirms the cursor the pages before
        it allowed (``pending``); its own oldest record becomes the next ``pending``, kept
        inclusive (:meth:`Stream.resume_upper`) since records may share it."""
        if self.ordered and self.pending is not None:
            self.resume = min(self.resume, self.pending)  # type: ignore[type-var]
        oldest = page.oldest if self.prev_oldest is None else min(self.prev_oldest, page.oldest)  # type: ignore[type-var]
        self.prev_oldest = oldest
        self.pending = self.stream.resume_upper(oldest)  # type: ignore[arg-type]

    def count_empty(self) -> None:
        """An empty page with a token is not the end (docs/facts/google-health-api.md#list-and-paging): the walk goes on, the
        cursor stays. A server sending nothing but empty pages would page forever: after
        :data:`MAX_EMPTY_PAGES_IN_A_ROW` the window fails (resumed next run)."""
        self.empty_in_a_row += 1
        if self.token and self.empty_in_a_row >= MAX_EMPTY_PAGES_IN_A_ROW:
            raise errors.ApiError(f"{MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row; giving up on this window",
                                  http_status=200)

    # -- recoveries --------------------------------------------------------------------------------
    def after_gateway_timeout(self, exc: GatewayTimeout) -> None:
        """A 504: the server gave up on a page this big. A token is bound to its ``pageSize``,
        so a smaller page means a new walk from the committed cursor (:class:`WalkAgain`) with
        half the size; at :data:`MIN_PAGE_SIZE` already, the request is sent again after a
        backoff. As many 504s in a row as the client's attempts fail the window."""
        self.gateway_timeouts += 1
        if self.gateway_timeouts >= self.client.retry.attempts:
            raise exc
        if self.job.page_size > MIN_PAGE_SIZE:
            self.job.page_size = max(MIN_PAGE_SIZE, self.job.page_size // 2)
            log.info("%s: 504, walking again from the cursor with pageSize %d", self.stream.name, self.job.page_size)
            raise WalkAgain()
        self.client.backoff(self.gateway_timeouts)

    def grow_page(self) -> bool:
        """After :data:`GROW_AFTER_PAGES` good pages at a shrunk size, double it back (up to the
        stream's): True when the walk must start again from the cursor just committed (it
        re-reads the one page the cursor trails by), since a token is bound to its
        ``pageSize``. Not while the order is broken: the cursor would not have moved."""
        job = self.job
        if job.done or not self.ordered or job.page_size >= self.stream.page_size or self.good_pages < GROW_AFTER_PAGES:
            return False
        job.page_size = min(self.stream.page_size, job.page_size * 2)
        return True

    def after_refusal(self, exc: errors.InvalidArgument) -> None:
        """A 400 on a page request. On the first page, a refused *filter* field switches to the
        stream's next alternative (remembered, so it costs one request once) and the request is
        sent again. On a later page, the *page token* was refused (expired?): walk again from
        the cursor, up to :data:`MAX_WALK_RESTARTS` times. Anything else fails the window."""
        if self.token is None and self.choice + 1 < len(self.filters) and "FILTER" in (exc.reason or exc.message).upper():
            self.choice += 1
            self.source.remember_filter(self.stream, self.choice)
            log.warning("%s: filter refused (%s); trying %s", self.stream.name, exc, self.filters[self.choice])
            return
        if self.token is not None and self.restarts < MAX_WALK_RESTARTS:
            log.warning("%s: page token refused (%s); walking again from the cursor", self.stream.name, exc)
            self.restarts += 1
            raise WalkAgain()
        raise exc


class RollupWalk:
    """One ``dailyRollUp`` request per range (newest first). Rollups do not page live (no
    ``nextPageToken`` in 19 requests; haelan ``probe/findings/rollup-methods.md``), so no
    ``pageSize`` is sent: live, one smaller than the range is a 400. A token, should one come,
    is still followed. A range over the type's cap (INVALID_ROLLUP_QUERY_DURATION) is cut into
    ranges of the ``maxDurationDays`` the refusal names, and the window walked again."""

    def __init__(self, source: WalkSource, run: SyncEngine, stream: Stream, job: Job,
                 progress: StreamProgress) -> None:
        self.source, self.run, self.stream, self.job, self.progress = source, run, stream, job, progress

    def walk(self) -> None:
        lower, upper = DAY.parse(self.job.lower), DAY.parse(self.job.upper)  # rollups are by civil date
        while True:
            cap = self.source.rollup_cap.get(self.stream.name)
            ranges = date_ranges(lower, upper, cap) if cap else [(lower, upper)]
            try:
                for i, (lo, hi) in enumerate(ranges):
                    self.walk_range(lo, hi, last=i == len(ranges) - 1)
                return
            except errors.RangeTooLong as exc:
                self.cap_ranges(exc, cap)

    def cap_ranges(self, exc: errors.RangeTooLong, cap: int | None) -> None:
        """Remember the cap a refusal names; a refusal naming none, or no smaller one, fails."""
        days = exc.max_days
        if days is None or (cap is not None and days >= cap):
            raise exc
        with self.run.lock:
            self.source.rollup_cap[self.stream.name] = days
        log.warning("%s: the server caps a rollup at %d days; walking in ranges that long", self.stream.name, days)

    def walk_range(self, lo: date, hi: date, *, last: bool) -> None:
        stream, job = self.stream, self.job
        body = {
            "range": {"start": {"date": timeutil.date_to_json(lo)}, "end": {"date": timeutil.date_to_json(hi)}},
            "windowSizeDays": 1,
        }
        token: str | None = None
        while True:
            self.run.checkpoint()
            request = dict(body, pageToken=token) if token else body
            response = self.source.client.daily_rollup(stream.data_type, request)
            page = parsed(self.run, stream, response)
            self.run.vault.archive_page(
                stream.name, {"method": "POST", "data_type": stream.data_type, "body": body, "next_page": bool(token)},
                response.content,
            )
            token = next_page_token(response.next_page_token)
            job.done = token is None and last
            if job.done:
                job.resume_upper = job.lower
            self.run.commit(stream, page, job, self.progress)
            if token is None:
                return


def parsed(run: SyncEngine, stream: Stream, response: ApiResponse) -> ParsedPage:
    """The page's rows; an unusable page fails the window (it is neither saved nor taken for
    the end of the data). Quarantined points are logged once per stream and run."""
    page = stream.parse(response.data) if response.decoded else stream.parse_bytes(response.content)
    if page.malformed:
        raise errors.ApiError(f"the server sent an unusable page: {page.malformed}", http_status=200)
    run.note_quarantined(stream, page)
    return page


def fetch_details(source: WalkSource, stream: Stream, page: ParsedPage) -> None:
    """Follow-up requests for a page's records (an exercise's GPS route), archived like pages
    and saved with the page. A refused scope (location) stops asking for the rest of the run."""
    if source.details_denied:
        return
    vault = source.vault
    have = vault.keys_present(stream.details_table, stream.details_key, stream.page_ids(page))  # type: ignore[arg-type]
    for record_id in stream.wanted_details(page, have):
        path, params = stream.detail_request(record_id)
        try:
            content = source.client.media("GET", path, params=params)
        except errors.PermissionDenied as exc:
            source.details_denied = True
            if source.routes_refused_note:  # left out on purpose (a study): nothing to advise
                log.debug("%s: routes not fetched: %s", stream.name, source.routes_refused_note)
            else:
                log.warning("%s: routes not fetched: %s (grant location access with `fitvault auth google`)",
                            stream.name, exc.message)
            return
        except source.fatal_errors:
            raise
        except (errors.ApiError, errors.TransportError) as exc:
            # One record's follow-up failing (an export refused with FAILED_PRECONDITION for
            # an exercise without GPS, a 404, a 5xx past its retries) is that record's matter:
            # the page, the stream and every other stream go on; the next run asks again.
            log.warning("%s: no route for %s: %s", stream.name, record_id, exc)
            continue
        vault.archive_page(
            stream.name + DETAILS_SUFFIX, {"method": "GET", "data_type": stream.data_type, "id": record_id}, content,
        )
        try:
            page.details.append(stream.parse_detail(record_id, content))
        except ValueError as exc:
            page.bad.append((f"route of {record_id}: {exc}", {"id": record_id, "body": content[:2000].decode(
                "utf-8", "replace")}))


def date_ranges(lower: date, upper: date, days: int) -> list[tuple[date, date]]:
    """[lower, upper) cut into ranges of at most ``days`` days, newest first."""
    out = []
    hi = upper
    while hi > lower:
        lo = max(lower, hi - timedelta(days=days))
        out.append((lo, hi))
        hi = lo
    return out


def next_page_token(token: Any) -> str | None:
    """The page's ``nextPageToken`` (None at the end). One of another type is a broken answer:
    the window fails with a clear error (sending it back would fail inside httpx instead)."""
    if token is None or isinstance(token, str):
        return token or None
    raise errors.ApiError(f"the server sent a nextPageToken that is not a string: {type(token).__name__}",
                          http_status=200)
