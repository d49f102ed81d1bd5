"""Opt-in scope groups: `fitvault auth google --scopes +ecg,+irn,+reproductive` asks for those
scopes (and only then); a sync skips the types whose scope is not granted, saying how to opt in."""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from support.sim import FITVAULT, auth_google_no_browser, sim_env

from fitvault.auth.tokens import TokenStore
from fitvault.config import VaultPaths
from fitvault.errors import ConfigError
from fitvault.sources.google import oauth as google_auth

P = google_auth.SCOPE_PREFIX


def test_scope_spec_adds_and_removes_groups():
    assert google_auth.scopes_for(None) == google_auth.DEFAULT_SCOPES
    assert P + "nutrition.readonly" not in google_auth.DEFAULT_SCOPES  # opt-in, see SCOPE_GROUPS
    scopes = google_auth.scopes_for(" +ecg, +IRN,+reproductive,-location,+ecg")
    assert scopes == tuple(s for s in google_auth.DEFAULT_SCOPES if not s.endswith("location.readonly")) + (
        P + "ecg.readonly", P + "irn.readonly", P + "reproductive_health.readonly")
    with pytest.raises(ConfigError, match="groups: activity, .*nutrition, ecg"):
        google_auth.scopes_for("+blood")
    with pytest.raises(ConfigError, match="not \\+GROUP or -GROUP"):
        google_auth.scopes_for("ecg")


def _consent(sim, tmp_path, *extra):
    """`auth google --no-browser ...` against the simulator; returns the consent URL."""
    result = auth_google_no_browser(sim, tmp_path / "vault", tmp_path, *extra)
    assert result.returncode == 0, result.stderr
    return next(line.strip() for line in result.stderr.splitlines() if line.startswith(sim.auth_url))


@pytest.mark.slow
def test_opted_in_scopes_are_asked_granted_and_the_rest_skipped_with_a_hint(sim, tmp_path):
    url = _consent(sim, tmp_path, "--scopes", "+ecg,+irn,+reproductive")
    asked = parse_qs(urlsplit(url).query)["scope"][0].split()
    assert asked == list(google_auth.DEFAULT_SCOPES) + [
        P + "ecg.readonly", P + "irn.readonly", P + "reproductive_health.readonly"]
    token = TokenStore(VaultPaths(tmp_path / "vault").google_token).load()
    assert {P + "ecg.readonly", P + "irn.readonly", P + "reproductive_health.readonly"} <= set(token.scopes)
    assert P + "logged_symptoms.readonly" not in token.scopes
    plan = subprocess.run(
        FITVAULT + ["sync", "--dry-run", "--since", "2026-11-18", "--types",
                    "electrocardiogram,irregular-rhythm-notification,menstrual-period,symptoms,hydration-log"],
        env=sim_env(sim, tmp_path / "vault"), capture_output=True, text=True, timeout=120)
    assert plan.returncode == 0, plan.stderr
    text = " ".join(plan.stderr.split())
    assert "symptoms skipped: not granted: the token lacks googlehealth.logged_symptoms.readonly (opt in: fitvault auth google " \
           "--scopes +symptoms)" in text
    assert "hydration-log skipped: not granted: the token lacks googlehealth.nutrition.readonly (opt in: fitvault auth " \
           "google --scopes +nutrition)" in text
    for planned in ("electrocardiogram", "irregular-rhythm-notification", "menstrual-period"):
        assert f"{planned} skipped" not in text and planned in text


def test_without_opting_in_no_sensitive_scope_is_asked(sim, tmp_path):
    url = _consent(sim, tmp_path)
    asked = parse_qs(urlsplit(url).query)["scope"][0].split()
    assert asked == list(google_auth.DEFAULT_SCOPES)
