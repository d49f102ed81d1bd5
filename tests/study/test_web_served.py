"""`fitvault study web` as served: the command's errors, and the whole enrolment in headless
Chromium against it (uvicorn on loopback), the simulator's OAuth server with its account chooser
and the study's PostgreSQL. The browser clicks through invite link → consent page → account
chooser → callback → "you are enrolled"; then the database holds exactly the enrolment, and the
server's log holds no secret."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.browser import CHROMIUM_ARGS, chromium_executable
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.sim import SIM_NOW
from support.study_web import CONSENT_TEXT, configure_study, invite

from fitvault.study import audit, roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.settings import STUDY_SCOPES


def test_web_command_says_what_is_missing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from fitvault.cli.main import cli

    monkeypatch.delenv("FITVAULT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["study", "--study-dir", str(tmp_path), "web"])
    assert result.exit_code == 2 and "no study database: pass --db" in result.output
    url = "postgresql://nobody:pw-secret@127.0.0.1:1/study"
    result = CliRunner().invoke(cli, ["study", "--db", url, "--study-dir", str(tmp_path), "web", "--port", "9"])
    assert result.exit_code == 2 and "cannot connect to the study database" in result.output
    assert "pw-secret" not in result.output
    help_text = CliRunner().invoke(cli, ["study", "web", "--help"]).output
    assert "--host" in help_text and "--port" in help_text and "/oauth/callback" in help_text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, proc: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`fitvault study web` exited ({proc.returncode}): {log_path.read_text()}")
        try:
            if httpx.get(base + "/healthz", timeout=1).text == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"`fitvault study web` did not answer within 30 s: {log_path.read_text()}")


@pytest.mark.slow
def test_enrolment_in_headless_chromium(study_url, study_conn, tmp_path):
    executable = chromium_executable("the enrolment site")
    from playwright.sync_api import sync_playwright

    from fitvault_simulator import Simulator, SimulatorConfig

    study_dir = tmp_path / "study"
    cipher = GrantCipher.create(study_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "web.log"
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=3)) as sim:
        settings = configure_study(study_conn, cipher, sim, public_url=base)
        link = invite(study_conn, "P100")
        env = {k: v for k, v in os.environ.items() if k not in ("FITVAULT_STUDY_KEY", "FITVAULT_DATABASE_URL")}
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "fitvault", "study", "--db", study_url, "--study-dir",
                 str(study_dir), "web", "--host", "127.0.0.1", "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT, env=env,
            )
        try:
            _wait_until_up(base, proc, log_path)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                try:
                    seen = _click_through(browser, base + link, sim)
                finally:
                    browser.close()
        finally:
            proc.send_signal(signal.SIGINT)  # Ctrl-C
            proc.wait(timeout=20)
        assert proc.returncode == 0 and "enrolment site stopped" in log_path.read_text(), log_path.read_text()

        # what the browser saw and did
        assert seen["errors"] == [] and seen["blocked"] == [], seen
        hosts = {urlsplit(u).netloc for u in seen["requests"]}
        assert hosts == {f"127.0.0.1:{port}", urlsplit(sim.auth_url).netloc}, hosts  # nothing else fetched
        assert seen["cookies_after"] == []  # the enrolment cookie is gone

        # the database: person 1's grant, encrypted; consent; audit; one queued sync
        p100 = roster.get_participant(study_conn, "P100")
        assert (p100.state, p100.consent_version, p100.granted_scopes) == ("active", "2.1", STUDY_SCOPES)
        assert p100.devices and all(d["name"].startswith("users/") for d in p100.devices)
        token_enc = study_conn.execute("SELECT token_enc FROM study.grants WHERE participant_id = 'P100'").fetchone()
        stored = json.loads(GrantCipher.load(study_dir).decrypt(token_enc["token_enc"]))
        assert sim.tokens.refresh_tokens_of(1) == [stored["refresh_token"]]  # the person chosen in Chromium
        assert stored["refresh_token"].encode() not in bytes(token_enc["token_enc"])
        row = study_conn.execute("SELECT consent_text_sha256 FROM study.participants WHERE participant_id = 'P100'")
        assert row.fetchone()["consent_text_sha256"] == hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
        actions = [e["action"] for e in audit.entries(study_conn, "P100")]
        assert actions == ["participant.add", "invite.issue", "invite.use", "consent", "grant.store"]
        jobs = study_conn.execute("SELECT args FROM procrastinate_jobs WHERE task_name = 'fitvault.sync_participant'")
        assert [r["args"] for r in jobs] == [{"pid": "P100", "reason": "enrolment"}]

    # the server's log: the routes, never a token, a code, a state or the invite
    logged = log_path.read_text()
    assert "GET /i/… 200" in logged and "GET /oauth/callback 303" in logged, logged
    code = parse_qs(urlsplit(seen["callback"]).query)["code"][0]
    state = parse_qs(urlsplit(seen["callback"]).query)["state"][0]
    for secret in (stored["refresh_token"], stored["access_token"], code, state, link.rsplit("/", 1)[1],
                   settings.client_secret):
        assert secret not in logged


def _click_through(browser, link_url: str, sim) -> dict:
    """Invite → consent → account chooser (person 1) → enrolled; the link a second time."""
    context = browser.new_context()
    page = context.new_page()
    seen: dict = {"requests": [], "errors": [], "blocked": [], "callback": ""}
    page.on("request", lambda r: seen["requests"].append(r.url))
    # script errors and CSP refusals ("Refused to ..."), not the log line of an HTTP error status
    page.on("console", lambda m: m.type in ("error", "assert") and not m.text.startswith("Failed to load resource")
            and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["blocked"].append(r.url))

    page.goto(link_url)
    assert page.title() == "Consent · Sleep & Heart Study"
    assert page.get_by_role("heading", level=1).inner_text() == "Sleep & Heart Study"
    assert "Consent version 2.1" in page.inner_text("main")
    assert "<pseudonymous>" in page.inner_text(".consent")  # shown as text, from escaped HTML
    page.get_by_role("button", name="I agree, continue to Google").click()

    page.wait_for_url(sim.auth_url + "?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Choose an account"
    page.click('a.account[data-email="person1@sim.example"]')

    page.wait_for_url("**/enrolled")
    assert page.get_by_role("heading", level=1).inner_text() == "You are enrolled"
    assert "You may close this page." in page.inner_text("main")
    seen["callback"] = next(u for u in seen["requests"] if "/oauth/callback?" in u)
    seen["cookies_after"] = [c["name"] for c in context.cookies() if "fitvault" in c["name"]]

    page.goto(link_url)  # the link is single use
    assert page.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
    assert "already used" in page.inner_text("main")
    context.close()
    return seen
