"""Tests for fitvault.auth: consent (loopback + PKCE), import, token store, refresh, revoke, GoogleAuth.

Nothing leaves the machine: the token endpoint is an ``httpx.MockTransport`` (or, for the
two-process test, a tiny HTTP server on 127.0.0.1) and the "browser" is a thread doing real
HTTP requests to the loopback receiver.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import logging
import os
import re
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.races import CountingLock, Tally

from fitvault.config import GoogleEndpoints
from fitvault.errors import (
    AuthError,
    AuthorizationDenied,
    ConfigError,
    FitvaultError,
    NotAuthenticated,
    ReauthRequired,
    ServerError,
    StoreError,
    TransportError,
)
from fitvault.sources.google import (
    DEFAULT_SCOPES,
    ClientSecrets,
    GoogleAuth,
    KeyringTokenStore,
    LoopbackReceiver,
    Token,
    TokenStore,
    authorize,
    refresh,
    revoke,
    token_from_import,
)

ACCESS = "ya29.a0AfB_old" + "A" * 60
NEW_ACCESS = "ya29.a0AfB_new" + "N" * 60
REFRESH = "1//0gOLDREFRESH" + "R" * 60
NEW_REFRESH = "1//0gNEWREFRESH" + "Q" * 60
CLIENT_ID = "123456-abcdef.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-" + "S" * 28
SECRET_VALUES = (ACCESS, NEW_ACCESS, REFRESH, NEW_REFRESH, CLIENT_SECRET)
SCOPE_ACT = "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly"
SCOPE_SLEEP = "https://www.googleapis.com/auth/googlehealth.sleep.readonly"
NOW = 1_800_000_000.0

ENDPOINTS = GoogleEndpoints(
    api_url="https://health.test",
    auth_url="https://accounts.test/o/oauth2/v2/auth",
    token_url="https://oauth2.test/token",
    revoke_url="https://oauth2.test/revoke",
)
SECRETS = ClientSecrets(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRET_VALUES:
            assert secret not in text


def assert_error_clean(exc: BaseException) -> None:
    assert_no_secrets(str(exc), repr(exc), str(exc.args))


def make_token(**overrides: Any) -> Token:
    values: dict[str, Any] = dict(
        access_token=ACCESS,
        refresh_token=REFRESH,
        expires_at=time.time() + 3000,
        scopes=(SCOPE_ACT, SCOPE_SLEEP),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri=ENDPOINTS.token_url,
        obtained_at=time.time() - 600,
    )
    values.update(overrides)
    return Token(**values)


def no_proxy_client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def refresh_ok(form: dict[str, str]) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": NEW_ACCESS, "expires_in": 3599, "scope": SCOPE_ACT, "token_type": "Bearer"}
    )


class FakeGoogle:
    """The token and revocation endpoints, as an httpx.MockTransport handler."""

    def __init__(
        self,
        *,
        on_code: Callable[[dict[str, str]], httpx.Response] | None = None,
        on_refresh: Callable[[dict[str, str]], httpx.Response] = refresh_ok,
        on_revoke: Callable[[dict[str, str]], httpx.Response] | None = None,
        hold_refresh: Callable[[], None] | None = None,
    ) -> None:
        self.on_code = on_code or self._code_ok
        self.on_refresh = on_refresh
        self.on_revoke = on_revoke or (lambda form: httpx.Response(200, text=""))
        self.hold_refresh = hold_refresh  # called before a refresh is answered (a race test's gate)
        self.requests: list[tuple[httpx.Request, dict[str, str]]] = []
        self._lock = threading.Lock()

    @staticmethod
    def _code_ok(form: dict[str, str]) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "access_token": ACCESS,
                "expires_in": 3599,
                "refresh_token": REFRESH,
                "scope": f"{SCOPE_ACT} {SCOPE_SLEEP}",
                "token_type": "Bearer",
                "refresh_token_expires_in": 604799,
            },
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self._lock:
            self.requests.append((request, form))
        if request.url.path == "/revoke":
            return self.on_revoke(form)
        if form.get("grant_type") == "authorization_code":
            return self.on_code(form)
        if form.get("grant_type") == "refresh_token":
            if self.hold_refresh is not None:
                self.hold_refresh()
            return self.on_refresh(form)
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def forms(self, grant_type: str) -> list[dict[str, str]]:
        with self._lock:
            return [form for _, form in self.requests if form.get("grant_type") == grant_type]


class Browser:
    """``open_browser`` for authorize(): a thread that follows the consent URL's redirect for real."""

    def __init__(self, answer: Callable[[dict[str, str]], str], *, also_favicon: bool = True) -> None:
        self.answer = answer
        self.also_favicon = also_favicon
        self.params: dict[str, str] = {}
        self.url = ""
        self.statuses: list[int] = []
        self.pages: list[str] = []
        self.thread: threading.Thread | None = None

    def __call__(self, url: str) -> None:
        self.url = url
        self.params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        query = self.answer(self.params)
        redirect_uri = self.params["redirect_uri"]

        def visit() -> None:
            with no_proxy_client() as client:
                if self.also_favicon:
                    self.statuses.append(client.get(redirect_uri + "favicon.ico").status_code)
                response = client.get(f"{redirect_uri}?{query}")
                self.statuses.append(response.status_code)
                self.pages.append(response.text)

        self.thread = threading.Thread(target=visit, daemon=True)
        self.thread.start()

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(5)


