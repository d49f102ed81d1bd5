"""Injected failures for ``/v4`` requests: queued (``add``) or random (``set_random``).

Transport faults (``429``, ``5xx``, ``reset``, ``timeout``, ``truncate``) are applied by the HTTP
layer. Data faults (``duplicate``, ``disorder``) are well-formed 200 answers whose *content* is
wrong, applied by :mod:`.listing` to ``list``/``reconcile`` pages (on other requests they are a
no-op): the HTTP layer takes the fault before routing the request, and this module remembers it
for the handler thread (:func:`current_data_fault`), which is the thread that builds the page.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

DATA_KINDS = ("duplicate", "disorder")
KINDS = ("429", "500", "502", "503", "504", "reset", "timeout", "truncate", "precondition") + DATA_KINDS

# The data fault of the /v4 request being handled on this thread (set by FaultPlan.take).
_current = threading.local()


def current_data_fault() -> str | None:
    """``"duplicate"``/``"disorder"`` when the request this thread is handling drew that fault."""
    return getattr(_current, "kind", None)


@dataclass(frozen=True)
class Fault:
    """One failure to inject.

    ``429``/``5xx``: answer that status instead of processing; ``precondition``: 400
    FAILED_PRECONDITION with no ErrorInfo reason (what issue #14's audit saw a route export of an
    exercise without GPS answer live; the status is shared by several reasons); ``reset``: close the TCP connection
    without a response; ``timeout``: wait ``delay_s`` then answer normally; ``truncate``: send the
    headers with the full Content-Length but only half of the body, then close.

    ``duplicate``: the list page repeats points (every fifth point twice in a row) and its
    ``nextPageToken`` steps back, so the next page serves this page's last points again (what an
    offset-paged server does when new data shifts the offsets).
    ``disorder``: the page's points are shuffled, and when a further page exists the two are
    swapped: the older page is served now, the newer one next, then the walk goes on (the API
    documents newest-first order, docs/facts/google-health-api.md#list-and-paging; this breaks it).
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
        self._random_extra: tuple[int | None, float | None] = (None, None)

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
                   seed: int = 0, *, retry_after: int | None = None, delay_s: float | None = None) -> None:
        """Inject a fault from ``kinds`` into each request with probability ``rate`` (a kind listed
        twice is drawn twice as often). ``retry_after``/``delay_s`` apply to the 429s/timeouts
        drawn, as in :meth:`add`."""
        bad = [k for k in kinds if k not in KINDS]
        if bad or not 0.0 <= rate <= 1.0:
            raise ValueError(f"bad random fault settings: rate={rate}, kinds={kinds}")
        with self._lock:
            self._rate, self._kinds, self._rng = rate, tuple(kinds), random.Random(seed)
            self._random_extra = (retry_after, delay_s)

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
        fault = self._draw(path)
        _current.kind = fault.kind if fault is not None and fault.kind in DATA_KINDS else None
        return fault

    def _draw(self, path: str) -> Fault | None:
        with self._lock:
            for i, (fault, match, left) in enumerate(self._queue):
                if match is None or match in path:
                    if left <= 1:
                        del self._queue[i]
                    else:
                        self._queue[i] = (fault, match, left - 1)
                    return fault
            if self._rate and self._kinds and self._rng.random() < self._rate:
                return Fault(self._rng.choice(self._kinds), *self._random_extra)
        return None
