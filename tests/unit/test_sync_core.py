"""The one run loop with a scripted source: what every source gets from the core alone —
cancellation, the fatal rule parameterised by the source, a skipped stream's later windows left
alone, and the covered range moved by the last page (no HTTP; a real vault)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest

from fitvault import errors, timeutil
from fitvault.store.vault import Job, Vault
from fitvault.stream import ParsedPage, Stream
from fitvault.sync import Skip, SyncEngine, SyncOptions, plan_sync

NOW_MS = timeutil.to_ms(datetime(2026, 3, 1, tzinfo=timezone.utc))


class Days(Stream):
    """A date stream planned in windows of 10 days; it saves nothing."""

    name = data_type = "days"
    scopes = ("s",)
    bound = "date"
    table, time_column = "daily_steps", "date"

    def window_days(self) -> int | None:
        return 10

    def save(self, conn, rows, source_ids) -> int:
        return len(rows)


STREAM = Days()


class Refused(errors.ApiError):
    pass


@dataclass
class Source:
    """Walks a window with one page; ``errors`` maps a window's lower bound to what it raises."""

    errors: dict[str, Exception] = field(default_factory=dict)
    fatal: tuple[type[BaseException], ...] = ()
    cancelled: tuple[type[BaseException], ...] = ()
    notes: tuple[str, ...] = ("source: scripted",)
    walked: list[str] = field(default_factory=list)
    requests_sent: int = 0

    def start(self) -> None:
        pass

    def cancel(self) -> None:
        pass

    def schedule(self, plan, per_day):
        return [(sp.stream, job) for sp in plan.streams for job in sp.jobs]

    def walk(self, run, stream, job: Job, progress) -> None:
        run.checkpoint()
        self.walked.append(job.lower)
        self.requests_sent += 1
        if job.lower in self.errors:
            raise self.errors[job.lower]
        job.resume_upper, job.done = job.lower, True
        run.commit(stream, ParsedPage(rows=[(1,)]), job, progress)

    def refused(self, stream, exc):
        return Skip("refused here") if isinstance(exc, errors.PermissionDenied) else "window"

    def latest(self, stream, now_ms):
        return date(2026, 3, 1)


def run(vault: Vault, source: Source, *, concurrency: int = 1, progress=None, engine_out: list | None = None):
    plan = plan_sync(vault, [STREAM], SyncOptions(since=date(2026, 1, 1), until=date(2026, 1, 30)), now_ms=NOW_MS,
                     history_start=None)
    engine = SyncEngine(vault, source, concurrency=concurrency, progress=progress)
    if engine_out is not None:
        engine_out.append(engine)
    return engine.run(plan)


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path / "v") as v:
        yield v


def test_windows_run_newest_first_and_the_last_page_moves_the_covered_range(vault):
    source = Source()
    report = run(vault, source)
    assert source.walked == ["2026-01-21", "2026-01-11", "2026-01-01"]
    assert report.incomplete == [] and report.requests == 3 and report.streams["days"].records == 3
    state = vault.sync_state("days")
    assert (state["synced_from"], state["synced_until"]) == ("2026-01-01", "2026-01-31")


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_cancelled_run_sends_nothing_more_and_leaves_its_windows_to_resume(vault, concurrency):
    source, engines = Source(), []
    report = run(vault, source, concurrency=concurrency, engine_out=engines,
                 progress=lambda p: engines[0].cancel())
    assert report.interrupted and len(source.walked) < 3
    assert report.incomplete == [f"days: {3 - len(source.walked)} window(s) left (interrupted)"]
    assert len(vault.open_jobs("days")) == 3 - len(source.walked)
    assert vault.conn.execute("SELECT outcome, detail FROM sync_runs").fetchall() == [
        ("interrupted", "source: scripted\n" + report.incomplete[0])]


def test_the_fatal_rule_is_the_cores_plus_the_sources(vault):
    failing = Source(errors={"2026-01-21": Refused("gone", http_status=410)}, fatal=(Refused,))
    with pytest.raises(Refused) as caught:
        run(vault, failing)
    assert failing.walked == ["2026-01-21"] and caught.value.report.streams["days"].error == "gone (HTTP 410)"
    vault.drop_jobs("days")
    # The same error from a source that does not call it fatal fails its window only.
    lenient = Source(errors={"2026-01-21": Refused("gone", http_status=410)})
    report = run(vault, lenient)
    assert lenient.walked == ["2026-01-21", "2026-01-11", "2026-01-01"]
    assert report.incomplete == ["days: 1 window(s) left (gone (HTTP 410))"]
    # A vault failure stops every source.
    vault.drop_jobs("days")
    with pytest.raises(errors.StoreError):
        run(vault, Source(errors={"2026-01-11": errors.StoreError("disk full")}))


def test_a_skipped_stream_walks_none_of_its_later_windows(vault):
    source = Source(errors={"2026-01-21": errors.PermissionDenied("no", http_status=403)})
    report = run(vault, source)
    assert source.walked == ["2026-01-21"]
    assert report.skipped == ["days: refused here"] and report.incomplete == []
    assert vault.open_jobs("days") == []
