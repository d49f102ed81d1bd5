"""Injected failures for ``/v4`` requests: queued (``add``) or random (``set_random``)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

KINDS = ("429", "500", "502", "503", "504", "reset", "timeout", "truncate")


@dataclass(frozen=True)
class Fault:
    """One failure to inject.

    ``429``/``5xx``: answer that status instead of processing; ``reset``: close the TCP connection
    without a response; ``timeout``: wait ``delay_s`` then answer normally; ``truncate``: send the
    headers with the full Content-Length but only half of the body, then close.
    """

    kind: str
    retry_after: int | None = None
    delay_s: float | None = None


class FaultPlan:
    """Thread-safe queue of faults plus an optional seeded random injector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[Fault, str | None, int]] = []  # (fault, match, times left)
        self._rate = 0.0
        self._kinds: tuple[str, ...] = ()
        self._rng = random.Random(0)

    def add(self, kind: str, *, times: int = 1, match: str | None = None,
            retry_after: int | None = None, delay_s: float | None = None) -> None:
        """Fail the next ``times`` API requests whose path contains ``match`` (None: any)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._queue.append((Fault(kind, retry_after, delay_s), match, times))

    def set_random(self, rate: float, kinds: tuple[str, ...] | list[str] = ("500", "503"),
                   seed: int = 0) -> None:
        """Inject a fault from ``kinds`` into each request with probability ``rate``."""
        bad = [k for k in kinds if k not in KINDS]
        if bad or not 0.0 <= rate <= 1.0:
            raise ValueError(f"bad random fault settings: rate={rate}, kinds={kinds}")
        with self._lock:
            self._rate, self._kinds, self._rng = rate, tuple(kinds), random.Random(seed)

    def clear(self) -> None:
        """Drop queued faults and stop random injection."""
        with self._lock:
            self._queue.clear()
            self._rate, self._kinds = 0.0, ()

    @property
    def pending(self) -> int:
        """How many queued fault injections remain."""
        with self._lock:
            return sum(n for _, _, n in self._queue)

    def take(self, path: str) -> Fault | None:
        """The fault for a request to ``path``, if any (consumes one queued injection)."""
        with self._lock:
            for i, (fault, match, left) in enumerate(self._queue):
                if match is None or match in path:
                    if left <= 1:
                        del self._queue[i]
                    else:
                        self._queue[i] = (fault, match, left - 1)
                    return fault
            if self._rate and self._kinds and self._rng.random() < self._rate:
                return Fault(self._rng.choice(self._kinds))
        return None
