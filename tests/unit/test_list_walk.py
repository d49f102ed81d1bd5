"""The list walk's named steps, one at a time, against a scripted client (no server, no vault).

The simulator suites show the walk end to end; these pin each step's rule on its own: the
cursor trailing one page behind, the order check freezing it, an empty page with a token, the
504 shrink and regrow, the refused filter and the refused token.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from fitvault import errors
from fitvault.datatypes.base import ParsedPage, Stream
from fitvault.sources.google import walks
from fitvault.sources.google.client import ApiResponse, GatewayTimeout
from fitvault.sources.google.walks import ListWalk
from fitvault.store.vault import Job
from fitvault.sync.report import StreamProgress


class Points(Stream):
    """Points ``{"t": ms}``; the filter compares field ``t`` (or ``u``, the alternative)."""

    name = data_type = "points"
    scopes = ("s",)
    page_size = 1000
    table, time_column = "points", "t"

    def filter_field(self) -> str:
        return "t"

    def alternative_filters(self, lower, upper) -> list[str]:
        return [self.filter_text(lower, upper), self.filter_text(lower, upper).replace("t ", "u ")]

    def parse(self, body: dict) -> ParsedPage:
        page = ParsedPage(rows=[(p["t"],) for p in body.get("dataPoints", [])])
        if page.rows:
            page.oldest, page.newest = min(r[0] for r in page.rows), max(r[0] for r in page.rows)
        return page

    def save(self, conn, rows, source_ids) -> None:  # pragma: no cover - the fake run saves nothing
        raise AssertionError


STREAM = Points()
UPPER = 1_000_000


def page(*times: int, token: str | None = None) -> ApiResponse:
    return ApiResponse(b"{}", {"dataPoints": [{"t": t} for t in times], **({"nextPageToken": token} if token else {})})


@dataclass
class Client:
    """Answers ``list_page`` from a script: an ApiResponse, or an exception to raise."""

    script: list
    requests: list[dict] = field(default_factory=list)

    class retry:  # noqa: N801 - the client's RetryPolicy, as far as the walk reads it
        attempts = 3

    def list_page(self, data_type, *, filter_text, page_size, page_token, method) -> ApiResponse:
        self.requests.append({"filter": filter_text, "page_size": page_size, "token": page_token})
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def backoff(self, attempt: int) -> None:
        pass


@dataclass
class Source:
    client: Client
    filter_choice: dict[str, int] = field(default_factory=dict)
    remembered: list[int] = field(default_factory=list)

    def list_method(self, stream) -> str:
        return "list"

    def remember_filter(self, stream, choice: int) -> None:
        self.filter_choice[stream.name] = choice
        self.remembered.append(choice)


class Vault:
    def archive_page_soon(self, stream, request, content) -> Future:
        done: Future = Future()
        done.set_result(None)
        return done


class Run:
    """Records each commit as (cursor, done, page size, rows)."""

    def __init__(self) -> None:
        self.vault = Vault()
        self.commits: list[tuple[str, bool, int, int]] = []

    def checkpoint(self) -> None:
        pass

    def note_quarantined(self, stream, page) -> None:
        pass

    def commit(self, stream, page, job, progress, *, request=True) -> int:
        self.commits.append((job.resume_upper, job.done, job.page_size, len(page.rows)))
        return len(page.rows)

    def close(self, stream, job, progress) -> None:
        job.done = True
        self.commits.append((job.resume_upper, True, job.page_size, 0))


def walk(script: list, *, page_size: int = 1000) -> tuple[Run, Client, Source, Job]:
    client = Client(script)
    source, run = Source(client), Run()
    job = Job(STREAM.name, STREAM.format_bound(0), STREAM.format_bound(UPPER), STREAM.format_bound(UPPER), page_size)
    ListWalk(source, run, STREAM, job, StreamProgress(STREAM.name)).walk()  # type: ignore[arg-type]
    return run, client, source, job


def at(ms: int) -> str:
    return STREAM.format_bound(ms)


def test_the_cursor_trails_one_page_behind():
    run, _, _, _ = walk([page(900, 800, token="a"), page(700, 600, token="b"), page(500)])
    # The first page moves nothing; the second confirms the first page's oldest (kept inclusive).
    assert [(c[0], c[1]) for c in run.commits] == [(at(UPPER), False), (at(801), False), (at(601), True)]


def test_a_page_out_of_order_freezes_the_cursor_where_the_walk_started():
    run, _, _, _ = walk([page(900, 800, token="a"), page(850, 700, token="b"), page(600, token="c"), page(500)])
    assert [c[0] for c in run.commits] == [at(UPPER)] * 4


def test_an_empty_page_with_a_token_does_not_end_the_walk():
    run, client, _, job = walk([page(token="a"), page(token="b"), page(300)])
    assert [c[1] for c in run.commits] == [False, False, True] and job.done
    assert [r["token"] for r in client.requests] == [None, "a", "b"]


def test_too_many_empty_pages_fail_the_window(monkeypatch):
    monkeypatch.setattr(walks, "MAX_EMPTY_PAGES_IN_A_ROW", 3)
    with pytest.raises(errors.ApiError, match="3 empty pages in a row"):
        walk([page(token="a"), page(token="b"), page(token="c"), page(token="d")])


def test_a_504_walks_again_from_the_cursor_with_half_the_page_then_grows_back():
    timeout = GatewayTimeout("504", http_status=504)
    run, client, _, _ = walk([
        page(990, token="a"), timeout,   # second page: 504 -> new walk from the committed cursor at 500
        page(990, token="b"), page(980, token="c"), page(970, token="d"),  # three good pages: grow
        page(960),                       # a new walk at 1000 from the cursor the third page left
    ])
    assert [(r["page_size"], r["token"]) for r in client.requests] == [
        (1000, None), (1000, "a"), (500, None), (500, "b"), (500, "c"), (1000, None)]
    assert run.commits[-2][:3] == (at(981), False, 1000) and run.commits[-1][1]


def test_a_504_at_the_smallest_page_is_sent_again_and_enough_of_them_fail_the_window():
    timeout = GatewayTimeout("504", http_status=504)
    run, client, _, _ = walk([timeout, page(100)], page_size=walks.MIN_PAGE_SIZE)
    assert [(r["page_size"], r["token"]) for r in client.requests] == [(250, None), (250, None)]
    with pytest.raises(GatewayTimeout):
        walk([timeout, timeout, timeout], page_size=walks.MIN_PAGE_SIZE)


def test_a_refused_filter_switches_to_the_alternative_and_is_remembered():
    refused = errors.InvalidArgument("bad filter", http_status=400, reason="INVALID_FILTER")
    _, client, source, _ = walk([refused, page(100)])
    assert [r["filter"].split()[0] for r in client.requests] == ["t", "u"] and source.remembered == [1]


def test_a_refused_page_token_walks_again_from_the_cursor_a_few_times():
    refused = errors.InvalidArgument("token expired", http_status=400)
    run, client, _, _ = walk([page(900, token="a"), page(800, token="b"), refused, page(850), ])
    assert [r["token"] for r in client.requests] == [None, "a", "b", None]
    assert run.commits[-1][1]
    script: list = [page(900, token="a")] + [refused, page(900, token="a")] * walks.MAX_WALK_RESTARTS + [refused]
    with pytest.raises(errors.InvalidArgument):
        walk(script)


def test_a_refusal_on_the_first_page_without_an_alternative_fails_the_window():
    refused = errors.InvalidArgument("bad page size", http_status=400)
    with pytest.raises(errors.InvalidArgument):
        walk([refused])


def test_nothing_left_closes_the_window_without_a_request():
    client = Client([])
    run = Run()
    job = Job(STREAM.name, at(0), at(UPPER), at(0), 1000)
    ListWalk(Source(client), run, STREAM, job, StreamProgress(STREAM.name)).walk()  # type: ignore[arg-type]
    assert client.requests == [] and run.commits == [(at(0), True, 1000, 0)]
