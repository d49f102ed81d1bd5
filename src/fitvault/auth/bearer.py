"""The request signing both API sources share: :class:`RefreshingBearerAuth`, an ``httpx.Auth``
that attaches the stored token, refreshes it shortly before it expires and once on a 401, and
serialises refreshes with a thread lock and the token file's lock. How a token is renewed under
those locks is the provider's (:class:`~fitvault.sources.google.auth.GoogleAuth`,
:class:`~fitvault.sources.fitbit.auth.FitbitAuth`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import ClassVar, Generic, TypeVar

import filelock
import httpx

from fitvault.auth.tokens import Token, TokenStore, mask_secret
from fitvault.errors import AuthError, NotAuthenticated

E = TypeVar("E")  # the provider's endpoints (GoogleEndpoints, FitbitEndpoints)


def stored_token(store: TokenStore, provider: str) -> Token:
    """The token in ``store``; :class:`NotAuthenticated` when there is none."""
    token = store.load()
    if token is None:
        raise NotAuthenticated(
            f"no {provider} token is stored for this vault; run `fitvault auth {provider.lower()}` first"
        )
    return token


class RefreshingBearerAuth(httpx.Auth, Generic[E]):
    """Bearer auth backed by a :class:`TokenStore`; subclasses implement :meth:`_renew_locked`.
    The arguments are documented on :class:`~fitvault.sources.google.auth.GoogleAuth`."""

    requires_request_body = False
    requires_response_body = False
    #: The provider as messages name it: ``Google``, ``Fitbit``.
    provider: ClassVar[str]

    def __init__(
        self,
        store: TokenStore,
        endpoints: E,
        *,
        refresh_margin_s: float = 300.0,
        http_factory: Callable[[], httpx.Client] | None = None,
        now: Callable[[], float] = time.time,
        on_refresh: Callable[[Token], None] | None = None,
        lock_timeout_s: float = 60.0,
    ) -> None:
        self._store = store
        self._endpoints = endpoints
        self._refresh_margin_s = refresh_margin_s
        self._http_factory = http_factory
        self._now = now
        self._on_refresh = on_refresh
        self._lock_timeout_s = lock_timeout_s
        self._lock = threading.Lock()
        self._token: Token | None = None

    def __repr__(self) -> str:
        access = mask_secret(self._token.access_token) if self._token else None
        return f"{type(self).__name__}(store={self._store!r}, access_token={access!r})"

    @property
    def token(self) -> Token | None:
        """The token in use (None until the first request)."""
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the bearer token; on 401 refresh once and retry once."""
        token = self._current()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401:
            token = self._renew(failed=token.access_token)
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            yield request

    # --- internals ---------------------------------------------------------------------------

    def _current(self) -> Token:
        token = self._token
        if token is not None and self._fresh(token, failed=None):
            return token
        return self._renew(failed=None)

    def _fresh(self, token: Token, *, failed: str | None) -> bool:
        """Usable for a request: present, not the one that just got a 401, not about to expire."""
        if not token.access_token or token.access_token == failed:
            return False
        margin = self._refresh_margin_s
        if token.expires_at is not None:
            margin = min(margin, max(0.0, (token.expires_at - token.obtained_at) / 2))
        return not token.expires_within(margin, self._now())

    def _load(self) -> Token:
        return stored_token(self._store, self.provider)

    def _renew(self, *, failed: str | None) -> Token:
        with self._lock:
            token = self._token
            if token is None:
                token = self._token = self._load()
            if self._fresh(token, failed=failed):
                return token  # loaded just now, or another thread renewed it while we waited
            token, renewed = self._renew_locked(failed)
        if renewed and self._on_refresh is not None:
            self._on_refresh(token)
        return token

    def _renew_locked(self, failed: str | None) -> tuple[Token, bool]:
        """Under the thread lock: the token to use, and whether it is a new one this instance
        obtained (False: another process renewed it meanwhile). Sets ``self._token``."""
        raise NotImplementedError

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """The token file's lock, or :class:`AuthError` after ``lock_timeout_s``."""
        try:
            with self._store.lock(self._lock_timeout_s):
                yield
        except filelock.Timeout:
            raise AuthError(
                f"another fitvault process has been renewing the {self.provider} token for over "
                f"{self._lock_timeout_s:g} s; try again later"
            ) from None

    def _call_refresh(self, refresh: Callable[..., Token], stored: Token) -> Token:
        """``refresh(stored, endpoints, [http=...,] now=...)`` through ``http_factory`` if given."""
        if self._http_factory is None:
            return refresh(stored, self._endpoints, now=self._now)
        with self._http_factory() as http:
            return refresh(stored, self._endpoints, http=http, now=self._now)
