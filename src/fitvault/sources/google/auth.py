"""``GoogleAuth``: an ``httpx.Auth`` that signs API requests with the stored Google token.

It refreshes the access token shortly *before* it expires, and once more if the API still
answers 401 (then retries the request once). Refreshes are serialised — a ``threading.Lock``
for the sync's worker threads, ``store.lock()`` (a file lock) across processes — and inside the
lock the store is re-read first, so a token another process just renewed is used instead of
being renewed again. A new token is saved (atomically) before the request that needs it is sent.
The token travels only in the ``Authorization`` header, never in a URL. (The signing and the
locking are shared with the legacy Fitbit source: :mod:`fitvault.auth.bearer`.)
"""

from __future__ import annotations

from fitvault.auth.bearer import RefreshingBearerAuth
from fitvault.auth.tokens import Token
from fitvault.config import GoogleEndpoints
from fitvault.errors import ReauthRequired
from fitvault.sources.google.oauth import refresh


class GoogleAuth(RefreshingBearerAuth[GoogleEndpoints]):
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

    provider = "Google"
    # The refresh token Google answered invalid_grant for, and the message; avoids asking
    # again from every waiting thread (a token re-authorised elsewhere is a different one).
    _dead: tuple[str, str] | None = None

    def _renew_locked(self, failed: str | None) -> tuple[Token, bool]:
        with self._file_lock():
            stored = self._load()
            if self._fresh(stored, failed=failed):
                self._token = stored  # another process renewed it
                return stored, False
            new = self._refresh(stored)
            self._store.save(new)  # persisted before it is used
            self._token = new
        return new, True

    def _refresh(self, stored: Token) -> Token:
        if self._dead is not None and stored.refresh_token == self._dead[0]:
            raise ReauthRequired(self._dead[1])
        try:
            return self._call_refresh(refresh, stored)
        except ReauthRequired as exc:
            if stored.refresh_token:
                self._dead = (stored.refresh_token, str(exc))
            raise
