"""The legacy API's hourly budget as a pure policy, and the waiting that follows from it.

Fitbit allows 150 requests per user per hour, a window that resets at the top of the hour, and
reports the state on every response (docs/facts/fitbit-legacy-api.md#rate-limit-and-errors): ``Fitbit-Rate-Limit-Limit``,
``-Remaining`` and ``-Reset`` (seconds until the reset). :func:`parse_quota` turns the headers
into a :class:`Quota`; :func:`wait_needed` and :func:`wait_after_429` are the pure decisions,
tested with an injected clock and no sleeping. :class:`HourlyLimiter`
applies them: before each request it waits, if the budget is spent, until the reset plus a
margin (clocks differ; a retry exactly at hh:00:01 has been seen to fail, docs/facts/fitbit-legacy-api.md#rate-limit-and-errors), and
reports a countdown through ``on_wait`` (the CLI draws it; the library never prints). A 429
honours ``Retry-After`` but never waits less than the reset header says (``Retry-After`` was
reported inaccurate, docs/facts/fitbit-legacy-api.md#rate-limit-and-errors). It is the :class:`fitvault.http.Limiter` of the Fitbit
source; a cancelled run ends a wait at the next tick of its countdown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fitvault.http import Waiter

DEFAULT_MARGIN_S = 5.0


@dataclass(frozen=True)
class Quota:
    """The budget as the last response reported it.

    Attributes:
        limit: requests per window (150), if sent.
        remaining: requests left in the window.
        reset_at: when the window resets, on the limiter's clock.
    """

    limit: int | None
    remaining: int
    reset_at: float


@dataclass(frozen=True)
class WaitEvent:
    """One tick of a wait, for a countdown: ``seconds_left`` of ``total_s``; ``reason`` is
    ``"quota"`` (budget spent) or ``"429"`` (the server refused a request)."""

    seconds_left: float
    total_s: float
    reason: str
    limit: int | None = None


def parse_quota(headers: Mapping[str, str], now: float) -> Quota | None:
    """The :class:`Quota` in a response's headers (None when they are absent or unreadable)."""
    try:
        remaining = int(headers["fitbit-rate-limit-remaining"])
        reset_s = float(headers["fitbit-rate-limit-reset"])
    except (KeyError, ValueError):
        return None
    try:
        limit: int | None = int(headers["fitbit-rate-limit-limit"])
    except (KeyError, ValueError):
        limit = None
    return Quota(limit, max(remaining, 0), now + max(reset_s, 0.0))


def wait_needed(quota: Quota | None, now: float, *, margin_s: float = DEFAULT_MARGIN_S, reserve: int = 0) -> float:
    """Seconds to wait before one more request may be sent (0.0: now).

    Args:
        quota: the last known state (None: nothing known yet, go).
        now: the current time on the clock ``quota.reset_at`` is on.
        margin_s: extra wait after the reset.
        reserve: requests to leave unspent (e.g. for another tool sharing the app's budget).
    """
    if quota is None or quota.remaining > reserve:
        return 0.0
    return max(0.0, quota.reset_at + margin_s - now)


def wait_after_429(quota: Quota | None, retry_after: float | None, now: float, *,
                   margin_s: float = DEFAULT_MARGIN_S) -> float:
    """Seconds to wait after a 429: the longer of ``Retry-After`` and the reset (+ margin), at
    least one second."""
    wait = retry_after or 0.0
    if quota is not None:
        wait = max(wait, quota.reset_at + margin_s - now)
    return max(wait, 1.0)


class HourlyLimiter:
    """Applies the policy for one client (the legacy sync sends one request at a time).

    Args:
        margin_s: extra wait after a reset.
        reserve: requests left unspent in each window.
        clock / sleep: injectable (tests pass a fake clock whose ``sleep`` only advances it).
        on_wait: called about once a second during a wait with a :class:`WaitEvent`, and once
            with ``seconds_left == 0`` when the wait is over.
        tick_s: countdown granularity.
    """

    def __init__(
        self,
        *,
        margin_s: float = DEFAULT_MARGIN_S,
        reserve: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        on_wait: Callable[[WaitEvent], None] | None = None,
        tick_s: float = 1.0,
    ) -> None:
        self.margin_s = margin_s
        self.reserve = reserve
        self.clock = clock
        self._sleep = sleep
        self.on_wait = on_wait
        self.tick_s = tick_s
        self.quota: Quota | None = None
        self.waited_s = 0.0

    def before_request(self) -> None:
        """Wait, if the budget is spent, until the window resets."""
        self.acquire()

    def acquire(self, waiter: Waiter | None = None) -> None:
        """:meth:`before_request`, ended by ``waiter``'s cancellation (the countdown keeps the
        limiter's own clock and sleep)."""
        wait = wait_needed(self.quota, self.clock(), margin_s=self.margin_s, reserve=self.reserve)
        if wait > 0:
            self.wait(wait, "quota", check=waiter.check if waiter else None)
            self.quota = None  # a new window: the next response tells its state

    def after_response(self, headers: Mapping[str, str]) -> None:
        """Record the state a response reported (or count one request when it reported none)."""
        quota = parse_quota(headers, self.clock())
        if quota is not None:
            self.quota = quota
        elif self.quota is not None:
            self.quota = replace(self.quota, remaining=max(self.quota.remaining - 1, 0))

    def after_429(self, headers: Mapping[str, str], retry_after: float | None) -> float:
        """Seconds to wait after a 429 (the state is recorded first)."""
        self.after_response(headers)
        return wait_after_429(self.quota, retry_after, self.clock(), margin_s=self.margin_s)

    def learn(self, headers: Mapping[str, str]) -> None:
        """:meth:`after_response` (the pipeline's name)."""
        self.after_response(headers)

    def refused(self, headers: Mapping[str, str], retry_after: float | None, backoff: Callable[[], float]) -> float:
        """:meth:`after_429`: a refusal waits for the reset, not the backoff."""
        return self.after_429(headers, retry_after)

    def hold(self, seconds: float, waiter: Waiter) -> None:
        """Wait out a 429 (one request at a time: there is no other caller to hold)."""
        self.wait(seconds, "429", check=waiter.check)

    def wait(self, seconds: float, reason: str, *, check: Callable[[], None] | None = None) -> None:
        """Sleep ``seconds``, reporting a countdown through ``on_wait``; ``check`` is called at
        each tick (it raises to end the wait)."""
        start = self.clock()
        deadline = start + seconds
        limit = self.quota.limit if self.quota else None
        try:
            while True:
                if check is not None:
                    check()
                left = deadline - self.clock()
                if left <= 0:
                    break
                if self.on_wait is not None:
                    self.on_wait(WaitEvent(math.ceil(left * 10) / 10, seconds, reason, limit))
                self._sleep(min(self.tick_s, left))
        finally:  # also when cancelled: the countdown is closed
            self.waited_s += self.clock() - start
            if self.on_wait is not None:
                self.on_wait(WaitEvent(0.0, seconds, reason, limit))
