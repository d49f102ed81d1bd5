"""The legacy API's rate limit: 150 requests per user per hour, a fixed window that resets at
the top of the hour, reported on every response in ``Fitbit-Rate-Limit-*`` headers (docs/facts/fitbit-legacy-api.md#rate-limit-and-errors)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class QuotaAnswer:
    """One admission decision and the headers that report it."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # whole seconds until the window resets

    def headers(self) -> dict[str, str]:
        return {"Fitbit-Rate-Limit-Limit": str(self.limit), "Fitbit-Rate-Limit-Remaining": str(self.remaining),
                "Fitbit-Rate-Limit-Reset": str(self.reset_s)}


class HourlyQuota:
    """Fixed windows of ``window_s`` seconds aligned on the epoch (so 3600 s windows end at hh:00)."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window_s: float, now: float) -> QuotaAnswer:
        """Count one request of ``key`` at ``now`` if the window has room; a refused one is not counted."""
        index = math.floor(now / window_s)
        reset = max(1, math.ceil((index + 1) * window_s - now))
        with self._lock:
            used = self._used.get((key, index), 0)
            if used >= limit:
                return QuotaAnswer(False, limit, 0, reset)
            self._used[(key, index)] = used + 1
            for old in [k for k in self._used if k[0] == key and k[1] < index]:
                del self._used[old]
        return QuotaAnswer(True, limit, limit - used - 1, reset)

    def reset(self) -> None:
        """Forget every request."""
        with self._lock:
            self._used.clear()
