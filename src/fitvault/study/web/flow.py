"""What each step of an enrolment does, without HTTP: the app (:mod:`.app`) turns a request into
one of these calls and the :class:`Reply` into a response.

1. :meth:`Enrolment.open_link` (``GET /i/<token>``): the invite must be valid (not used, revoked,
   unknown or withdrawn; opening does not consume it, so a mail scanner fetching the link is
   harmless) → the consent page, and a sealed browser session with the form's nonce.
2. :meth:`Enrolment.answer_consent` (``POST /i/<token>``): the nonce must match the session's
   (cross-site forms fail) → *decline*: an audit entry and a page; *agree*: a fresh OAuth state
   and PKCE verifier kept in the session, and a redirect to Google's consent screen.
3. :meth:`Enrolment.callback` (``GET /oauth/callback``): the state must be this browser's, the
   invite still valid and the consent text unchanged; the code is exchanged, the essential
   scopes must have been granted, the paired devices are read; then ONE transaction consumes
   the invite, records the consent, stores the grant encrypted and writes the audit entry, and
   only after it commits is the first sync (the backfill from the window start) queued. Every
   refusal before that transaction stores nothing.

No reply, page or log line carries a token, a code, a state or an invite token.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from fitvault import errors
from fitvault.config import GOOGLE_AUTH_URL
from fitvault.sources.google.client import HealthApiClient, RetryPolicy
from fitvault.sources.google.client_secrets import ClientSecrets
from fitvault.sources.google.oauth import SCOPE_GROUPS, exchange_code, new_code_verifier, web_consent_url
from fitvault.study import audit, db, roster
from fitvault.study.db import Conn
from fitvault.study.settings import StudySettings, load_settings
from fitvault.study.web import pages
from fitvault.study.web.pages import Page
from fitvault.study.web.session import BrowserSession

if TYPE_CHECKING:
    from fitvault.auth.tokens import Token
    from fitvault.study.crypto import GrantCipher
    from fitvault.study.queue import StudyQueue

log = logging.getLogger("fitvault.study.web")

CALLBACK_PATH = "/oauth/callback"
ENROLLED_PATH = "/enrolled"
ACTOR = "participant"

#: The scopes a study cannot do without; the consent screen lets a person untick any scope
#: (docs/facts/google-health-api.md#endpoints-and-scopes). Heart rate gives the wear minutes,
#: and which scope gates it is disputed (docs/facts/google-health-api.md#scope-of-heart-rate-and-vo2-max),
#: so both activity and metrics; the paired devices (battery, last sync) answered 403 until
#: settings.readonly was granted on the live API (the simulator's note in fitvault_simulator/api.py).
#: Only those the study asks for are required; the rest are recorded as granted or not.
ESSENTIAL_SCOPES: tuple[str, ...] = SCOPE_GROUPS["activity"] + SCOPE_GROUPS["metrics"] + SCOPE_GROUPS["settings"]

# What a person reads for a scope left unticked.
_SCOPE_LABELS = {
    SCOPE_GROUPS["activity"][0]: "activity and fitness (steps, exercise, heart rate)",
    SCOPE_GROUPS["metrics"][0]: "health metrics and measurements (heart rate and other vital signs)",
    SCOPE_GROUPS["settings"][0]: "settings (your time zone and your paired devices)",
}


def required_scopes(settings: StudySettings) -> tuple[str, ...]:
    return tuple(s for s in settings.scopes if s in ESSENTIAL_SCOPES)


@dataclass(frozen=True)
class Reply:
    """What to answer: a page, or a redirect (to Google's consent screen or to one of our own
    paths); the browser session to seal into the cookie, or to clear."""

    page: Page | None = None
    redirect: str | None = None
    session: BrowserSession | None = None
    clear_session: bool = False


class _Refused(Exception):
    """A step that cannot go on; carries the page that says why and what to do."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.status)
        self.page = page


class _AccessToken(httpx.Auth):
    """Signs the enrolment's few API calls with the access token just issued (it is fresh, so no
    refresh is needed; the participant's syncs use the stored grant with refresh)."""

    def __init__(self, token: Token) -> None:
        self._value = token.access_token

    def __repr__(self) -> str:
        return "_AccessToken(…masked)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._value}"
        yield request


def _client_secrets(settings: StudySettings) -> ClientSecrets:
    return ClientSecrets(settings.client_id, settings.client_secret, settings.auth_url, settings.token_url)


