"""The browser's side of an enrolment: one cookie, sealed with the study's key.

Between the consent page and Google's redirect back, the server must remember which invite this
browser opened, the form nonce, the OAuth ``state`` and the PKCE verifier. They travel in one
cookie, encrypted and authenticated with the study's :class:`~fitvault.study.crypto.GrantCipher`
(Fernet), so the browser can neither read nor forge them and any web server sharing the study
key and database can finish the flow. The cookie is HttpOnly and SameSite=Lax (sent on Google's
top-level redirect back, not on cross-site form posts), Secure when the site is https, and lives
at most :data:`MAX_AGE_S`.

A sealed session binds the OAuth state to the invite and to this browser: a callback whose
``state`` is not the one in the cookie it arrives with is refused.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fitvault.study.crypto import GrantCipher

#: How long an enrolment may take from opening the link to coming back from Google.
MAX_AGE_S = 3600
# Marks the sealed payload as a web session, so no other text sealed with the same key passes.
_PURPOSE = "fitvault-study-web-session/1"


def cookie_name(secure: bool) -> str:
    """``__Host-`` pins the cookie to this exact origin (https only; browsers refuse it on http)."""
    return "__Host-fitvault_enrol" if secure else "fitvault_enrol"


@dataclass(frozen=True)
class BrowserSession:
    """What one browser carries through one enrolment.

    Attributes:
        invite: the invite link's token (the server keeps only its hash; the cookie is sealed).
        nonce: the consent form's anti-forgery value (echoed in a hidden field).
        created: when the link was opened, epoch seconds.
        state, verifier: the OAuth state and PKCE verifier, set when the person agreed.
        consent_version, consent_sha256: the consent text the person agreed to.
    """

    invite: str
    nonce: str
    created: float
    state: str | None = None
    verifier: str | None = None
    consent_version: str | None = None
    consent_sha256: str | None = None

    def __repr__(self) -> str:  # the invite, state and verifier are secrets
        return f"BrowserSession(created={self.created!r}, agreed={self.state is not None})"

    @classmethod
    def start(cls, invite: str, now: float | None = None) -> BrowserSession:
        return cls(invite=invite, nonce=secrets.token_urlsafe(32), created=time.time() if now is None else now)

    def agreed(self, *, state: str, verifier: str, consent_version: str, consent_sha256: str) -> BrowserSession:
        return replace(self, state=state, verifier=verifier, consent_version=consent_version,
                       consent_sha256=consent_sha256)

    def is_for(self, invite: str) -> bool:
        return hmac.compare_digest(self.invite.encode(), invite.encode())

    def nonce_matches(self, value: str) -> bool:
        return hmac.compare_digest(self.nonce.encode(), value.encode())

    def state_matches(self, value: str) -> bool:
        return self.state is not None and hmac.compare_digest(self.state.encode(), value.encode())


def seal(cipher: GrantCipher, session: BrowserSession) -> str:
    """The cookie value: the session encrypted and authenticated (URL-safe text)."""
    payload = json.dumps({"purpose": _PURPOSE, **asdict(session)}, separators=(",", ":"))
    return cipher.encrypt(payload.encode()).decode("ascii")


def unseal(cipher: GrantCipher, value: str | None, *, now: float | None = None) -> BrowserSession | None:
    """The session in a cookie value; None when absent, forged, damaged, foreign or expired."""
    if not value:
        return None
    try:
        data = json.loads(cipher.decrypt(value.encode("ascii")))
        if not isinstance(data, dict) or data.pop("purpose", None) != _PURPOSE:
            return None
        session = BrowserSession(**data)
    except Exception:  # any undecryptable or malformed cookie is simply no session
        return None
    age = (time.time() if now is None else now) - float(session.created)
    if not 0 <= age <= MAX_AGE_S:
        return None
    return session
