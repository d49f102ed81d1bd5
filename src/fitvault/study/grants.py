"""A participant's grant as the sync core's token store: :class:`StudyTokenStore`.

The one sync core signs its requests with :class:`~fitvault.sources.google.auth.GoogleAuth`,
which loads the token from a :class:`~fitvault.auth.tokens.TokenStore`, refreshes it under
``store.lock()`` and saves the renewed token back. :class:`StudyTokenStore` is that store for a
participant: the token lives encrypted in ``study.grants``, and ``lock()`` is a PostgreSQL
advisory lock keyed on the participant, so two processes (two workers, or a worker and the
enrolment server) never refresh one grant at once, whichever host they run on.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from types import TracebackType

import filelock

from fitvault.auth.tokens import Token, TokenStore
from fitvault.errors import AuthError
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn, connect

# pg_advisory_lock(int, int) namespace of grant refreshes ("fvgr"); the second key is hashtext(pid).
_REFRESH_LOCK_NS = 0x66766772


class _AdvisoryLock:
    """``with``: hold ``pg_advisory_lock(ns, hashtext(pid))`` on the store's connection; raises
    ``filelock.Timeout`` after ``timeout`` seconds (what :class:`RefreshingBearerAuth` expects of a
    store's lock)."""

    def __init__(self, store: StudyTokenStore, timeout: float) -> None:
        self.store, self.timeout = store, timeout

    def __enter__(self) -> _AdvisoryLock:
        deadline = time.monotonic() + self.timeout
        while True:
            row = self.store.conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s)) AS ok",
                                          (_REFRESH_LOCK_NS, self.store.participant_id)).fetchone()
            if row and row["ok"]:
                return self
            if time.monotonic() >= deadline:
                raise filelock.Timeout(f"grant of {self.store.participant_id}")
            time.sleep(0.05)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.store.conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))",
                                (_REFRESH_LOCK_NS, self.store.participant_id))


class StudyTokenStore(TokenStore):
    """The encrypted grant of ``participant_id`` in ``study.grants``, as a token store.

    Opens its own connection to ``url`` (the advisory lock is held on it); :meth:`close` it, or
    use the store as a context manager. Saving never resurrects a grant that was deleted meanwhile
    (a withdrawal during a sync).
    """

    def __init__(self, url: str, cipher: GrantCipher, participant_id: str) -> None:
        super().__init__(f"study-grant-{participant_id}")  # a name only: nothing is written there
        self.url, self.cipher, self.participant_id = url, cipher, participant_id
        self._conn: Conn | None = None
        self._open_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"StudyTokenStore({self.participant_id!r})"

    @property
    def conn(self) -> Conn:
        with self._open_lock:
            if self._conn is None:
                self._conn = connect(self.url)
            return self._conn

    def close(self) -> None:
        with self._open_lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> StudyTokenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self) -> Token | None:
        row = self.conn.execute("SELECT token_enc FROM study.grants WHERE participant_id = %s",
                                (self.participant_id,)).fetchone()
        if row is None:
            return None
        try:
            return Token.from_json(self.cipher.decrypt(row["token_enc"]).decode())
        except ValueError as exc:
            raise AuthError(f"the stored grant of {self.participant_id} is damaged ({exc}); enrol again") from None

    def save(self, token: Token) -> None:
        expires = (datetime.fromtimestamp(token.refresh_token_expires_at, timezone.utc)
                   if token.refresh_token_expires_at else None)
        self.conn.execute(
            "UPDATE study.grants SET token_enc = %s, scopes = %s, refresh_expires_at = %s, updated_at = now() "
            "WHERE participant_id = %s",
            (self.cipher.encrypt(token.to_json().encode()), list(token.scopes), expires, self.participant_id),
        )

    def delete(self) -> None:
        self.conn.execute("DELETE FROM study.grants WHERE participant_id = %s", (self.participant_id,))

    def lock(self, timeout: float = 60.0) -> _AdvisoryLock:  # type: ignore[override]
        return _AdvisoryLock(self, timeout)
