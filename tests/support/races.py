"""Races driven by events, not by wall-clock sleeps.

A race test holds one party at the contested point (a refresh in flight, a lock held) until the
others are provably there too, then lets it go; a test that waits for a process to reach some
point waits on what the process does (a line it prints, a request the simulator logs), not on
a guessed delay. Every wait has a generous deadline that only a broken run reaches, and reaching
it fails the test with a message instead of passing by luck.

- :class:`Tally` counts arrivals and lets a thread wait until ``n`` have arrived;
- :class:`CountingLock` is a lock that tallies the threads that asked for it (held or waiting);
- :func:`count_calls` tallies the calls of a method on every instance of a class;
- :class:`HeldSleeps` turns a module's ``time.sleep`` into a gate the test opens;
- :func:`wait_for_requests` waits until the simulator has logged what a test waits for.
"""

from __future__ import annotations

import functools
import subprocess
import threading
import time as _time
from collections.abc import Callable

DEADLINE_S = 60.0  # only a broken run waits this long


class Tally:
    """A counter a thread can wait on."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def add(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_for(self, n: int, timeout: float = DEADLINE_S) -> bool:
        """True once ``n`` arrived; False after ``timeout`` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= n, timeout)

    def expect(self, n: int, what: str, timeout: float = DEADLINE_S) -> None:
        assert self.wait_for(n, timeout), f"{what}: {self.count} of {n} after {timeout:g} s"


class CountingLock:
    """A ``threading.Lock`` whose :attr:`asked` tallies every acquisition attempt, so a test can
    wait until ``n`` threads hold it or are blocked on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.asked = Tally()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.asked.add()
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> CountingLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def count_calls(monkeypatch, cls: type, method: str) -> Tally:
    """Tally every call of ``cls.method`` (on any instance) for the rest of the test."""
    tally = Tally()
    real = getattr(cls, method)

    @functools.wraps(real)
    def counted(*args, **kwargs):
        tally.add()
        return real(*args, **kwargs)

    monkeypatch.setattr(cls, method, counted)
    return tally


class HeldSleeps:
    """Installed as ``module.time``: ``time.sleep`` inside ``module`` (e.g. the simulator's
    "a refresh takes this long") signals :attr:`entered` and waits until the test calls
    :meth:`release` instead of sleeping; everything else is the real ``time``."""

    def __init__(self, monkeypatch, module) -> None:
        self.entered = Tally()
        self._go = threading.Event()
        monkeypatch.setattr(module, "time", self)

    def sleep(self, _seconds: float) -> None:
        self.entered.add()
        assert self._go.wait(DEADLINE_S), "a held sleep was never released"

    def release(self) -> None:
        self._go.set()

    def __getattr__(self, name: str):
        return getattr(_time, name)


def watch_requests(sim) -> threading.Condition:
    """A condition notified on every request ``sim`` logs from now on (its log's ``append`` is
    wrapped in place, so no request in flight is lost)."""
    log = sim.requests
    changed = log.__dict__.get("changed")
    if changed is None:
        changed = threading.Condition()
        real = log.append

        def append(record) -> None:
            real(record)
            with changed:
                changed.notify_all()

        log.append, log.changed = append, changed
    return changed


def wait_for_requests(sim, predicate: Callable[[], bool], proc: subprocess.Popen | None = None,
                      timeout: float = DEADLINE_S) -> bool:
    """Wait until ``predicate()`` holds, re-checked on every request the simulator logs; with
    ``proc``, stop waiting as soon as the process has ended. The predicate's final value (False
    after ``timeout``)."""
    changed = watch_requests(sim)
    if proc is not None:
        def wake_on_exit() -> None:
            proc.wait()
            with changed:
                changed.notify_all()

        threading.Thread(target=wake_on_exit, daemon=True).start()
    ended = (lambda: proc.poll() is not None) if proc is not None else (lambda: False)
    with changed:
        changed.wait_for(lambda: predicate() or ended(), timeout)
    return predicate()
