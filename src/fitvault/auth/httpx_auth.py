"""``GoogleAuth``: an ``httpx.Auth`` that signs API requests with the stored Google token.

It refreshes the access token shortly *before* it expires, and once more if the API still
answers 401 (then retries the request once). Refreshes are serialised — a ``threading.Lock``
for the sync's worker threads, ``store.lock()`` (a file lock) across processes — and inside the
lock the store is re-read first, so a token another process just renewed is used instead of
being renewed again. A new token is saved (atomically) before the request that needs it is sent.
The token travels only in the ``Authorization`` header, never in a URL.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Generator

import filelock
import httpx

from fitvault.auth.google import refresh
from fitvault.auth.tokens import Token, TokenStore, mask_secret
from fitvault.config import GoogleEndpoints
from fitvault.errors import AuthError, NotAuthenticated, ReauthRequired


class GoogleAuth(httpx.Auth):
    """Bearer auth for the Google Health API, backed by a :class:`TokenStore`.

    Args:
        store: where the token lives (file or keyring); its lock serialises refreshes across
            processes.
        endpoints: ``token_url`` is used for refreshes.
        refresh_margin_s: refresh when the access token expires within this many seconds (capped
            at half the token's lifetime, so a short-lived token is not refreshed on every call).
        http_factory: returns a new ``httpx.Client`` for one refresh request (closed after use);
            default: Authlib's own client.
        now: clock, epoch seconds.
        on_refresh: called with each new token after it was saved (e.g. to report progress).
        lock_timeout_s: how long to wait for another process's refresh before giving up.

    Thread-safe: one instance may serve an ``httpx.Client`` shared by several threads.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self,
        store: TokenStore,
        endpoints: GoogleEndpoints,
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
        # The refresh token Google answered invalid_grant for, and the message; avoids asking
        # again from every waiting thread (a token re-authorised elsewhere is a different one).
        self._dead: tuple[str, str] | None = None

    def __repr__(self) -> str:
        access = mask_secret(self._token.access_token) if self._token else None
        return f"GoogleAuth(store={self._store!r}, access_token={access!r})"

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
        token = self._store.load()
        if token is None:
            raise NotAuthenticated(
                "no Google token is stored for this vault; run `fitvault auth google` first"
            )
        return token

    def _renew(self, *, failed: str | None) -> Token:
        with self._lock:
            token = self._token
            if token is None:
                token = self._token = self._load()
            if self._fresh(token, failed=failed):
                return token  # loaded just now, or another thread renewed it while we waited
            try:
                with self._store.lock(self._lock_timeout_s):
                    stored = self._load()
                    if self._fresh(stored, failed=failed):
                        self._token = stored  # another process renewed it
                        return stored
                    new = self._refresh(stored)
                    self._store.save(new)  # persisted before it is used
                    self._token = new
            except filelock.Timeout:
                raise AuthError(
                    f"another fitvault process has been renewing the Google token for over "
                    f"{self._lock_timeout_s:g} s; try again later"
                ) from None
        if self._on_refresh is not None:
            self._on_refresh(new)
        return new

    def _refresh(self, stored: Token) -> Token:
        if self._dead is not None and stored.refresh_token == self._dead[0]:
            raise ReauthRequired(self._dead[1])
        try:
            if self._http_factory is None:
                return refresh(stored, self._endpoints, now=self._now)
            with self._http_factory() as http:
                return refresh(stored, self._endpoints, http=http, now=self._now)
        except ReauthRequired as exc:
            if stored.refresh_token:
                self._dead = (stored.refresh_token, str(exc))
            raise