class Enrolment:
    """The enrolment steps of one study.

    Args:
        database_url: the study's PostgreSQL (roster, grants, consent, audit).
        cipher: the study key: grants at rest and the browser sessions are sealed with it.
        queue: where the participant's first sync is queued.
        http: optional ``httpx.Client`` for the token exchange (tests, proxies).
        api_transport: optional transport for the paired-devices read (tests).
        now: clock, epoch seconds.
    """

    def __init__(
        self,
        database_url: str,
        cipher: GrantCipher,
        queue: StudyQueue,
        *,
        http: httpx.Client | None = None,
        api_transport: httpx.BaseTransport | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.database_url = database_url
        self.cipher = cipher
        self.queue = queue
        self._http = http
        self._api_transport = api_transport
        self._now = now
        #: The study's OAuth server and whether the site is https, as of the last settings read
        #: (the app's headers and cookie flags follow them).
        self.auth_url = GOOGLE_AUTH_URL
        self.secure = False

    def clock(self) -> float:
        return self._now()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Conn]:
        conn = db.connect(self.database_url)  # autocommit: each roster call is its own transaction
        try:
            yield conn
        finally:
            conn.close()

    def _settings(self, conn: Conn) -> StudySettings:
        try:
            settings = load_settings(conn, self.cipher)
        except errors.FitvaultError as exc:
            log.error("study settings cannot be read: %s", exc)
            raise _Refused(pages.problem(
                503, "Enrolment is not open yet",
                "This study's enrolment site is not set up yet. Please try again later, or contact the study team.",
            )) from None
        self.auth_url, self.secure = settings.auth_url, settings.public_url.lower().startswith("https://")
        return settings

    def _valid_invite(self, conn: Conn, invite: str, study: str) -> roster.Participant:
        try:
            return roster.open_invite(conn, invite)
        except roster.InviteInvalid as exc:
            raise _Refused(_invite_problem(exc, study)) from None

    @staticmethod
    def _guard(step: Callable[[], Reply]) -> Reply:
        try:
            return step()
        except _Refused as refused:
            return Reply(page=refused.page)

    # -- 1. the link --------------------------------------------------------------------------

    def home(self) -> Reply:
        def step() -> Reply:
            with self._connection() as conn:
                return Reply(page=pages.home(study=self._settings(conn).name))
        return self._guard(step)

    def open_link(self, invite: str, session: BrowserSession | None) -> Reply:
        """The consent page for a valid invite; keeps the browser's session when it is for the
        same link (a second tab, a reload), else starts one."""
        def step() -> Reply:
            with self._connection() as conn:
                settings = self._settings(conn)
                self._valid_invite(conn, invite, settings.name)
            ours = session if session is not None and session.is_for(invite) else BrowserSession.start(invite, self._now())
            page = pages.consent(study=settings.name, text=settings.consent_text, version=settings.consent_version,
                                 nonce=ours.nonce)
            return Reply(page=page, session=ours)
        return self._guard(step)

    # -- 2. the answer ------------------------------------------------------------------------

    def answer_consent(self, invite: str, session: BrowserSession | None, form: Mapping[str, str]) -> Reply:
        """Agree: to Google with a fresh state and verifier. Decline: audited, nothing else."""
        def step() -> Reply:
            if session is None or not session.is_for(invite) or not session.nonce_matches(form.get("nonce", "")):
                raise _Refused(pages.problem(
                    400, "This page has expired",
                    "The consent form could not be matched to this browser (it was open too long, cookies are "
                    "blocked, or it was sent from another site). Nothing was stored.",
                    "Please open the link from your invitation again.",
                ))
            choice = form.get("choice")
            if choice not in ("agree", "decline"):
                raise _Refused(pages.problem(400, "Please choose", "Choose “I agree” or “I do not agree”."))
            with self._connection() as conn:
                settings = self._settings(conn)
                participant = self._valid_invite(conn, invite, settings.name)
                if choice == "decline":
                    audit.record(conn, ACTOR, "consent.decline", participant.participant_id,
                                 {"consent_version": settings.consent_version})
                    return Reply(page=pages.declined(study=settings.name), clear_session=True)
            state, verifier = secrets.token_urlsafe(32), new_code_verifier()
            url = web_consent_url(_client_secrets(settings), settings.endpoints, redirect_uri=settings.redirect_uri,
                                  scopes=settings.scopes, verifier=verifier, state=state)
            agreed = session.agreed(state=state, verifier=verifier, consent_version=settings.consent_version,
                                    consent_sha256=settings.consent_sha256)
            return Reply(redirect=url, session=agreed)
        return self._guard(step)

    # -- 3. Google's redirect back ------------------------------------------------------------

    def callback(self, session: BrowserSession | None, params: Mapping[str, str]) -> Reply:
        """Finish the enrolment, or say why not (nothing stored)."""
        return self._guard(lambda: self._callback(session, params))

    def _callback(self, session: BrowserSession | None, params: Mapping[str, str]) -> Reply:
        agreed = _check_redirect(session, params)
        with self._connection() as conn:
            settings = self._settings(conn)
            participant = self._valid_invite(conn, agreed.invite, settings.name)  # a replay stops here
            if (agreed.consent_version, agreed.consent_sha256) != (
                    settings.consent_version, settings.consent_sha256):
                raise _Refused(pages.problem(
                    409, "The consent information has changed",
                    "The study updated its consent information while you were signing in. Nothing was stored.",
                    "Please open the link from your invitation again and read the new version.",
                    study=settings.name,
                ))
            if params.get("error"):
                return self._denied(conn, participant, settings, params["error"])
        token = self._exchange(settings, agreed, params.get("code") or "")
        _check_scopes(settings, token)
        devices, health_user_id = self._account(settings, token)
        try:
            with self._connection() as conn, conn.transaction():  # each call audits itself, in this transaction
                pid = self._consume(conn, agreed.invite, settings.name)
                roster.record_consent(conn, pid, version=settings.consent_version,
                                      text_sha256=agreed.consent_sha256 or "")
                roster.store_grant(conn, self.cipher, pid, token, devices, actor=ACTOR, health_user_id=health_user_id)
        except roster.DuplicateAccount as dup:
            raise _Refused(self._duplicate(dup, settings)) from None
        self._queue_backfill(pid)
        # relative to /oauth/callback, so it also holds when a proxy serves the site under a path
        return Reply(redirect=".." + ENROLLED_PATH, clear_session=True)

    def _denied(self, conn: Conn, participant: roster.Participant, settings: StudySettings,
                error: str) -> Reply:
        if error == "access_denied":
            audit.record(conn, ACTOR, "consent.google_denied", participant.participant_id, {"error": error})
            page = pages.problem(
                403, "Access was not allowed",
                "You chose not to let the study read your data on Google's page, so nothing was shared or stored.",
                "If that was a mistake, open the link from your invitation again and choose Allow.",
                study=settings.name,
            )
        else:
            log.warning("Google answered the consent with error=%r", error[:64])
            page = pages.problem(
                502, "Google did not complete the sign-in",
                f"Google answered with the error “{error[:64]}”. Nothing was stored.",
                "Please open the link from your invitation again; if this repeats, contact the study team.",
                study=settings.name,
            )
        return Reply(page=page, clear_session=True)

    def _exchange(self, settings: StudySettings, agreed: BrowserSession, code: str) -> Token:
        try:
            return exchange_code(_client_secrets(settings), settings.endpoints, code,
                                 verifier=agreed.verifier or "", redirect_uri=settings.redirect_uri,
                                 scopes=settings.scopes, http=self._http, now=self._now)
        except (errors.AuthError, errors.ApiError, errors.TransportError) as exc:
            log.warning("token exchange failed: %s", exc)  # fitvault's messages carry no secret
            raise _Refused(pages.problem(
                502, "Google did not complete the sign-in",
                "The sign-in with Google could not be completed (the exchange of its one-time code failed). "
                "Nothing was stored.",
                "Please open the link from your invitation again; if this repeats, contact the study team.",
                study=settings.name,
            )) from None

    def _account(self, settings: StudySettings, token: Token) -> tuple[list[dict], str | None]:
        """The paired devices and the account's Health user id at enrolment. A failure leaves
        the devices empty (the participant's syncs read them again) or the id unknown (the
        duplicate-account check is then skipped, and logged); neither undoes a consent just given."""
        retry = RetryPolicy(attempts=3, base_delay_s=0.5, max_delay_s=2.0, max_retry_after_s=5.0)
        devices: list[dict] = []
        user_id: str | None = None
        with HealthApiClient(settings.api_url, _AccessToken(token), retry=retry, timeout_s=20.0,
                             transport=self._api_transport) as client:
            try:
                devices = client.paired_devices()
            except (errors.ApiError, errors.TransportError) as exc:
                log.warning("paired devices not readable at enrolment: %s", exc)
            try:
                # users/me/identity answers to any Health scope (docs/facts/google-health-api.md#identity-profile-settings-and-devices)
                found = client.identity().get("healthUserId")
                user_id = found if isinstance(found, str) and found else None
            except (errors.ApiError, errors.TransportError) as exc:
                log.warning("the account's identity is not readable at enrolment (no duplicate check): %s", exc)
        return devices, user_id

    def _duplicate(self, dup: roster.DuplicateAccount, settings: StudySettings) -> Page:
        """Audit the refusal (the storing transaction rolled back) and say what to do. The new
        token is not revoked at Google: that would end the other participant's grant too (one
        grant per account and client)."""
        with self._connection() as conn:
            audit.record(conn, ACTOR, "grant.duplicate_account", dup.pid, {"enrolled_as": dup.holder})
        log.warning("%s", dup)
        return pages.problem(
            409, "This Google account is already in the study",
            "The Google account you signed in with is already enrolled in this study for another participant. "
            "Nothing was stored.",
            "If your watch is on another Google account, open the link from your invitation again and choose that "
            "account; otherwise please contact the study team.",
            study=settings.name,
        )

    def _consume(self, conn: Conn, invite: str, study: str) -> str:
        try:
            return roster.consume_invite(conn, invite)
        except roster.InviteInvalid as exc:  # a concurrent callback of the same link won
            raise _Refused(_invite_problem(exc, study)) from None

    def _queue_backfill(self, pid: str) -> None:
        # After the commit: the grant is what the job needs. If the queue cannot be reached, the
        # participant is still enrolled and the nightly schedule syncs them.
        try:
            queued = self.queue.enqueue_sync(pid, reason="enrolment")
        except Exception as exc:  # the enrolment stands; say so in the log
            log.error("enrolled %s, but the first sync could not be queued (%s); the nightly run will sync them",
                      pid, type(exc).__name__)
            return
        log.info("enrolled %s; first sync %s", pid, "queued" if queued else "already queued")

    # -- 4. done ------------------------------------------------------------------------------

    def enrolled(self) -> Reply:
        def step() -> Reply:
            with self._connection() as conn:
                return Reply(page=pages.enrolled(study=self._settings(conn).name))
        return self._guard(step)


