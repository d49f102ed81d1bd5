"""A study on the simulator, for the study tests: settings pointing at a simulator serving N
people, participants P000.. with grants issued by the simulator to its "web" client, and the
check that a participant's vault equals that person's ground truth."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from fitvault.auth.tokens import Token
from fitvault.store.vault import Vault
from fitvault.study import db, roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.settings import StudySettings, save_settings
from fitvault.study.vaults import LocalVaults
from support.truth import assert_vault_equals_truth

STAFF = "test-staff"


def pid_of(i: int) -> str:
    return f"P{i:03d}"


def sim_settings(sim, **overrides) -> StudySettings:
    web = sim.client_secrets(kind="web", redirect_uris=["http://127.0.0.1:8470/oauth/callback"])["web"]
    values = dict(name="test study", client_id=web["client_id"], client_secret=web["client_secret"],
                  auth_url=sim.auth_url, token_url=sim.token_url, api_url=sim.url, revoke_url=sim.revoke_url,
                  public_url="http://127.0.0.1:8470")
    values.update(overrides)
    return StudySettings(**values)


def sim_grant(sim, person: int, settings: StudySettings) -> Token:
    """Person ``person``'s consent to the study's web client, as the callback would store it."""
    return Token.from_token_response(sim.issue_token(settings.scopes, person=person, web=True),
                                     client_id=settings.client_id, client_secret=settings.client_secret,
                                     token_uri=sim.token_url, now=time.time())


def enrol_study(url: str, study_dir: Path, sim, people: int, window_start: date, **settings) -> GrantCipher:
    """Settings, ``people`` participants P000.. enrolled with a grant each; returns the cipher."""
    cipher = GrantCipher.create(study_dir)
    with db.connect(url) as conn:
        study = sim_settings(sim, **settings)
        save_settings(conn, cipher, study)
        for i in range(people):
            roster.add_participant(conn, pid_of(i), window_start, actor=STAFF)
            roster.store_grant(conn, cipher, pid_of(i), sim_grant(sim, i, study), [], actor=STAFF)
    return cipher


def assert_participant_equals_truth(study_dir: Path, sim, i: int, window_start: date) -> None:
    with Vault(LocalVaults(study_dir).vault_dir(pid_of(i))) as v:
        assert_vault_equals_truth(v, sim.persons[i], sim.clock.now_ms(), since=window_start)


def wait_until(predicate, timeout_s: float, what: str, every_s: float = 0.2) -> None:
    """Poll ``predicate`` until it is true; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every_s)
