"""Per-user rolling-window request quota in real wall time (docs/facts/google-health-api.md#quota: 300 per minute)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RollingQuota:
    """At most ``limit`` admissions per key in any rolling ``window_s`` seconds."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, limit: int, window_s: float) -> int | None:
        """Admit one request (``None``) or return whole seconds until a slot frees."""
        now = self._now()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window_s:
                hits.popleft()
            if len(hits) < limit:
                hits.append(now)
                return None
            return max(1, math.ceil(hits[0] + window_s - now))

    def reset(self) -> None:
        """Forget every admission."""
        with self._lock:
            self._hits.clear()