def good_answer(params: dict[str, str]) -> str:
    return f"state={params['state']}&code=4%2F0AQSTgQ-code&scope={SCOPE_ACT}"


# --- consent flow ------------------------------------------------------------------------------


def test_authorize_browser_flow_sends_pkce_s256_and_returns_the_token() -> None:
    fake = FakeGoogle()
    browser = Browser(good_answer)
    with fake.client() as http:
        token = authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, now=lambda: NOW, timeout_s=10)
    browser.join()

    consent = browser.params
    assert browser.url.startswith(ENDPOINTS.auth_url + "?")
    assert consent["response_type"] == "code"
    assert consent["client_id"] == CLIENT_ID
    assert consent["scope"] == " ".join(DEFAULT_SCOPES)
    assert consent["access_type"] == "offline"
    assert consent["prompt"] == "consent"
    assert consent["code_challenge_method"] == "S256"
    assert len(consent["state"]) >= 20
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", consent["redirect_uri"])
    assert "client_secret" not in consent

    (form,) = fake.forms("authorization_code")
    verifier = form["code_verifier"]
    assert re.fullmatch(r"[A-Za-z0-9]{48}", verifier)
    assert consent["code_challenge"] == s256(verifier)
    assert form["code"] == "4/0AQSTgQ-code"
    assert form["redirect_uri"] == consent["redirect_uri"]
    assert form["client_id"] == CLIENT_ID
    assert form["client_secret"] == CLIENT_SECRET
    request = fake.requests[0][0]
    assert str(request.url) == ENDPOINTS.token_url

    assert browser.statuses == [404, 200]  # favicon did not consume the one callback
    assert "fitvault: you can close this tab" in browser.pages[0]

    assert token == Token(
        access_token=ACCESS,
        refresh_token=REFRESH,
        expires_at=NOW + 3599,
        scopes=(SCOPE_ACT, SCOPE_SLEEP),
        token_type="Bearer",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri=ENDPOINTS.token_url,
        refresh_token_expires_at=NOW + 604799,
        obtained_at=NOW,
    )
    assert token.testing_mode


def test_every_authorize_uses_a_new_verifier_and_state() -> None:
    fake = FakeGoogle()
    seen = []
    for _ in range(2):
        browser = Browser(good_answer, also_favicon=False)
        with fake.client() as http:
            authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, timeout_s=10)
        browser.join()
        seen.append((browser.params["state"], browser.params["code_challenge"]))
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]
    verifiers = [form["code_verifier"] for form in fake.forms("authorization_code")]
    assert verifiers[0] != verifiers[1]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda p: f"state={p['state']}&error=access_denied", "consent was refused"),
        (lambda p: "state=forged-state-value&code=4%2Fcode", "state does not match"),
        (lambda p: "code=4%2Fcode", "no state"),
        (lambda p: f"state={p['state']}&scope=x", "no authorization code"),
        (lambda p: f"state={p['state']}&error=invalid_scope", "error=invalid_scope"),
    ],
    ids=["access_denied", "state_mismatch", "state_missing", "code_missing", "other_error"],
)
def test_authorize_refuses_bad_redirects(answer: Callable[[dict[str, str]], str], expected: str) -> None:
    fake = FakeGoogle()
    browser = Browser(answer, also_favicon=False)
    with fake.client() as http, pytest.raises(AuthorizationDenied) as info:
        authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, timeout_s=10)
    browser.join()
    assert expected in str(info.value)
    assert fake.requests == []  # no code exchange happened
    assert_error_clean(info.value)


def test_authorize_times_out_when_the_browser_never_comes_back() -> None:
    fake = FakeGoogle()
    seen: list[str] = []
    started = time.monotonic()
    with fake.client() as http, pytest.raises(AuthorizationDenied, match="no answer from the browser"):
        authorize(SECRETS, ENDPOINTS, open_browser=seen.append, http=http, timeout_s=0.3)
    assert time.monotonic() - started < 5
    port = urlsplit(parse_qs(urlsplit(seen[0]).query)["redirect_uri"][0]).port
    with pytest.raises(OSError):  # the receiver was shut down
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_authorize_without_refresh_token_means_no_offline_access() -> None:
    def code_without_refresh(form: dict[str, str]) -> httpx.Response:
        return httpx.Response(200, json={"access_token": ACCESS, "expires_in": 3599, "scope": SCOPE_ACT})

    fake = FakeGoogle(on_code=code_without_refresh)
    browser = Browser(good_answer, also_favicon=False)
    with fake.client() as http, pytest.raises(AuthError, match="offline access was not granted") as info:
        authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, timeout_s=10)
    browser.join()
    assert_error_clean(info.value)


def test_authorize_code_exchange_refused() -> None:
    def refused(form: dict[str, str]) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Malformed code."})

    fake = FakeGoogle(on_code=refused)
    browser = Browser(good_answer, also_favicon=False)
    with fake.client() as http, pytest.raises(AuthError, match="invalid_grant") as info:
        authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, timeout_s=10)
    browser.join()
    assert_error_clean(info.value)


