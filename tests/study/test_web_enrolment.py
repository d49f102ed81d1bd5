"""The enrolment web app through httpx's ASGI transport, on a real PostgreSQL and the real
simulator's OAuth server on loopback: the happy path stores exactly what it should, and every
failure path shows its page and stores nothing."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.postgres import drop_database, fresh_database
from support.sim import SIM_NOW
from support.study_web import CONSENT_TEXT, PUBLIC_URL, AsgiBrowser, configure_study, form_nonce, invite, path_of

from fitvault.study import audit, db, roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.procrastinate_queue import ProcrastinateQueue
from fitvault.study.settings import STUDY_SCOPES, StudySettings, save_settings
from fitvault.study.web.app import create_app
from fitvault.study.web.flow import Enrolment

SCOPE = "https://www.googleapis.com/auth/googlehealth."


@pytest.fixture(scope="module")
def sim():
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=3)) as s:
        yield s


@dataclass
class Study:
    conn: Any
    cipher: GrantCipher
    settings: StudySettings
    queue: ProcrastinateQueue
    app: Any
    browser: AsgiBrowser


@pytest.fixture(scope="module")
def database(pg_admin_url):
    """One migrated database for the module (each test has its own participants): a fresh one
    per test would cost a second each."""
    url = fresh_database(pg_admin_url)
    with db.connect(url) as conn:
        db.migrate(conn)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
def queue(database):
    with ProcrastinateQueue(database) as q:
        yield q


@pytest.fixture
def study(database, queue, sim):
    """A study on the simulator's OAuth, its app, and a browser talking to it."""
    cipher = GrantCipher(GrantCipher.new_key())
    app = create_app(Enrolment(database, cipher, queue))
    sim.config.deny_consent, sim.config.granted_scopes = False, None
    with db.connect(database) as conn, AsgiBrowser(app) as browser:
        settings = configure_study(conn, cipher, sim)
        yield Study(conn, cipher, settings, queue, app, browser)
    sim.config.deny_consent, sim.config.granted_scopes = False, None


def _parts(study: Study) -> tuple:
    return study.conn, study.cipher, study.settings, study.queue, study.browser


def _queued(conn, pid: str) -> list[tuple]:
    """The queue's jobs for ``pid`` (procrastinate's table)."""
    rows = conn.execute("SELECT task_name, args, status, lock, queueing_lock FROM procrastinate_jobs "
                        "WHERE args->>'pid' = %s ORDER BY id", (pid,)).fetchall()
    return [(r["task_name"], r["args"], r["status"], r["lock"], r["queueing_lock"]) for r in rows]


def _grants(conn, pid: str) -> list[dict]:
    return conn.execute("SELECT * FROM study.grants WHERE participant_id = %s", (pid,)).fetchall()


def _actions(conn, pid: str) -> list[str]:
    return [e["action"] for e in audit.entries(conn, pid)]


def _assert_nothing_stored(conn, pid: str, *, actions: list[str] | None = None) -> None:
    participant = roster.get_participant(conn, pid)
    assert participant.state == "invited" and participant.consent_version is None
    assert _grants(conn, pid) == []
    used = conn.execute("SELECT count(*) AS n FROM study.invites WHERE used_at IS NOT NULL AND participant_id = %s",
                        (pid,)).fetchone()["n"]
    assert used == 0
    assert _actions(conn, pid) == (actions or ["participant.add", "invite.issue"])
    assert _queued(conn, pid) == []


# -- the happy path -----------------------------------------------------------------------------


