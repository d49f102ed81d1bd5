"""The enrolment web app seen from a test: a study configured against the simulator's OAuth
server, participants with invite links, and a cookie-keeping client that talks to the ASGI app
through httpx's ASGI transport (the app's own calls to the simulator are real HTTP on loopback)."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from urllib.parse import urlsplit

import httpx

from fitvault.study import roster
from fitvault.study.settings import StudySettings, save_settings

PUBLIC_URL = "http://127.0.0.1:8470"
CONSENT_TEXT = (
    "We will read your heart rate, activity and sleep for twelve weeks.\n\n"
    "You can withdraw at any time & your data stays <pseudonymous>."
)


def study_settings(sim, public_url: str = PUBLIC_URL, **changes) -> StudySettings:
    """A study whose OAuth web client (redirect ``<public_url>/oauth/callback`` registered) and
    endpoints are the simulator's."""
    client = sim.client_secrets(kind="web", redirect_uris=[public_url + "/oauth/callback"])["web"]
    values = dict(
        name="Sleep & Heart Study", consent_text=CONSENT_TEXT, consent_version="2.1", public_url=public_url,
        client_id=client["client_id"], client_secret=client["client_secret"], auth_url=sim.auth_url,
        token_url=sim.token_url, api_url=sim.url, revoke_url=sim.revoke_url,
    )
    values.update(changes)
    return StudySettings(**values)


def configure_study(conn, cipher, sim, public_url: str = PUBLIC_URL, **changes) -> StudySettings:
    settings = study_settings(sim, public_url, **changes)
    save_settings(conn, cipher, settings)
    return settings


def invite(conn, pid: str, public_url: str = PUBLIC_URL, window_start: date = date(2026, 11, 1)) -> str:
    """Add ``pid`` and issue their link; returns the link's path (``/i/<token>``)."""
    roster.add_participant(conn, pid, window_start, actor="staff")
    return urlsplit(roster.issue_invite(conn, pid, actor="staff", public_url=public_url)).path


def form_nonce(page: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', page)
    assert found, "the consent page has no nonce field"
    return found.group(1)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class AsgiBrowser:
    """A synchronous, cookie-keeping client of an ASGI app (httpx's ASGI transport on its own
    event loop), so the tests stay plain functions."""

    def __init__(self, app, base_url: str = PUBLIC_URL) -> None:
        self._loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def get(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self.client.get(url, **kw))

    def post(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self.client.post(url, **kw))

    def close(self) -> None:
        self._loop.run_until_complete(self.client.aclose())
        self._loop.close()

    def __enter__(self) -> AsgiBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the steps of an enrolment ---------------------------------------------------------------

    def agree(self, link: str) -> str:
        """Open the link, agree; returns the consent URL the app redirected to."""
        page = self.get(link)
        assert page.status_code == 200, page.text
        answer = self.post(link, data={"nonce": form_nonce(page.text), "choice": "agree"})
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]

    def at_google(self, consent_url: str, person: int = 0) -> str:
        """The simulator's consent screen, answered at once by ``person`` (their ``login_hint``, as
        their click on the account chooser adds it; real HTTP); returns the callback path and
        query it redirected to."""
        url = httpx.URL(consent_url).copy_merge_params({"login_hint": f"person{person}@sim.example"})
        redirect = httpx.get(url, follow_redirects=False)
        assert redirect.status_code == 302, redirect.text
        return path_of(redirect.headers["location"])
