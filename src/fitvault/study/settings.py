"""The study's settings, one row of ``study.settings``: its name, consent text and version, where
it is reached (``public_url``), the study's Google OAuth *web* client, the endpoints (Google's, or
the simulator's in tests and the demo), the scopes asked at enrolment, and the sync limits.

The client secret is stored encrypted with the study key (:class:`~.crypto.GrantCipher`) and
never printed (``repr`` masks it).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields, replace

from psycopg.types.json import Jsonb

from fitvault.auth.tokens import mask_secret
from fitvault.config import GOOGLE_API_URL, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL, GoogleEndpoints
from fitvault.errors import ConfigError
from fitvault.sources.google.oauth import SCOPE_GROUPS, scopes_for
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn

#: No location scope by default: a study asks for it only when its protocol needs GPS routes.
STUDY_SCOPES: tuple[str, ...] = scopes_for("-location")
DEFAULT_CONSENT = (
    "You agree that the research team may read your Fitbit / Pixel Watch data (activity, heart rate, "
    "sleep, body measurements and device status) for the duration of the study. You can withdraw at any time."
)


@dataclass
class StudySettings:
    """Everything a study is configured with (see the module docstring).

    ``quota_per_minute`` is per participant (Google's 300/min/user); ``max_in_flight`` caps the API
    requests in flight across every worker process of the study (see
    :mod:`fitvault.study.limits`); ``valid_day_hours`` is the compliance threshold of a valid day.
    """

    name: str = "study"
    consent_text: str = DEFAULT_CONSENT
    consent_version: str = "1"
    public_url: str = "http://127.0.0.1:8470"
    client_id: str = ""
    client_secret: str = ""
    auth_url: str = GOOGLE_AUTH_URL
    token_url: str = GOOGLE_TOKEN_URL
    api_url: str = GOOGLE_API_URL
    revoke_url: str = GOOGLE_REVOKE_URL
    scopes: tuple[str, ...] = field(default=STUDY_SCOPES)
    valid_day_hours: float = 10.0
    quota_per_minute: int = 300
    max_in_flight: int = 32

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={mask_secret(self.client_secret) if f.name == 'client_secret' else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"StudySettings({shown})"

    __str__ = __repr__

    @property
    def endpoints(self) -> GoogleEndpoints:
        return GoogleEndpoints(api_url=self.api_url, auth_url=self.auth_url, token_url=self.token_url,
                               revoke_url=self.revoke_url)

    @property
    def consent_sha256(self) -> str:
        """The fingerprint of the consent text, recorded with each participant's consent (by the
        enrolment site and by ``study enrol`` alike)."""
        return hashlib.sha256(self.consent_text.encode("utf-8")).hexdigest()

    @property
    def redirect_uri(self) -> str:
        """The OAuth redirect of the enrolment web app (register it on the Google web client)."""
        return self.public_url.rstrip("/") + "/oauth/callback"

    def public(self) -> dict:
        """The settings without the client secret (what ``--json`` prints and the table stores)."""
        data = asdict(self)
        data.pop("client_secret")
        data["scopes"] = list(self.scopes)
        return data

    def with_scope_spec(self, spec: str) -> StudySettings:
        """The settings with ``scopes`` from a ``+GROUP,-GROUP`` spec on the study defaults."""
        base = scopes_for("-location," + spec) if spec else STUDY_SCOPES
        return replace(self, scopes=base)


def _from_public(data: dict, client_secret: str) -> StudySettings:
    known = {f.name for f in fields(StudySettings)}
    values = {k: v for k, v in data.items() if k in known and k != "client_secret"}
    if "scopes" in values:
        values["scopes"] = tuple(values["scopes"])
    return StudySettings(**values, client_secret=client_secret)


def load_settings(conn: Conn, cipher: GrantCipher) -> StudySettings:
    """The stored settings; ConfigError when the study was never initialised."""
    row = conn.execute("SELECT data, client_secret_enc FROM study.settings WHERE id = 1").fetchone()
    if row is None:
        raise ConfigError("the study has no settings yet: run `fitvault study init`")
    secret = cipher.decrypt(row["client_secret_enc"]).decode() if row["client_secret_enc"] else ""
    return _from_public(row["data"], secret)


def save_settings(conn: Conn, cipher: GrantCipher, settings: StudySettings) -> None:
    """Store ``settings`` (the client secret encrypted)."""
    if settings.quota_per_minute < 1 or settings.max_in_flight < 1:
        raise ConfigError("quota_per_minute and max_in_flight must be at least 1")
    unknown = [s for s in settings.scopes if not any(s in group for group in SCOPE_GROUPS.values())]
    if unknown:
        raise ConfigError(f"unknown scopes in the study settings: {unknown}")
    secret = cipher.encrypt(settings.client_secret.encode()) if settings.client_secret else None
    conn.execute(
        "INSERT INTO study.settings (id, data, client_secret_enc) VALUES (1, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, client_secret_enc = excluded.client_secret_enc, "
        "updated_at = now()",
        (Jsonb(settings.public()), secret),
    )