@pytest.mark.parametrize(
    "shape",
    ["full_url", "query_only", "question_mark_query", "with_whitespace"],
)
def test_authorize_no_browser_paste_flow(shape: str) -> None:
    fake = FakeGoogle()
    shown: list[str] = []

    def prompt(url: str) -> str:
        shown.append(url)
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        query = good_answer(params)
        # Nothing listens on the redirect port in this mode.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", urlsplit(params["redirect_uri"]).port), timeout=1).close()
        return {
            "full_url": f"{params['redirect_uri']}?{query}",
            "query_only": query,
            "question_mark_query": f"?{query}",
            "with_whitespace": f"  {params['redirect_uri']}?{query}\n",
        }[shape]

    with fake.client() as http:
        token = authorize(SECRETS, ENDPOINTS, prompt_for_redirect=prompt, http=http, now=lambda: NOW)
    consent = {k: v[0] for k, v in parse_qs(urlsplit(shown[0]).query).items()}
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", consent["redirect_uri"])
    (form,) = fake.forms("authorization_code")
    assert form["redirect_uri"] == consent["redirect_uri"]
    assert consent["code_challenge"] == s256(form["code_verifier"])
    assert token.access_token == ACCESS and token.refresh_token == REFRESH


def test_no_browser_flow_uses_the_given_port_and_checks_state() -> None:
    fake = FakeGoogle()

    def prompt(url: str) -> str:
        assert parse_qs(urlsplit(url).query)["redirect_uri"] == ["http://127.0.0.1:8765/"]
        return "http://127.0.0.1:8765/?state=other&code=abc"

    with fake.client() as http, pytest.raises(AuthorizationDenied, match="state"):
        authorize(SECRETS, ENDPOINTS, prompt_for_redirect=prompt, port=8765, http=http)


def test_authorize_needs_a_way_to_reach_the_user() -> None:
    with pytest.raises(ConfigError):
        authorize(SECRETS, ENDPOINTS)


# --- loopback receiver -------------------------------------------------------------------------


def test_receiver_binds_loopback_only_and_serves_exactly_one_callback() -> None:
    with LoopbackReceiver(port=0) as receiver:
        port = receiver.port
        assert receiver.redirect_uri == f"http://127.0.0.1:{port}/"
        if sys.platform.startswith("linux"):
            # All of 127/8 is local on Linux: a server bound to 0.0.0.0 would accept here.
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.2", port), timeout=1).close()
            listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
            local = [line.split()[1] for line in listening if line.split()[3] == "0A"]
            assert f"0100007F:{port:04X}" in local
            assert f"00000000:{port:04X}" not in local
        with no_proxy_client() as client:
            assert client.get(f"http://127.0.0.1:{port}/favicon.ico").status_code == 404
            assert client.get(f"http://127.0.0.1:{port}/").status_code == 404  # bare visit, no answer yet
            first = client.get(f"http://127.0.0.1:{port}/?state=s&code=one")
            second = client.get(f"http://127.0.0.1:{port}/?state=s&code=two")
        assert first.status_code == 200 and "you can close this tab" in first.text
        assert second.status_code == 410
        assert receiver.wait(5) == f"http://127.0.0.1:{port}/?state=s&code=one"
        with pytest.raises(OSError):  # stopped after the callback
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_receiver_timeout() -> None:
    with LoopbackReceiver() as receiver:
        started = time.monotonic()
        with pytest.raises(AuthorizationDenied, match="no answer"):
            receiver.wait(0.2)
        assert 0.15 < time.monotonic() - started < 3


def test_receiver_port_in_use_is_a_config_error() -> None:
    with LoopbackReceiver() as first:
        with pytest.raises(ConfigError, match="cannot listen"):
            LoopbackReceiver(port=first.port).start()


# --- import ------------------------------------------------------------------------------------


def test_import_google_auth_authorized_user_json() -> None:
    data = {
        "token": ACCESS,
        "refresh_token": REFRESH,
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": [SCOPE_ACT, SCOPE_SLEEP],
        "universe_domain": "googleapis.com",
        "account": "",
        "expiry": "2026-11-20T10:00:00.250000Z",
    }
    token = token_from_import(data, now=lambda: NOW)
    assert token == Token(
        access_token=ACCESS,
        refresh_token=REFRESH,
        expires_at=datetime(2026, 11, 20, 10, 0, 0, 250000, tzinfo=timezone.utc).timestamp(),
        scopes=(SCOPE_ACT, SCOPE_SLEEP),
        token_type="Bearer",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri="https://oauth2.googleapis.com/token",
        refresh_token_expires_at=None,
        obtained_at=NOW,
    )


def test_import_google_auth_naive_expiry_is_utc_and_missing_access_token_forces_refresh() -> None:
    data = {
        "token": ACCESS,
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "expiry": "2026-11-20T10:00:00",
    }
    token = token_from_import(data, now=lambda: NOW)
    assert token.expires_at == datetime(2026, 11, 20, 10, tzinfo=timezone.utc).timestamp()
    assert token.token_uri == "https://oauth2.googleapis.com/token"
    assert token.scopes == ()

    bare = token_from_import({**data, "token": None, "expiry": None}, now=lambda: NOW)
    assert bare.access_token == "" and bare.expires_at is None
    assert bare.expires_within(300, NOW)


