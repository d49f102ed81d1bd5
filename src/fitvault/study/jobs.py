"""The ``sync_participant`` job: one participant's sync, on the one sync core.

It opens the participant's vault (``<study dir>/vaults/<pid>/``, :mod:`.vaults`), signs with the
participant's grant from PostgreSQL (:class:`~.grants.StudyTokenStore`, so a refreshed token is
written back encrypted) and runs :func:`fitvault.sources.google.sync` from the participant's
window start (the vault's history start, so a first run backfills from there and every later run
is the core's incremental top-up) to the window end (or now).

Outcomes, recorded on the participant (``last_sync_*``) and in ``study.sync_runs``:

- ``ok`` / ``skipped:<why>`` (not active, window not started): done;

After every sync that reached the API (``ok``, ``incomplete``, ``needs_reconsent``) the
participant's compliance is recomputed and stored (:func:`.status.refresh_participant`: it reads
only the days not yet settled), so ``study.compliance`` and ``study status`` are current without
a separate run.

- ``needs_reconsent``: the grant failed (``invalid_grant``: revoked, or the 7-day expiry of an
  app in Testing): the participant moves to ``needs_reconsent`` with a new invite link, and the
  job ends without retry; other participants are unaffected;
- ``incomplete`` or an error (faults, 429 past the client's retries, a vault busy): the job
  raises :class:`SyncRetry` and the queue retries it with backoff; the vault keeps what was
  fetched and the retry resumes the open windows.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from fitvault import errors, session
from fitvault.config import VaultPaths
from fitvault.http.retry import RetryPolicy
from fitvault.sources.google import sync
from fitvault.sources.google.context import devices
from fitvault.sources.google.oauth import SCOPE_GROUPS
from fitvault.store.vault import Vault
from fitvault.study import roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn, connect
from fitvault.study.grants import StudyTokenStore
from fitvault.study.limits import GatedTransport, InFlightGate, process_share
from fitvault.study.settings import StudySettings, load_settings
from fitvault.study.status import refresh_participant
from fitvault.study.vaults import VaultLocator
from fitvault.sync import SyncOptions, SyncReport, sync_lock

log = logging.getLogger("fitvault.study")


class SyncRetry(errors.FitvaultError):
    """The sync did not finish (its reason says why); the queue retries it with backoff."""


@dataclass
class JobContext:
    """What a worker process gives every job: the database, the study key, where vaults are, the
    process's share of the in-flight cap, and the client's knobs."""

    url: str
    cipher: GrantCipher
    vaults: VaultLocator
    gate: InFlightGate = field(default_factory=lambda: InFlightGate(32))
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    retry: RetryPolicy = RetryPolicy()
    concurrency: int = 4          # a participant's streams fetched at once
    timeout_s: float = 60.0
    lock_wait_s: float = 30.0     # for the vault's own lock (a `fitvault sync` by hand)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))  # compliance's "now"


def reconsent_reason(exc: errors.ReauthRequired) -> str:
    """The participant-facing reason (the first sentence of the error: never a secret)."""
    first = str(exc).split(". ", 1)[0].strip()
    return f"grant failed: {first}"


def sync_participant(ctx: JobContext, pid: str, *, job_id: int | None = None) -> str:
    """Sync one participant; returns the outcome (see the module docstring) or raises SyncRetry."""
    with connect(ctx.url) as conn:
        participant = roster.get_participant(conn, pid)
        if participant.state != "active":
            return f"skipped:{participant.state}"
        if participant.window_start > datetime.now(timezone.utc).date():
            return "skipped:window-not-started"
        settings = load_settings(conn, ctx.cipher)
        ctx.gate.resize(process_share(conn, settings.max_in_flight))
        run = conn.execute("INSERT INTO study.sync_runs (participant_id, worker, job_id) VALUES (%s, %s, %s) "
                           "RETURNING id", (pid, ctx.worker, job_id)).fetchone()
        run_id = run["id"] if run else None
        try:
            report, devs = _sync(ctx, settings, participant.participant_id, participant.window_start,
                                 participant.window_end)
        except errors.ReauthRequired as exc:
            reason = reconsent_reason(exc)
            roster.mark_needs_reconsent(conn, pid, reason, public_url=settings.public_url)
            _finish(conn, run_id, "needs_reconsent", None, reason)
            roster.record_sync(conn, pid, status="needs_reconsent", error=reason)
            log.warning("%s: %s; send them a new link (`fitvault study invite --needs-reconsent`)", pid, reason)
            _refresh_compliance(conn, ctx, settings, pid)
            return "needs_reconsent"
        except errors.FitvaultError as exc:
            _finish(conn, run_id, "failed", None, str(exc)[:1000])
            roster.record_sync(conn, pid, status="failed", error=str(exc)[:1000])
            raise SyncRetry(f"{pid}: {exc}") from exc
        except BaseException as exc:
            _finish(conn, run_id, "failed", None, type(exc).__name__)
            raise
        status = "incomplete" if report.incomplete else "ok"
        error = "; ".join(report.incomplete)[:1000] or None
        _finish(conn, run_id, status, report.requests, error)
        roster.record_sync(conn, pid, status=status, error=error, devices=devs)
        _refresh_compliance(conn, ctx, settings, pid)
        if report.incomplete:
            raise SyncRetry(f"{pid}: {error}")
        return status


def _sync(ctx: JobContext, settings: StudySettings, pid: str, window_start: date,
          window_end: date | None) -> tuple[SyncReport, list[dict]]:
    paths = VaultPaths(ctx.vaults.vault_dir(pid))
    with StudyTokenStore(ctx.url, ctx.cipher, pid) as store:
        token = store.load()
        if token is None:
            raise errors.ReauthRequired("no grant is stored for this participant")
        with Vault(paths.root) as vault:
            # The vault's history starts at the window start: the first run backfills from it,
            # streams never synced yet start there too, and nothing before it is fetched.
            if vault.account().get("membership_start") != window_start.isoformat():
                vault.set_account(membership_start=window_start.isoformat())
            with sync_lock(paths, wait_s=ctx.lock_wait_s), session.api_client(
                paths, settings.endpoints, concurrency=ctx.concurrency, quota_per_minute=settings.quota_per_minute,
                retry=ctx.retry, timeout_s=ctx.timeout_s, transport=GatedTransport(ctx.gate), store=store,
            ) as client:
                options = SyncOptions(until=window_end, concurrency=ctx.concurrency)
                report = sync(vault, client, options, granted_scopes=set(token.scopes),
                              routes_refused_note=routes_note(settings))
            return report, devices(vault)


def routes_note(settings: StudySettings) -> str:
    """Why a participant's exercise routes are not fetched, for the sync core's debug log (a
    study never advises ``fitvault auth google``)."""
    if not set(SCOPE_GROUPS["location"]) & set(settings.scopes):
        return "the study does not collect location (its consent asks for no location scope)"
    return "the participant did not grant location access (a new consent through `study invite` can add it)"


def _refresh_compliance(conn: Conn, ctx: JobContext, settings: StudySettings, pid: str) -> None:
    # Derived data: a failure here is logged and leaves the sync's outcome as it is (the next
    # sync or `study status` computes it again).
    try:
        refresh_participant(conn, ctx.vaults, pid, as_of=ctx.clock(), valid_day_hours=settings.valid_day_hours)
    except Exception as exc:
        log.error("%s: compliance not refreshed after the sync: %s", pid, exc)


def _finish(conn: Conn, run_id: int | None, status: str, requests: int | None, error: str | None) -> None:
    if run_id is not None:
        conn.execute("UPDATE study.sync_runs SET finished_at = clock_timestamp(), status = %s, requests = %s, "
                     "error = %s WHERE id = %s", (status, requests, error, run_id))
