"""The one send pipeline both API clients use: quota, send, judge, retry.

Like httpx's own ``Client.send`` (auth and transport are pluggable there and stay so here: the
``httpx.Client`` it is given carries both), one loop does for every request of every source::

    limiter.acquire(wait)             wait, if the quota says so (cancellable)
    http.request(...)                 auth signs it; the transport sends it
    before / after hooks, debug log   (method, path, status, elapsed)
    limiter.learn(headers)            the quota the response reported
    model.judge(response, ...)        the value, a Retry, or a raised fatal error

and, on a :class:`Retry`, spends one try of the :class:`~fitvault.http.retry.RetryPolicy` and
waits the wait the server asked for (``Retry-After``, bounded by ``max_retry_after_s``) or the
backoff. What differs between sources is in two small objects:

* the **error model** (:class:`ErrorModel`): how a response becomes a value, a :class:`Retry`
  (with the wait the server asked for), or a typed fatal error; and how a quota refusal (429) is
  budgeted: as an ordinary try (``refusals`` is None: the Google Health API), or apart from the
  tries, at most ``max_count`` times and ``max_wait_s`` long (:class:`RefusalBudget`: the
  legacy Fitbit API, whose 429 means "wait for the hourly reset", not "this request failed");
* the **limiter** (:class:`Limiter`): acquire before each send, learn from each response's
  headers, and after a refusal say how long to wait and hold every caller for that long.

Every wait goes through the :class:`~fitvault.http.retry.Waiter`, so :meth:`Pipeline.cancel`
stops a run between tries and inside waits. Secrets: this is where they are kept out of errors
and logs. The access token travels only in the ``Authorization`` header the auth adds (never in
a URL, so never in a :class:`Call`'s path); every error message the pipeline makes and every
retry line it logs is scrubbed of the auth's current ``secrets`` (when the auth has any), which
the error model also receives to scrub what the server quoted.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from fitvault import errors
from fitvault.auth.tokens import scrub_secrets
from fitvault.http.retry import RetryPolicy, Waiter

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Call:
    """One request as the pipeline sends and names it.

    Attributes:
        method / url: what is sent (``params`` in the query, ``json`` as the body).
        path: how messages name it (relative to the API root, never with a token).
        detail: appended to the path in the debug log (e.g. the query, without page tokens).
    """

    method: str
    url: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    detail: str = ""


@dataclass(frozen=True)
class Retry:
    """The error model's "try again".

    Attributes:
        error: raised when the tries (or refusals) run out.
        wait: the seconds the server asked for (None: the policy's backoff).
        refused: the quota refused the request (429): the limiter decides the wait and holds
            every caller.
    """

    error: Exception
    wait: float | None = None
    refused: bool = False


@dataclass(frozen=True)
class RefusalBudget:
    """Quota refusals counted apart from the tries: at most ``max_count`` of them per request,
    none longer than ``max_wait_s``; ``message`` (one ``%`` for the seconds) is logged at each."""

    max_count: int
    max_wait_s: float
    message: str


class ErrorModel(Protocol[T_co]):
    """How a source reads a response (the value, a :class:`Retry`, or a raised typed error)."""

    @property
    def refusals(self) -> RefusalBudget | None:
        """How quota refusals are budgeted; None: each is one of the tries."""

    def judge(self, response: httpx.Response, call: Call, secrets: tuple[str, ...]) -> T_co | Retry:
        """The value of a response, or :class:`Retry`; raises the typed error of a fatal one.
        ``secrets``: values the error's message must not contain."""


class Limiter(Protocol):
    """A source's client-side quota, as the pipeline drives it."""

    def acquire(self, wait: Waiter, /) -> None:
        """Block until one more request may be sent, waiting through ``wait`` (cancellable)."""

    def learn(self, headers: Mapping[str, str], /) -> None:
        """Record the quota a response reported."""

    def refused(self, headers: Mapping[str, str], retry_after: float | None, backoff: Callable[[], float], /) -> float:
        """Seconds to wait after a 429 (``backoff()`` is the policy's delay, computed on demand)."""

    def hold(self, seconds: float, wait: Waiter, /) -> None:
        """Hold every caller for ``seconds`` after a 429, this one waiting through ``wait``."""


#: A hook called before each try.
BeforeHook = Callable[[Call], None]
#: A hook called after each try: the call, the status (None: no response) and seconds taken.
AfterHook = Callable[[Call, "int | None", float], None]


@dataclass
class Hooks:
    """Callbacks around every try (progress, timings); they must not raise."""

    before: list[BeforeHook] = field(default_factory=list)
    after: list[AfterHook] = field(default_factory=list)


class Pipeline:
    """Sends :class:`Call` s through ``http`` until they succeed or the retry budget is spent.

    Args:
        http: the ``httpx.Client`` (its auth and transport are the pluggable parts).
        limiter: the source's quota (:class:`Limiter`).
        retry: tries and backoff.
        waiter: every wait goes through it (default: one that sleeps on its cancel event).
        log: the source's logger (the retry and debug lines are logged there).
        seed: the backoff jitter's seed (tests).
        secrets: the values to keep out of messages, read before each try (the token may have
            been refreshed); default: the auth's ``secrets`` attribute, if it has one.
        scrub: how a message loses them (default: each secret masked).
        hooks: callbacks around each try.
    """

    def __init__(
        self,
        http: httpx.Client,
        limiter: Limiter,
        retry: RetryPolicy,
        *,
        waiter: Waiter | None = None,
        log: logging.Logger | None = None,
        seed: int | None = None,
        secrets: Callable[[], Iterable[str]] | None = None,
        scrub: Callable[..., str] = scrub_secrets,
        hooks: Hooks | None = None,
    ) -> None:
        self.http = http
        self.limiter = limiter
        self.retry = retry
        self.wait = waiter or Waiter()
        self.log = log or logging.getLogger("fitvault.http")
        self.rng = random.Random(seed)
        self._secrets = secrets or (lambda: getattr(http.auth, "secrets", ()))
        self._scrub = scrub
        self.hooks = hooks or Hooks()
        self._count_lock = threading.Lock()
        self.requests_sent = 0

    def cancel(self) -> None:
        """Make every pending and future wait raise :class:`~fitvault.http.Cancelled` (a request
        already under way is not interrupted; the wait after it, if any, raises)."""
        self.wait.cancel()

    def reset_cancel(self) -> None:
        self.wait.reset()

    def backoff(self, attempt: int) -> None:
        """Wait the backoff before retry number ``attempt`` (for callers that retry themselves)."""
        self.wait(self.retry.delay(attempt, self.rng))

    def send(self, call: Call, model: ErrorModel[T]) -> T:
        """The value ``model`` reads from the first response it accepts; raises its fatal error,
        or the last retryable one when the tries (or refusals) run out."""
        tries = refusals = 0
        while True:
            tries += 1
            response, outcome = self._try(call, model, tries)
            if not isinstance(outcome, Retry):
                return outcome
            budget = model.refusals
            if outcome.refused and budget is not None and response is not None:
                refusals += 1
                self._refusal(outcome, response.headers, budget, refusals, tries)
                tries -= 1  # the quota is not a failure of this request
            else:
                self._retry(outcome, response, tries)

    # -- the steps ---------------------------------------------------------------------------
    def _try(self, call: Call, model: ErrorModel[T], tries: int) -> tuple[httpx.Response | None, T | Retry]:
        """One send: the response (None when none came) and what the model makes of it."""
        self.limiter.acquire(self.wait)
        with self._count_lock:
            self.requests_sent += 1
        for before in self.hooks.before:
            before(call)
        started = time.monotonic()
        try:
            response = self.http.request(call.method, call.url, params=call.params, json=call.json)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            error = errors.TransportError(
                self.scrub(f"{call.method} {call.path}: {type(exc).__name__}: {exc or 'no detail'}"))
            error.__cause__ = exc
            self._done(call, None, started, tries)
            return None, Retry(error)
        self._done(call, response.status_code, started, tries)
        self.limiter.learn(response.headers)
        return response, model.judge(response, call, self.secrets())

    def _done(self, call: Call, status: int | None, started: float, tries: int) -> None:
        elapsed = time.monotonic() - started
        for after in self.hooks.after:
            after(call, status, elapsed)
        self.log.debug("%s %s%s -> %s in %.0f ms (try %d)", call.method, call.path, call.detail, status,
                       elapsed * 1000, tries)

    def _retry(self, outcome: Retry, response: httpx.Response | None, tries: int) -> None:
        """Wait before try ``tries + 1``; raise the error when the tries are spent or the server
        asks for a wait longer than the policy honours."""
        if outcome.wait is not None and outcome.wait > self.retry.max_retry_after_s:
            raise outcome.error
        if tries >= self.retry.attempts:
            raise outcome.error
        if outcome.refused and response is not None:
            wait = self.limiter.refused(response.headers, outcome.wait, lambda: self.retry.delay(tries, self.rng))
        else:
            wait = outcome.wait if outcome.wait is not None else self.retry.delay(tries, self.rng)
        self.log.info("%s; retrying in %.1f s (try %d of %d)", self._short(outcome.error), wait, tries + 1,
                      self.retry.attempts)
        if outcome.refused:
            self.limiter.hold(wait, self.wait)
        else:
            self.wait(wait)

    def _refusal(self, outcome: Retry, headers: Mapping[str, str], budget: RefusalBudget, refusals: int,
                 tries: int) -> None:
        """Wait out a quota refusal counted apart from the tries (or raise past the budget)."""
        wait = self.limiter.refused(headers, outcome.wait, lambda: self.retry.delay(tries, self.rng))
        if wait > budget.max_wait_s or refusals > budget.max_count:
            raise outcome.error
        self.log.info(budget.message, wait)
        self.limiter.hold(wait, self.wait)

    # -- secrets -----------------------------------------------------------------------------
    def secrets(self) -> tuple[str, ...]:
        """The values no message may contain, as of now."""
        return tuple(s for s in self._secrets() if s)

    def scrub(self, text: str) -> str:
        """``text`` without the current secrets."""
        return self._scrub(text, *self.secrets())

    def _short(self, error: Exception) -> str:
        return (self.scrub(str(error)).splitlines() or ["error"])[0][:200]