def test_import_raw_token_response() -> None:
    data = {
        "access_token": ACCESS,
        "expires_in": 3599,
        "refresh_token": REFRESH,
        "scope": f"{SCOPE_ACT} {SCOPE_SLEEP}",
        "token_type": "Bearer",
        "refresh_token_expires_in": 604799,
    }
    token = token_from_import(data, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, now=lambda: NOW)
    assert token == Token(
        access_token=ACCESS,
        refresh_token=REFRESH,
        expires_at=NOW + 3599,
        scopes=(SCOPE_ACT, SCOPE_SLEEP),
        token_type="Bearer",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri="https://oauth2.googleapis.com/token",
        refresh_token_expires_at=NOW + 604799,
        obtained_at=NOW,
    )


@pytest.mark.parametrize(
    ("data", "kwargs", "expected"),
    [
        ({"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3599}, {}, "not name its"),
        (
            {"access_token": ACCESS, "expires_in": 3599},
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            "no refresh_token",
        ),
        (
            {
                "token": ACCESS,
                "refresh_token": REFRESH,
                "client_id": "other.apps.googleusercontent.com",
                "client_secret": CLIENT_SECRET,
            },
            {"client_id": CLIENT_ID},
            "different OAuth client",
        ),
        (
            {
                "token": ACCESS,
                "refresh_token": REFRESH,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "expiry": "next tuesday",
            },
            {},
            "ISO 8601",
        ),
        (
            {"refresh_token": REFRESH, "hello": 1},
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            "unrecognised token format",
        ),
    ],
    ids=["raw_without_client", "no_refresh_token", "client_mismatch", "bad_expiry", "unknown_shape"],
)
def test_import_errors(data: dict[str, Any], kwargs: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as info:
        token_from_import(data, now=lambda: NOW, **kwargs)
    assert_error_clean(info.value)


# --- token model -------------------------------------------------------------------------------


def test_token_repr_masks_secrets() -> None:
    token = make_token(refresh_token_expires_at=NOW)
    for text in (repr(token), str(token), f"{token}", repr([token])):
        assert_no_secrets(text)
        assert "ya29…(masked)" in text and "GOCS…(masked)" in text
    assert_no_secrets(repr(SECRETS), str(SECRETS))
    assert CLIENT_ID in repr(SECRETS)


def test_token_json_round_trip_and_expiry_helpers() -> None:
    token = make_token(expires_at=NOW + 100, refresh_token_expires_at=NOW + 5000, obtained_at=NOW - 3500)
    assert Token.from_json(token.to_json()) == token
    assert token.expires_within(300, NOW) and not token.expires_within(60, NOW)
    assert token.testing_mode
    assert not make_token(refresh_token_expires_at=None).testing_mode
    assert not make_token(expires_at=None).expires_within(300, NOW)


def test_merged_with_refresh_keeps_what_google_omits() -> None:
    token = make_token(refresh_token_expires_at=NOW + 1000)
    merged = token.merged_with_refresh({"access_token": NEW_ACCESS, "expires_in": 3599}, NOW)
    assert merged.access_token == NEW_ACCESS and merged.expires_at == NOW + 3599 and merged.obtained_at == NOW
    assert merged.refresh_token == REFRESH
    assert merged.scopes == token.scopes
    assert merged.refresh_token_expires_at == NOW + 1000
    assert merged.client_id == CLIENT_ID and merged.client_secret == CLIENT_SECRET
    assert merged.token_uri == token.token_uri
    response = {"access_token": NEW_ACCESS, "expires_in": "3599", "refresh_token": NEW_REFRESH}
    rotated = token.merged_with_refresh({**response, "scope": SCOPE_SLEEP}, NOW)
    assert rotated.refresh_token == NEW_REFRESH and rotated.scopes == (SCOPE_SLEEP,)


# --- token store -------------------------------------------------------------------------------


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_round_trip_mode_0600_and_delete(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "vault" / "google-token.json")
    assert store.load() is None
    token = make_token()
    old_umask = os.umask(0)  # even a permissive umask must not loosen the file
    try:
        store.save(token)
    finally:
        os.umask(old_umask)
    assert file_mode(store.path) == 0o600
    assert store.load() == token
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["google-token.json"]
    assert_no_secrets(repr(store))
    store.delete()
    assert store.load() is None
    store.delete()  # idempotent


def test_store_fixes_a_loose_mode(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token())
    os.chmod(store.path, 0o644)
    assert store.load() is not None
    assert file_mode(store.path) == 0o600
    os.chmod(store.path, 0o644)
    store.save(make_token(access_token=NEW_ACCESS))
    assert file_mode(store.path) == 0o600


def test_store_write_is_atomic_when_the_rename_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    first = make_token()
    store.save(first)

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StoreError) as info:
        store.save(make_token(access_token=NEW_ACCESS))
    monkeypatch.undo()
    assert_error_clean(info.value)
    assert store.load() == first  # previous file intact and parseable
    assert file_mode(store.path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["google-token.json"]  # no temp file left behind


def test_store_write_is_atomic_when_the_data_write_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    first = make_token()
    store.save(first)
    real_write = os.write

    def half_then_crash(fd: int, data: Any) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "write", half_then_crash)
    with pytest.raises(StoreError):
        store.save(make_token(access_token=NEW_ACCESS))
    monkeypatch.undo()
    assert store.load() == first
    assert [p.name for p in tmp_path.iterdir()] == ["google-token.json"]


@pytest.mark.parametrize(
    "content",
    [
        '{"format": "fitvault-google-token/1", "access_token": "' + ACCESS + '", "refresh',  # torn write
        "not json at all " + REFRESH,
        json.dumps({"access_token": ACCESS, "refresh_token": REFRESH}),  # not our format
        json.dumps({"format": "fitvault-google-token/1", "access_token": 42, "refresh_token": REFRESH}),
        "[" + json.dumps(CLIENT_SECRET) + "]",
    ],
    ids=["truncated", "garbage", "foreign", "wrong_type", "not_object"],
)
def test_store_corrupt_file_is_a_clean_auth_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "google-token.json"
    path.write_text(content)
    with pytest.raises(AuthError, match="damaged") as info:
        TokenStore(path).load()
    assert_error_clean(info.value)
    assert info.value.__suppress_context__  # the parser's exception (holding the text) is not chained
    assert str(path) in str(info.value)


def test_store_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "google-token.json"
    path.mkdir()  # reading a directory fails with an OSError
    with pytest.raises(AuthError, match="cannot read"):
        TokenStore(path).load()


def test_store_lock_is_a_cross_process_file_lock(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    lock = store.lock(timeout=1)
    assert lock.lock_file == str(store.path) + ".lock"
    with lock:
        import filelock

        with pytest.raises(filelock.Timeout):
            TokenStore(store.path).lock(timeout=0.05).acquire()


def test_keyring_store_needs_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(ConfigError, match=r"pip install fitvault\[keyring\]"):
        KeyringTokenStore(tmp_path / "google-token.json")


def test_keyring_store_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: vault.get((service, user))  # type: ignore[attr-defined]
    fake.set_password = lambda service, user, value: vault.__setitem__((service, user), value)  # type: ignore[attr-defined]
    fake.delete_password = lambda service, user: vault.pop((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    store = KeyringTokenStore(tmp_path / "google-token.json")
    assert store.load() is None
    token = make_token()
    store.save(token)
    assert store.load() == token
    assert not store.path.exists()  # nothing on disk but the lock
    with store.lock(1):
        pass
    store.delete()
    assert store.load() is None and vault == {}


# --- client secrets ----------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["installed", "web"])
def test_client_secrets_file(tmp_path: Path, section: str) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(
        json.dumps(
            {
                section: {
                    "client_id": CLIENT_ID,
                    "project_id": "my-health",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    secrets = ClientSecrets.from_file(path)
    assert secrets == ClientSecrets(
        CLIENT_ID,
        CLIENT_SECRET,
        "https://accounts.google.com/o/oauth2/auth",
        "https://oauth2.googleapis.com/token",
    )
    assert_no_secrets(repr(secrets))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        ('{"installed": {"client_id": "x", "client_secret": "' + CLIENT_SECRET + '"', "not valid JSON"),
        (json.dumps({"installed": {"client_id": CLIENT_ID}}), "lacks client_secret"),
        (json.dumps({"type": "authorized_user", "client_secret": CLIENT_SECRET}), "not a Google OAuth"),
        (
            json.dumps(
                {"installed": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token_uri": 5}}
            ),
            "invalid token_uri",
        ),
    ],
    ids=["missing_file", "bad_json", "missing_key", "wrong_shape", "bad_uri"],
)
def test_client_secrets_errors(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "client_secret.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=expected) as info:
        ClientSecrets.from_file(path)
    assert_error_clean(info.value)


# --- refresh and revoke ------------------------------------------------------------------------


def test_refresh_keeps_the_old_refresh_token() -> None:
    fake = FakeGoogle()
    token = make_token(expires_at=NOW - 10)
    with fake.client() as http:
        new = refresh(token, ENDPOINTS, http=http, now=lambda: NOW)
    (form,) = fake.forms("refresh_token")
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert str(fake.requests[0][0].url) == ENDPOINTS.token_url
    assert new == Token(
        access_token=NEW_ACCESS,
        refresh_token=REFRESH,
        expires_at=NOW + 3599,
        scopes=(SCOPE_ACT,),
        token_type="Bearer",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_uri=token.token_uri,
        refresh_token_expires_at=None,
        obtained_at=NOW,
    )


def test_refresh_uses_the_configured_endpoint_over_token_uri() -> None:
    fake = FakeGoogle()
    token = make_token(token_uri="https://oauth2.googleapis.com/token")
    with fake.client() as http:
        refresh(token, ENDPOINTS, http=http)
    assert str(fake.requests[0][0].url) == ENDPOINTS.token_url


def invalid_grant(form: dict[str, str]) -> httpx.Response:
    return httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    )


def test_invalid_grant_is_reauth_required() -> None:
    fake = FakeGoogle(on_refresh=invalid_grant)
    with fake.client() as http, pytest.raises(ReauthRequired) as info:
        refresh(make_token(), ENDPOINTS, http=http)
    message = str(info.value)
    assert "`fitvault auth google`" in message
    assert "expired or revoked" in message and "untouched" in message
    assert "7 days" not in message
    assert_error_clean(info.value)


def test_invalid_grant_in_testing_mode_explains_the_seven_days() -> None:
    fake = FakeGoogle(on_refresh=invalid_grant)
    token = make_token(refresh_token_expires_at=NOW - 60)
    with fake.client() as http, pytest.raises(ReauthRequired) as info:
        refresh(token, ENDPOINTS, http=http, now=lambda: NOW)
    message = str(info.value)
    assert "`fitvault auth google`" in message
    assert "7 days" in message and "Testing" in message and "Publish app" in message
    assert "In production" in message
    assert_error_clean(info.value)


@pytest.mark.parametrize(
    ("response", "error_type", "expected"),
    [
        (
            httpx.Response(401, json={"error": "invalid_client", "error_description": "no such client"}),
            AuthError,
            "invalid_client",
        ),
        (
            httpx.Response(
                400, json={"error": "invalid_request", "error_description": f"bad token {REFRESH}"}
            ),
            AuthError,
            "invalid_request",
        ),
        (httpx.Response(503, text="<html>unavailable</html>"), ServerError, "503"),
        (httpx.Response(404, text="<html>Not Found</html>"), AuthError, "404"),
        (httpx.Response(200, json=["not", "an", "object"]), AuthError, "unusable"),
        (httpx.Response(200, json={"expires_in": 3599}), AuthError, "without an access_token"),
    ],
    ids=["invalid_client", "echoed_secret", "server_error", "html_404", "not_object", "no_access_token"],
)
def test_refresh_failures_are_typed_and_clean(
    response: httpx.Response, error_type: type, expected: str
) -> None:
    fake = FakeGoogle(on_refresh=lambda form: response)
    with fake.client() as http, pytest.raises(error_type, match=expected) as info:
        refresh(make_token(), ENDPOINTS, http=http)
    assert not isinstance(info.value, ReauthRequired)
    assert_error_clean(info.value)


def test_refresh_network_error_is_transport_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(down)) as http, pytest.raises(TransportError) as info:
        refresh(make_token(), ENDPOINTS, http=http)
    assert_error_clean(info.value)


def test_refresh_without_refresh_token_needs_reauth() -> None:
    with pytest.raises(ReauthRequired, match="fitvault auth google"):
        refresh(make_token(refresh_token=None), ENDPOINTS)


def test_revoke_prefers_the_refresh_token() -> None:
    fake = FakeGoogle()
    with fake.client() as http:
        result = revoke(make_token(), ENDPOINTS, http=http)
    assert result.revoked
    ((request, form),) = fake.requests
    assert str(request.url) == ENDPOINTS.revoke_url
    assert form == {"token": REFRESH}
    assert "authorization" not in request.headers and REFRESH not in str(request.url)

    with fake.client() as http:
        assert revoke(make_token(refresh_token=None), ENDPOINTS, http=http).revoked
    assert fake.requests[-1][1] == {"token": ACCESS}


def test_revoke_failures_are_reported_not_raised() -> None:
    fake = FakeGoogle(on_revoke=lambda form: httpx.Response(400, json={"error": "invalid_token"}))
    with fake.client() as http:
        result = revoke(make_token(), ENDPOINTS, http=http)
    assert not result.revoked and "HTTP 400" in result.message and "invalid_token" in result.message
    assert_no_secrets(result.message, repr(result))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with httpx.Client(transport=httpx.MockTransport(down)) as http:
        result = revoke(make_token(), ENDPOINTS, http=http)
    assert not result.revoked and "myaccount.google.com/permissions" in result.message


def test_without_a_client_of_ours_refresh_and_revoke_still_fail_softly_with_httpx2_installed() -> None:
    # With no http client given, Authlib (>= 1.8) would send through the httpx2 package when it is
    # installed (the MCP SDK pulls it in), whose ConnectError is no httpx.HTTPError and escaped
    # both handlers. A real refused connection on loopback, no mock.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, never listening: refused
        endpoints = GoogleEndpoints(api_url=dead, auth_url=dead + "/auth", token_url=dead + "/token",
                                    revoke_url=dead + "/revoke")
        result = revoke(make_token(), endpoints)
        assert not result.revoked and "could not reach" in result.message and "ConnectError" in result.message
        assert_no_secrets(result.message)
        with pytest.raises(TransportError) as info:
            refresh(make_token(), endpoints)
        assert_error_clean(info.value)


# --- GoogleAuth --------------------------------------------------------------------------------


class FakeApi:
    """The Health API: 200 for the accepted bearer token, 401 otherwise."""

    def __init__(self, accepted: set[str]) -> None:
        self.accepted = accepted
        self.seen: list[str] = []
        self.urls: list[str] = []
        self._lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization", "")
        with self._lock:
            self.seen.append(header)
            self.urls.append(str(request.url))
        if header.startswith("Bearer ") and header[7:] in self.accepted:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(
            401,
            json={
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            },
            headers={"www-authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )


def api_client(api: FakeApi, auth: GoogleAuth) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(api.handler), auth=auth, base_url=ENDPOINTS.api_url)


def test_google_auth_refreshes_before_expiry_and_persists_first(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    # Expires in 100 s: inside the default 300 s margin.
    store.save(make_token(expires_at=time.time() + 100, obtained_at=time.time() - 3500))
    fake = FakeGoogle()
    api = FakeApi({ACCESS, NEW_ACCESS})
    refreshed: list[Token] = []
    persisted_before_use: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        loaded = store.load()
        persisted_before_use.append(loaded is not None and loaded.access_token == NEW_ACCESS)
        return api.handler(request)

    auth = GoogleAuth(store, ENDPOINTS, http_factory=fake.client, on_refresh=refreshed.append)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        assert client.get(f"{ENDPOINTS.api_url}/v4/users/me/identity").status_code == 200
        assert client.get(f"{ENDPOINTS.api_url}/v4/users/me/identity").status_code == 200
    assert api.seen == [f"Bearer {NEW_ACCESS}", f"Bearer {NEW_ACCESS}"]
    assert persisted_before_use == [True, True]
    assert len(fake.forms("refresh_token")) == 1
    assert [t.access_token for t in refreshed] == [NEW_ACCESS]
    stored = store.load()
    assert stored is not None and stored.access_token == NEW_ACCESS and stored.refresh_token == REFRESH
    assert file_mode(store.path) == 0o600
    assert all(NEW_ACCESS not in url and ACCESS not in url for url in api.urls)
    assert_no_secrets(repr(auth))


def test_google_auth_uses_a_fresh_token_without_refreshing(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token())
    fake = FakeGoogle()
    api = FakeApi({ACCESS})
    with api_client(api, GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        assert client.get("/v4/users/me/identity").status_code == 200
    assert api.seen == [f"Bearer {ACCESS}"] and fake.requests == []


def test_google_auth_short_lived_tokens_are_not_refreshed_on_every_call(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token(expires_at=time.time() + 50, obtained_at=time.time() - 10))  # 60 s lifetime
    fake = FakeGoogle()
    api = FakeApi({ACCESS})
    with api_client(api, GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        assert client.get("/x").status_code == 200
    assert fake.requests == []


def test_google_auth_refreshes_once_on_401_and_retries(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token())  # not near expiry, but revoked server-side
    fake = FakeGoogle()
    api = FakeApi({NEW_ACCESS})
    with api_client(api, GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        response = client.post("/v4/users/me/dataTypes/steps/dataPoints:rollUp", json={"windowSize": "3600s"})
    assert response.status_code == 200
    assert api.seen == [f"Bearer {ACCESS}", f"Bearer {NEW_ACCESS}"]
    assert len(fake.forms("refresh_token")) == 1
    assert file_mode(store.path) == 0o600


def test_google_auth_gives_up_after_one_retry(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token())
    fake = FakeGoogle()
    api = FakeApi(set())  # rejects everything
    with api_client(api, GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        assert client.get("/x").status_code == 401
    assert len(api.seen) == 2 and len(fake.forms("refresh_token")) == 1


def test_google_auth_uses_a_token_another_process_already_renewed(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token())
    fake = FakeGoogle()
    api = FakeApi({NEW_ACCESS})
    auth = GoogleAuth(store, ENDPOINTS, http_factory=fake.client)
    with api_client(api, auth) as client:
        api.accepted.add(ACCESS)
        assert client.get("/x").status_code == 200  # caches ACCESS
        api.accepted.discard(ACCESS)
        store.save(make_token(access_token=NEW_ACCESS))  # "another process" refreshed meanwhile
        assert client.get("/x").status_code == 200
    assert api.seen == [f"Bearer {ACCESS}", f"Bearer {ACCESS}", f"Bearer {NEW_ACCESS}"]
    assert fake.requests == []


def hold_until_all_asked(auth: GoogleAuth, n: int) -> Callable[[], None]:
    """Give ``auth`` a counting thread lock; the returned gate holds the refresh in flight until
    ``n`` threads hold or wait for that lock (the refresher and ``n - 1`` queued behind it)."""
    lock = auth._lock = CountingLock()
    return lambda: lock.asked.expect(n, "threads at GoogleAuth's lock while a refresh is in flight")


def ten_callers_at_once(store: TokenStore) -> tuple[list[int], FakeGoogle, FakeApi]:
    """Ten threads call the API at the same moment with ``store``'s expired token; the refresh
    is held in flight until all ten are at GoogleAuth's lock. Returns their statuses."""
    store.save(make_token(expires_at=time.time() - 5))
    fake = FakeGoogle()
    api = FakeApi({NEW_ACCESS})
    auth = GoogleAuth(store, ENDPOINTS, http_factory=fake.client)
    fake.hold_refresh = hold_until_all_asked(auth, 10)
    barrier = threading.Barrier(10)
    with api_client(api, auth) as client:

        def call(i: int) -> int:
            barrier.wait(5)
            return client.get(f"/v4/users/me/dataTypes/heart-rate/dataPoints?page={i}").status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            return list(pool.map(call, range(10))), fake, api


def test_google_auth_ten_threads_one_refresh(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    statuses, fake, api = ten_callers_at_once(store)
    assert statuses == [200] * 10
    assert len(fake.forms("refresh_token")) == 1
    assert api.seen == [f"Bearer {NEW_ACCESS}"] * 10
    assert file_mode(store.path) == 0o600


class _NoFileLockStore(TokenStore):
    """A store whose cross-process lock does nothing: only GoogleAuth's thread lock is left."""

    def lock(self, timeout: float = 60.0) -> Any:
        return contextlib.nullcontext()


def test_google_auth_thread_lock_alone_serialises_refreshes(tmp_path: Path) -> None:
    statuses, fake, _ = ten_callers_at_once(_NoFileLockStore(tmp_path / "google-token.json"))
    assert statuses == [200] * 10
    assert len(fake.forms("refresh_token")) == 1


def test_google_auth_without_a_token(tmp_path: Path) -> None:
    auth = GoogleAuth(TokenStore(tmp_path / "google-token.json"), ENDPOINTS)
    with api_client(FakeApi(set()), auth) as client:
        with pytest.raises(NotAuthenticated, match="fitvault auth google"):
            client.get("/x")


def test_google_auth_reauth_required_is_raised_and_not_retried(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "google-token.json")
    store.save(make_token(expires_at=time.time() - 5, refresh_token_expires_at=time.time() - 60))
    fake = FakeGoogle(on_refresh=invalid_grant)
    with api_client(FakeApi(set()), GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        for _ in range(3):
            with pytest.raises(ReauthRequired, match="7 days") as info:
                client.get("/x")
            assert_error_clean(info.value)
    assert len(fake.forms("refresh_token")) == 1
    stored = store.load()
    assert stored is not None and stored.access_token == ACCESS  # the store is left as it was


def test_no_secret_reaches_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeGoogle()
    browser = Browser(good_answer)
    with fake.client() as http:
        token = authorize(SECRETS, ENDPOINTS, open_browser=browser, http=http, timeout_s=10)
    browser.join()
    store = TokenStore(tmp_path / "google-token.json")
    store.save(token)
    os.chmod(store.path, 0o644)  # triggers the store's warning
    with api_client(FakeApi({NEW_ACCESS}), GoogleAuth(store, ENDPOINTS, http_factory=fake.client)) as client:
        client.get("/x")
    with fake.client() as http:
        revoke(token, ENDPOINTS, http=http)
    assert caplog.records  # httpx and the store did log something
    assert_no_secrets(caplog.text)


# --- two processes -----------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import sys, httpx
    from fitvault.sources.google import GoogleAuth, TokenStore
    from fitvault.config import GoogleEndpoints

    class Store(TokenStore):
        def lock(self, timeout=60.0):
            print("asking", flush=True)  # about to take (or wait for) the token file's lock
            return super().lock(timeout)

    token_path, token_url = sys.argv[1:3]
    seen = []

    def api(request):
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={})

    endpoints = GoogleEndpoints(api_url="https://health.test", token_url=token_url)
    auth = GoogleAuth(Store(token_path), endpoints, http_factory=lambda: httpx.Client(trust_env=False))
    with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as client:
        status = client.get("https://health.test/v4/users/me/identity").status_code
    print(status, seen[0])
    """
)


class _CountingTokenServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    refreshes = 0
    lock = threading.Lock()
    asked: Tally  # children at the token file's lock


class _TokenHandler(http.server.BaseHTTPRequestHandler):
    server: _CountingTokenServer

    def do_POST(self) -> None:  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == [REFRESH]
        with self.server.lock:
            self.server.refreshes += 1
            n = self.server.refreshes
        # Hold the refresh in flight until both processes are at the file lock: the refresher
        # holds it, the other waits for it (or, were the lock broken, refreshes too).
        self.server.asked.wait_for(2)
        body = json.dumps(
            {"access_token": f"ya29.fresh{n}" + "F" * 50, "expires_in": 3599, "scope": SCOPE_ACT}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.slow
def test_two_processes_refresh_once(tmp_path: Path) -> None:
    server = _CountingTokenServer(("127.0.0.1", 0), _TokenHandler)
    server.asked = asked = Tally()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        token_url = f"http://127.0.0.1:{server.server_address[1]}/token"
        store = TokenStore(tmp_path / "google-token.json")
        store.save(make_token(expires_at=time.time() - 5, token_uri=token_url))
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        children = [
            subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(store.path), token_url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(2)
        ]
        firsts = [child.stdout.readline() for child in children]  # type: ignore[union-attr]
        for _ in children:
            asked.add()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        server.shutdown()
        server.server_close()
    assert firsts == ["asking\n"] * 2, outputs
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    assert server.refreshes == 1
    fresh = "ya29.fresh1" + "F" * 50
    assert [out.strip() for out, _ in outputs] == [f"200 Bearer {fresh}"] * 2
    stored = store.load()
    assert stored is not None and stored.access_token == fresh and stored.refresh_token == REFRESH
    assert file_mode(store.path) == 0o600


def test_public_errors_share_the_one_tree() -> None:
    for error in (AuthorizationDenied, ReauthRequired, NotAuthenticated):
        assert issubclass(error, AuthError) and issubclass(error, FitvaultError)