def _check_redirect(session: BrowserSession | None, params: Mapping[str, str]) -> BrowserSession:
    """The browser's session when Google's redirect belongs to it (same state), else refused."""
    if session is None or session.state is None:
        raise _Refused(pages.problem(
            400, "This sign-in cannot be finished",
            "This browser has no enrolment in progress: it took longer than an hour, cookies are blocked, "
            "the enrolment was already finished, or it was started in another browser. Nothing was stored.",
            "Please open the link from your invitation again, in this browser.",
        ))
    if not session.state_matches(params.get("state") or ""):
        raise _Refused(pages.problem(
            400, "This sign-in does not match",
            "Google's answer does not belong to the enrolment started in this browser (an old or a forged "
            "address). Nothing was stored.",
            "Please open the link from your invitation again.",
        ))
    if not params.get("error") and not params.get("code"):
        raise _Refused(pages.problem(
            400, "This sign-in cannot be finished",
            "Google's answer carried no sign-in code. Nothing was stored.",
            "Please open the link from your invitation again.",
        ))
    return session


def _check_scopes(settings: StudySettings, token: Token) -> None:
    # The token is dropped, not revoked: revoking it would end every grant this person gave the
    # study's client, including an earlier one still in use.
    missing = [s for s in required_scopes(settings) if s not in token.scopes]
    if missing:
        raise _Refused(pages.problem(
            403, "Some permissions are missing",
            "The study needs these permissions, which were not ticked on Google's page: "
            + "; ".join(_SCOPE_LABELS.get(s, s) for s in missing) + ". Nothing was stored.",
            "Please open the link from your invitation again and leave them ticked.",
            study=settings.name,
        ))


def _invite_problem(exc: roster.InviteInvalid, study: str) -> Page:
    # The roster's message is written for the participant (used, replaced, unknown, withdrawn).
    reason = str(exc)
    return pages.problem(
        404 if "not known" in reason else 410, "This link cannot be used", reason[:1].upper() + reason[1:] + ".",
        "If you have already finished enrolling with it, there is nothing more to do.", study=study,
    )
