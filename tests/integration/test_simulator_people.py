"""The simulator serving several persons (a study's participants): each signs in by
``login_hint`` or the account chooser, gets tokens that read only their own data, and has their
own quota; the "web" client's redirect URIs are enforced; ``people=1`` is the simulator as it was."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from support.sim import SIM_NOW

from fitvault_simulator import Simulator, SimulatorConfig
from fitvault_simulator.catalog import READ_SCOPES

CALLBACK = "https://study.example.org/oauth/callback"


@pytest.fixture
def sim3():
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=3)) as s:
        yield s


def _authorize(sim, client_id: str, redirect: str, **extra) -> httpx.Response:
    query = {"client_id": client_id, "redirect_uri": redirect, "response_type": "code",
             "scope": " ".join(READ_SCOPES), "state": "st", "access_type": "offline", **extra}
    return httpx.get(sim.auth_url + "?" + urlencode(query), follow_redirects=False)


def _identity(sim, access_token: str) -> dict:
    return httpx.get(sim.url + "/v4/users/me/identity", headers={"Authorization": f"Bearer {access_token}"}).json()


def test_person_zero_is_the_single_person_and_each_token_reads_its_own_person(sim3):
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW)) as one:
        assert one.person.health_user_id == sim3.persons[0].health_user_id
        assert len(one.persons) == 1
    ids = [p.health_user_id for p in sim3.persons]
    assert len(set(ids)) == 3
    for i in range(3):
        token = sim3.issue_token(person=i)["access_token"]
        assert _identity(sim3, token)["healthUserId"] == ids[i]
    # another person's id in the path is refused
    token0 = sim3.issue_token(person=0)["access_token"]
    other = httpx.get(f"{sim3.url}/v4/users/{ids[1]}/profile", headers={"Authorization": f"Bearer {token0}"})
    assert other.status_code == 403


def test_login_hint_or_the_account_chooser_picks_the_person_and_the_web_client_redirect_is_enforced(sim3):
    secrets = sim3.client_secrets(kind="web", redirect_uris=[CALLBACK])["web"]
    assert secrets["redirect_uris"] == [CALLBACK]
    refused = _authorize(sim3, secrets["client_id"], "https://evil.example/cb", login_hint=sim3.email(1))
    assert refused.status_code == 400 and "redirect_uri_mismatch" in refused.text
    loopback = _authorize(sim3, secrets["client_id"], "http://127.0.0.1:9/", login_hint=sim3.email(1))
    assert loopback.status_code == 400 and "redirect_uri_mismatch" in loopback.text

    chooser = _authorize(sim3, secrets["client_id"], CALLBACK)
    assert chooser.status_code == 200
    links = re.findall(r'href="([^"]+)"', chooser.text)
    assert [parse_qs(urlsplit(link.replace("&amp;", "&")).query)["login_hint"][0] for link in links] == [
        "person0@sim.example", "person1@sim.example", "person2@sim.example"]
    picked = httpx.get(sim3.url + links[2].replace("&amp;", "&"), follow_redirects=False)
    assert picked.status_code == 302 and picked.headers["location"].startswith(CALLBACK + "?")
    code = parse_qs(urlsplit(picked.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "client_id": secrets["client_id"], "client_secret": secrets["client_secret"]}
    wrong = httpx.post(sim3.token_url, data={**form, "client_secret": "nope"})
    assert wrong.status_code == 401
    token = httpx.post(sim3.token_url, data=form).json()
    assert _identity(sim3, token["access_token"])["healthUserId"] == sim3.persons[2].health_user_id
    assert httpx.post(sim3.token_url, data=form).json()["error"] == "invalid_grant"  # single use

    unknown = _authorize(sim3, secrets["client_id"], CALLBACK, login_hint="someone@else.example")
    assert unknown.status_code == 400


def test_quota_is_per_person_and_revoking_one_person_leaves_the_others(sim3):
    sim3.config.quota_per_window = 2
    tokens = [sim3.issue_token(person=i) for i in range(2)]
    headers = [{"Authorization": f"Bearer {t['access_token']}"} for t in tokens]
    statuses = [httpx.get(sim3.url + "/v4/users/me/identity", headers=headers[0]).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert httpx.get(sim3.url + "/v4/users/me/identity", headers=headers[1]).status_code == 200
    for refresh in sim3.tokens.refresh_tokens_of(0):
        sim3.tokens.revoke(refresh)
    form = {"grant_type": "refresh_token", "client_id": sim3.config.client_id,
            "client_secret": sim3.config.client_secret}
    assert httpx.post(sim3.token_url, data={**form, "refresh_token": tokens[0]["refresh_token"]}).json()["error"] == (
        "invalid_grant")
    assert "access_token" in httpx.post(sim3.token_url, data={**form, "refresh_token": tokens[1]["refresh_token"]}).json()
