"""One HTTP send pipeline for every API source (:mod:`fitvault.http.pipeline`).

A source brings its URLs, an :class:`ErrorModel` (a response becomes a value, a :class:`Retry`
or a typed error) and a :class:`Limiter` (its client-side quota); the :class:`Pipeline` does the
rest: retries with backoff and jitter, ``Retry-After``, cancellation, hooks, and keeping the
token out of messages. :class:`RetryPolicy`, :class:`Waiter` and :class:`Cancelled` are in
:mod:`fitvault.http.retry`; :class:`ApiClient`, what both clients share, in :mod:`fitvault.http.client`.
"""

from fitvault.http.client import ApiClient
from fitvault.http.pipeline import Call, ErrorModel, Hooks, Limiter, Pipeline, RefusalBudget, Retry
from fitvault.http.retry import Cancelled, RetryPolicy, Sleep, Waiter

__all__ = [
    "ApiClient", "Call", "Cancelled", "ErrorModel", "Hooks", "Limiter", "Pipeline", "RefusalBudget", "Retry", "RetryPolicy",
    "Sleep", "Waiter",
]
