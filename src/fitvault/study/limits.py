"""How a study's request limits hold across worker processes.

**Per participant, ``quota_per_minute`` (Google's 300 requests/min/user).** Enforced by the one
process that syncs the participant: the queue's per-participant lock (:mod:`.procrastinate_queue`)
lets exactly one ``sync_participant`` job of a participant run at a time, in whichever worker
process, and that job's API client carries the participant's rolling-window limiter
(:class:`~fitvault.sources.google.ratelimit.RollingWindowLimiter`). A process-local limiter is
exact because no other process sends for that participant meanwhile. (The limiter starts empty
with each job: a retry that starts within the minute after a previous job may briefly send more;
Google then answers 429 with ``Retry-After``, which the client honours.)

**Project-wide, ``max_in_flight`` (requests in flight at once, all participants).** Each worker
process holds a share of it: :class:`InFlightGate` wraps the HTTP transport of every participant
client in the process and admits at most ``share`` requests at once, where ``share =
max(1, max_in_flight // live workers)`` and the live workers are those with a fresh heartbeat in
the queue's worker table. The share is recomputed at the start of every job, so the sum over
processes stays at or under ``max_in_flight`` (lagging a worker's start or death by at most one
job; never above it unless there are more workers than ``max_in_flight``, when each still gets 1).
"""

from __future__ import annotations

import threading

import httpx

from fitvault.study.db import Conn

#: A worker counts as live when its heartbeat is younger than this (procrastinate's default
#: ``stalled_worker_timeout``).
LIVE_HEARTBEAT_S = 30.0


class InFlightGate:
    """A resizable counting semaphore for requests in flight in this process."""

    def __init__(self, capacity: int) -> None:
        self._cond = threading.Condition()
        self._capacity = max(1, capacity)
        self._in_use = 0
        self.peak = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def resize(self, capacity: int) -> None:
        with self._cond:
            self._capacity = max(1, capacity)
            self._cond.notify_all()

    def __enter__(self) -> InFlightGate:
        with self._cond:
            while self._in_use >= self._capacity:
                self._cond.wait()
            self._in_use += 1
            self.peak = max(self.peak, self._in_use)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._in_use -= 1
            self._cond.notify()


class GatedTransport(httpx.BaseTransport):
    """An httpx transport that holds a slot of ``gate`` for each request until its body is read."""

    def __init__(self, gate: InFlightGate, inner: httpx.BaseTransport | None = None) -> None:
        self.gate = gate
        self.inner = inner if inner is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.gate:
            response = self.inner.handle_request(request)
            response.read()
        return response

    def close(self) -> None:
        self.inner.close()


def live_workers(conn: Conn) -> int:
    """Worker processes with a fresh heartbeat (at least 1: the caller is one)."""
    row = conn.execute(
        "SELECT count(*) AS n FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => %s)",
        (LIVE_HEARTBEAT_S,),
    ).fetchone()
    return max(1, int(row["n"]) if row else 1)


def process_share(conn: Conn, max_in_flight: int) -> int:
    """This process's share of the study's ``max_in_flight``."""
    return max(1, max_in_flight // live_workers(conn))
