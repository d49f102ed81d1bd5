"""Client-side quota: never send more requests than the per-user quota allows.

The Google Health API allows 300 requests per minute per user (docs/facts/google-health-api.md#quota) and answers 429
past it. :class:`RollingWindowLimiter` keeps the send times of the last window and makes a
caller wait until one more request fits; :func:`wait_needed` is the pure policy behind it,
tested with an injected clock and no sleeping.

The window is a rolling one (the server's exact accounting is undocumented). A small margin on
the window absorbs the difference between when we send and when the server counts.

It is the :class:`fitvault.http.Limiter` of the Google source: the API reports no quota in its
headers (:meth:`~RollingWindowLimiter.learn` has nothing to do), and after a 429 every worker
holds for the ``Retry-After`` (or the backoff), not just the one refused.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Deque


def wait_needed(sent: Deque[float], now: float, limit: int, window_s: float, paused_until: float = 0.0) -> float:
    """Seconds to wait before one more request may be sent (0.0 when it may go now).

    Args:
        sent: send times of earlier requests, oldest first (only the last ``limit`` matter).
        now: the current time on the same clock.
        limit: requests allowed in any window of ``window_s`` seconds.
        paused_until: a time before which nothing may be sent (set after a 429 Retry-After).
    """
    wait = max(0.0, paused_until - now)
    if len(sent) >= limit:
        wait = max(wait, sent[-limit] + window_s - now)
    return wait


class RollingWindowLimiter:
    """Thread-safe rolling-window limiter shared by every worker of a sync."""

    def __init__(
        self,
        limit: int = 300,
        window_s: float = 60.0,
        *,
        margin_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s + margin_s
        self._clock = clock
        self._sleep = sleep
        self._sent: Deque[float] = deque(maxlen=limit)
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self, sleep: Callable[[float], object] | None = None) -> None:
        """Block until one more request fits, then record it as sent.

        ``sleep`` replaces the limiter's own for this call (the client passes one that ends when
        the run is cancelled)."""
        sleep = sleep or self._sleep
        while True:
            with self._lock:
                now = self._clock()
                wait = wait_needed(self._sent, now, self.limit, self.window_s, self._paused_until)
                if wait <= 0:
                    self._sent.append(now)
                    return
            sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (the server said Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    # -- the pipeline's limiter protocol (fitvault.http.Limiter) ------------------------------
    def learn(self, headers: Mapping[str, str]) -> None:
        """Nothing to learn: the Google Health API reports no quota in its headers."""

    def refused(self, headers: Mapping[str, str], retry_after: float | None, backoff: Callable[[], float]) -> float:
        """After a 429: the ``Retry-After`` when sent, else the backoff."""
        return retry_after if retry_after is not None else backoff()

    def hold(self, seconds: float, wait: Callable[[float], object]) -> None:
        """The quota is per user: every worker holds ``seconds``, this one waiting through ``wait``."""
        self.pause(seconds)
        wait(seconds)