@pytest.mark.slow
def test_enrolment_stores_the_encrypted_grant_consent_devices_and_queues_once(study, sim, caplog):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P001")
    caplog.set_level(logging.DEBUG)

    page = browser.get(link)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert f"form-action 'self' {sim.auth_url.rsplit('/o/', 1)[0]}" in page.headers["content-security-policy"]
    assert "Sleep &amp; Heart Study" in page.text and "Consent version 2.1" in page.text
    assert "&lt;pseudonymous&gt;" in page.text and "<pseudonymous>" not in page.text  # escaped
    assert "<script" not in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=3600" in cookie

    answer = browser.post(link, data={"nonce": form_nonce(page.text), "choice": "agree"})
    assert answer.status_code == 303
    consent_url = answer.headers["location"]
    assert consent_url.startswith(sim.auth_url + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
    assert query["response_type"] == "code" and query["client_id"] == settings.client_id
    assert query["redirect_uri"] == PUBLIC_URL + "/oauth/callback"
    assert (query["access_type"], query["prompt"], query["code_challenge_method"]) == ("offline", "consent", "S256")
    assert len(query["code_challenge"]) == 43 and len(query["state"]) >= 32
    assert tuple(query["scope"].split()) == STUDY_SCOPES and SCOPE + "location.readonly" not in query["scope"]

    callback = browser.at_google(consent_url, person=2)
    done = browser.get(callback)
    assert done.status_code == 303 and done.headers["location"] == "../enrolled"
    assert 'max-age=0' in done.headers["set-cookie"].lower() or "expires=" in done.headers["set-cookie"].lower()
    final = browser.get(str(done.url.join(done.headers["location"])))
    assert final.url.path == "/enrolled"
    assert final.status_code == 200 and "You are enrolled" in final.text and "close this page" in final.text

    # the database: active, consent with the text's fingerprint, the grant encrypted
    p = roster.get_participant(conn, "P001")
    assert (p.state, p.consent_version, p.granted_scopes) == ("active", "2.1", STUDY_SCOPES)
    row = conn.execute("SELECT consent_text_sha256 FROM study.participants WHERE participant_id = 'P001'").fetchone()
    assert row["consent_text_sha256"] == hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
    [grant] = _grants(conn, "P001")
    stored = json.loads(cipher.decrypt(grant["token_enc"]))
    refresh, access = stored["refresh_token"], stored["access_token"]
    assert refresh in sim.tokens.refresh_tokens_of(2) and access.startswith("ya29.sim-")  # person 2's grant
    for secret in (refresh, access, settings.client_secret):
        assert secret.encode() not in bytes(grant["token_enc"])
    # the stored refresh token is the live one: the simulator refreshes it
    renewed = httpx.post(sim.token_url, data={"grant_type": "refresh_token", "refresh_token": refresh,
                                              "client_id": settings.client_id,
                                              "client_secret": settings.client_secret})
    assert renewed.status_code == 200, renewed.text
    # the devices are the simulator's, read independently with the stored access token
    direct = httpx.get(sim.url + "/v4/users/me/pairedDevices", params={"pageSize": 100},
                       headers={"Authorization": f"Bearer {access}"}).json()["pairedDevices"]
    assert p.devices == direct and len(direct) >= 1

    assert _actions(conn, "P001") == ["participant.add", "invite.issue", "invite.use", "consent", "grant.store"]
    entries = audit.entries(conn, "P001")
    assert entries[3]["detail"] == {"version": "2.1", "text_sha256": row["consent_text_sha256"]}
    assert _queued(conn, "P001") == [("fitvault.sync_participant", {"pid": "P001", "reason": "enrolment"}, "todo",
                                      "sync:P001", "sync:P001")]

    # no secret in any page, log line or audit text
    code = parse_qs(urlsplit(callback).query)["code"][0]
    secrets = (refresh, access, code, query["state"], link.rsplit("/", 1)[1], settings.client_secret)
    # (the test's own httpx client logs the URLs it requests: only the app's records count)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("fitvault"))
    assert "/i/…" in logged and "/oauth/callback" in logged
    audit_text = json.dumps([e["detail"] for e in audit.entries(conn, "P001")])
    for secret in secrets:
        assert secret not in logged and secret not in audit_text and secret not in final.text


@pytest.mark.slow
def test_a_link_works_once_and_a_replayed_callback_is_refused(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P002")
    callback = browser.at_google(browser.agree(link))
    kept = dict(browser.client.cookies)  # what an attacker who copied the cookie would replay
    assert browser.get(callback).status_code == 303
    before = (_grants(conn, "P002"), _actions(conn, "P002"))

    again = browser.get(link)
    assert again.status_code == 410 and "already used" in again.text
    for name, value in kept.items():
        browser.client.cookies.set(name, value)
    replay = browser.get(callback)
    assert replay.status_code == 410 and "already used" in replay.text
    assert (_grants(conn, "P002"), _actions(conn, "P002")) == before
    assert len(_queued(conn, "P002")) == 1


@pytest.mark.slow
def test_two_browsers_on_one_link_enrol_once(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P014")
    with AsgiBrowser(study.app) as other:
        first = browser.at_google(browser.agree(link), person=0)
        second = other.at_google(other.agree(link), person=1)  # both signed in at Google
        assert browser.get(first).status_code == 303
        late = other.get(second)
    assert late.status_code == 410 and "already used" in late.text
    stored = json.loads(cipher.decrypt(_grants(conn, "P014")[0]["token_enc"]))["refresh_token"]
    assert stored in sim.tokens.refresh_tokens_of(0)  # the first one's grant, untouched
    assert _actions(conn, "P014").count("grant.store") == 1 and len(_queued(conn, "P014")) == 1


# -- failure paths: a page each, nothing stored -------------------------------------------------


def test_unknown_and_replaced_links(study):
    conn, cipher, settings, queue, browser = _parts(study)
    old = invite(conn, "P003")
    new = path_of(roster.issue_invite(conn, "P003", actor="staff", public_url=PUBLIC_URL))
    page = browser.get(old)
    assert page.status_code == 410 and "replaced by a newer one" in page.text
    page = browser.get("/i/" + "x" * 43)
    assert page.status_code == 404 and "not known" in page.text
    assert browser.get(new).status_code == 200
    assert "set-cookie" not in browser.get(old).headers


def test_declined_consent_is_audited_and_the_link_still_works(study):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P004")
    page = browser.get(link)
    answer = browser.post(link, data={"nonce": form_nonce(page.text), "choice": "decline"})
    assert answer.status_code == 200 and "You did not agree" in answer.text and "Nothing was shared" in answer.text
    _assert_nothing_stored(conn, "P004", actions=["participant.add", "invite.issue", "consent.decline"])
    assert browser.get(link).status_code == 200


def test_forged_or_stale_consent_forms_are_refused(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P005")
    nonce = form_nonce(browser.get(link).text)
    # another browser (no cookie) posting a copied form: a cross-site request
    with AsgiBrowser(study.app) as other:  # same app, fresh cookies
        forged = other.post(link, data={"nonce": nonce, "choice": "agree"})
    assert forged.status_code == 400 and "has expired" in forged.text and "location" not in forged.headers
    wrong = browser.post(link, data={"nonce": "not-the-nonce", "choice": "agree"})
    assert wrong.status_code == 400
    # the session of one link does not answer for another
    other_link = invite(conn, "P006")
    assert browser.post(other_link, data={"nonce": nonce, "choice": "agree"}).status_code == 400
    _assert_nothing_stored(conn, "P005")


def test_access_denied_at_google(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P007")
    sim.config.deny_consent = True
    callback = browser.at_google(browser.agree(link))
    assert "error=access_denied" in callback
    page = browser.get(callback)
    assert page.status_code == 403 and "Access was not allowed" in page.text
    _assert_nothing_stored(conn, "P007", actions=["participant.add", "invite.issue", "consent.google_denied"])


def test_another_error_from_google_is_shown_escaped(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P015")
    state = parse_qs(urlsplit(browser.agree(link)).query)["state"][0]
    page = browser.get("/oauth/callback", params={"state": state, "error": "<script>alert(1)</script>"})
    assert page.status_code == 502 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    _assert_nothing_stored(conn, "P015")


def test_state_mismatch_and_missing_session(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P008")
    callback = browser.at_google(browser.agree(link))
    forged = re.sub(r"state=[^&]+", "state=forged-state-value", callback)
    page = browser.get(forged)
    assert page.status_code == 400 and "does not match" in page.text
    with AsgiBrowser(study.app) as other:  # no cookie: another browser
        page = other.get(callback)
    assert page.status_code == 400 and "no enrolment in progress" in page.text
    _assert_nothing_stored(conn, "P008")
    # the genuine answer still completes afterwards
    assert browser.get(callback).status_code == 303


def test_a_partial_grant_with_the_essentials_enrols_and_records_what_was_granted(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P016")
    granted = (SCOPE + "activity_and_fitness.readonly", SCOPE + "health_metrics_and_measurements.readonly",
               SCOPE + "settings.readonly")  # sleep and profile unticked
    sim.config.granted_scopes = set(granted)
    assert browser.get(browser.at_google(browser.agree(link))).status_code == 303
    p = roster.get_participant(conn, "P016")
    assert p.state == "active" and p.granted_scopes == granted
    assert _grants(conn, "P016")[0]["scopes"] == list(granted)


def test_missing_essential_scopes(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P009")
    sim.config.granted_scopes = {SCOPE + "sleep.readonly", SCOPE + "activity_and_fitness.readonly"}
    page = browser.get(browser.at_google(browser.agree(link)))
    assert page.status_code == 403 and "permissions are missing" in page.text
    assert "health metrics" in page.text and "settings (your time zone and your paired devices)" in page.text
    _assert_nothing_stored(conn, "P009")


def test_token_exchange_failure(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P010")
    callback = browser.at_google(browser.agree(link))
    bogus = re.sub(r"code=[^&]+", "code=4%2F0Asim-not-a-code", callback)
    page = browser.get(bogus)
    assert page.status_code == 502 and "could not be completed" in page.text
    assert "4/0Asim-not-a-code" not in page.text
    _assert_nothing_stored(conn, "P010")


def test_consent_text_changed_during_sign_in(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P011")
    callback = browser.at_google(browser.agree(link))
    save_settings(conn, cipher, replace(settings, consent_text=CONSENT_TEXT + " Amended.", consent_version="2.2"))
    page = browser.get(callback)
    assert page.status_code == 409 and "consent information has changed" in page.text
    _assert_nothing_stored(conn, "P011")


def test_withdrawn_participant_link(study, tmp_path):
    from fitvault.study.vaults import LocalVaults

    conn, cipher, settings, queue, browser = _parts(study)
    link = invite(conn, "P012")
    roster.withdraw(conn, "P012", actor="staff", delete_data=False, vaults=LocalVaults(tmp_path))
    page = browser.get(link)
    assert page.status_code == 410 and "cannot be used" in page.text


def test_every_response_is_uncached_and_unframed(study):
    conn, cipher, settings, queue, browser = _parts(study)
    for path in ("/", "/nope", "/oauth/callback", "/enrolled", "/i/unknown"):
        response = browser.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in response.headers[
            "content-security-policy"], path
    assert browser.get("/nope").status_code == 404
    assert browser.post("/oauth/callback").status_code == 405
    assert browser.get("/healthz").text == "ok"
    big = browser.post("/i/whatever", content=b"nonce=" + b"x" * 10_000,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413  # Starlette's own plain answer, before the app reads it


@pytest.mark.slow
def test_re_consent_replaces_the_failed_grant(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    first = invite(conn, "P013")
    assert browser.get(browser.at_google(browser.agree(first), person=1)).status_code == 303
    conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'pid' = 'P013'")  # as if the backfill ran
    old = json.loads(cipher.decrypt(_grants(conn, "P013")[0]["token_enc"]))["refresh_token"]
    again = path_of(roster.mark_needs_reconsent(conn, "P013", "invalid_grant", public_url=PUBLIC_URL))
    assert roster.get_participant(conn, "P013").state == "needs_reconsent"
    assert browser.get(first).status_code == 410
    assert browser.get(browser.at_google(browser.agree(again), person=1)).status_code == 303
    [grant] = _grants(conn, "P013")
    new = json.loads(cipher.decrypt(grant["token_enc"]))["refresh_token"]
    assert new != old and new in sim.tokens.refresh_tokens_of(1)
    assert roster.get_participant(conn, "P013").state == "active"
    assert len(_queued(conn, "P013")) == 1


# -- the sealed browser session (no database) -------------------------------------------------------


def test_sealed_session_cannot_be_read_forged_or_kept_past_an_hour():
    from fitvault.study.web.session import MAX_AGE_S, BrowserSession, seal, unseal

    cipher = GrantCipher(GrantCipher.new_key())
    session = BrowserSession.start("invite-token-value", now=1_000_000.0).agreed(
        state="state-value", verifier="v" * 48, consent_version="2", consent_sha256="ab" * 32)
    cookie = seal(cipher, session)
    for secret in ("invite-token-value", "state-value", "v" * 48):
        assert secret not in cookie and secret not in repr(session)
    assert unseal(cipher, cookie, now=1_000_000.0 + 10) == session
    assert unseal(cipher, cookie, now=1_000_000.0 + MAX_AGE_S + 1) is None  # too old
    assert unseal(cipher, cookie, now=1_000_000.0 - 5) is None  # from the future
    assert unseal(GrantCipher(GrantCipher.new_key()), cookie, now=1_000_000.0) is None  # another study's key
    assert unseal(cipher, cookie[:-4] + "AAAA", now=1_000_000.0) is None  # altered
    assert unseal(cipher, "", now=1_000_000.0) is None and unseal(cipher, "é", now=1_000_000.0) is None
    # text sealed with the same key for another purpose (a stored grant) is no session
    grant = cipher.encrypt(json.dumps({"invite": "x", "nonce": "y", "created": 1_000_000.0}).encode()).decode()
    assert unseal(cipher, grant, now=1_000_000.0) is None
    assert session.state_matches("state-value") and not session.state_matches("state-valuf")
    assert not BrowserSession.start("x").state_matches("")  # no state before the person agreed


@pytest.mark.slow
def test_one_google_account_cannot_enrol_a_second_participant(study, sim):
    conn, cipher, settings, queue, browser = _parts(study)
    first, second = invite(conn, "P021"), invite(conn, "P022")
    assert browser.get(browser.at_google(browser.agree(first), person=0)).status_code == 303
    [grant] = _grants(conn, "P021")
    health_user_id = sim.persons[0].health_user_id
    # kept as a keyed fingerprint of the account's Health user id, never the id itself
    assert grant["account_fingerprint"] == cipher.fingerprint(roster.ACCOUNT_PURPOSE, health_user_id)
    assert health_user_id not in json.dumps([dict(e) for e in audit.entries(conn, "P021")], default=str)
    assert grant["account_fingerprint"] != hashlib.sha256(health_user_id.encode()).hexdigest()

    with AsgiBrowser(study.app) as other:
        page = other.get(other.at_google(other.agree(second), person=0))  # the same account again
        assert page.status_code == 409 and "already in the study" in page.text
        assert "P021" not in page.text  # the other participant's code is the study team's, not shown
        _assert_nothing_stored(conn, "P022", actions=["participant.add", "invite.issue", "grant.duplicate_account"])
        [refusal] = [e for e in audit.entries(conn, "P022") if e["action"] == "grant.duplicate_account"]
        assert (refusal["actor"], refusal["detail"]) == ("participant", {"enrolled_as": "P021"})
        # the same link still works with the participant's own account
        assert other.get(other.at_google(other.agree(second), person=1)).status_code == 303
    assert roster.get_participant(conn, "P022").state == "active"
    assert json.loads(cipher.decrypt(_grants(conn, "P021")[0]["token_enc"]))["refresh_token"] in \
        sim.tokens.refresh_tokens_of(0)  # the first participant's grant untouched
