"""How long one request keeps trying, and the one way the HTTP pipeline waits.

:class:`RetryPolicy` is the budget of tries and the backoff between them (exponential, capped,
with jitter). :class:`Waiter` is every wait the pipeline makes (a backoff, a ``Retry-After``,
the quota): it sleeps through the client's ``sleep`` and raises :class:`Cancelled` before and
after, so a run that is stopping sends nothing more; with no ``sleep`` given it sleeps on its
own cancel event, so :meth:`Waiter.cancel` also ends a wait under way.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from fitvault import errors

#: Sleeps for the given seconds (``time.sleep``, an event's ``wait``, or a fake clock's).
Sleep = Callable[[float], object]


class Cancelled(errors.FitvaultError):
    """The run is stopping (Ctrl-C, or a fatal error elsewhere): no more requests or waits."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one request.

    Attributes:
        attempts: tries per request, the first included.
        base_delay_s / max_delay_s: exponential backoff 1, 2, 4 ... capped, with jitter.
        max_retry_after_s: the longest ``Retry-After`` honoured; a longer one ends the request.
    """

    attempts: int = 6
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 300.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Backoff before retry number ``attempt`` (1-based), with up to 25 % jitter."""
        d = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        return d * (1 + rng.random() * 0.25)


class Waiter:
    """A cancellable sleep: ``waiter(seconds)`` sleeps, unless the run was cancelled.

    Args:
        sleep: how to sleep (tests pass a fake clock's); default: wait on the cancel event, which
            :meth:`cancel` sets, so a wait under way ends at once.
    """

    def __init__(self, sleep: Sleep | None = None) -> None:
        self._cancel = threading.Event()
        self._sleep: Sleep = sleep or self._cancel.wait

    def __call__(self, seconds: float) -> None:
        self.check()
        self._sleep(seconds)
        self.check()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the run is stopping (for waits that tick on their own clock)."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")

    def cancel(self) -> None:
        self._cancel.set()

    def reset(self) -> None:
        self._cancel.clear()
