"""The roster on a real PostgreSQL: participants, single-use invites (only a hash stored),
consent, encrypted grants, re-consent, withdrawal, and the append-only audit log."""

from __future__ import annotations

import hashlib
import time
from datetime import date

import psycopg
import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures

from fitvault.auth.tokens import Token
from fitvault.errors import ConfigError
from fitvault.study import audit, roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.settings import StudySettings, load_settings, save_settings
from fitvault.study.vaults import LocalVaults

PUBLIC = "https://study.example.org"


def _token(refresh: str = "1//refresh-secret-value-123456") -> Token:
    return Token(access_token="ya29.access-secret-value-123456", refresh_token=refresh, expires_at=time.time() + 3600,
                 scopes=("s1", "s2"), client_id="cid", client_secret="GOCSPX-client-secret", obtained_at=time.time())


def test_migrate_is_idempotent_and_participants_round_trip(study_conn):
    from fitvault.study import db

    db.migrate(study_conn)  # a second time: nothing to do, no error
    assert db.schema_version(study_conn) == db.migration_files()[-1][0]
    added = roster.add_participant(study_conn, "P001", date(2026, 11, 1), date(2026, 11, 30), actor="staff")
    assert (added.participant_id, added.state, added.window_start, added.window_end) == (
        "P001", "added", date(2026, 11, 1), date(2026, 11, 30))
    roster.add_participant(study_conn, "P000", date(2026, 11, 2), actor="staff")
    assert [p.participant_id for p in roster.list_participants(study_conn)] == ["P000", "P001"]
    with pytest.raises(ConfigError, match="already in the study"):
        roster.add_participant(study_conn, "P001", date(2026, 11, 1), actor="staff")
    with pytest.raises(ConfigError, match="not a valid participant id"):
        roster.add_participant(study_conn, "../etc", date(2026, 11, 1), actor="staff")
    with pytest.raises(roster.UnknownParticipant):
        roster.get_participant(study_conn, "P404")


def test_invites_are_single_use_hashed_and_replaced_by_newer_ones(study_conn):
    roster.add_participant(study_conn, "P001", date(2026, 11, 1), actor="staff")
    first = roster.issue_invite(study_conn, "P001", actor="staff", public_url=PUBLIC)
    second = roster.issue_invite(study_conn, "P001", actor="staff", public_url=PUBLIC + "/")
    assert first.startswith(PUBLIC + "/i/") and second.startswith(PUBLIC + "/i/") and first != second
    token1, token2 = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    stored = [r["token_sha256"] for r in study_conn.execute("SELECT token_sha256 FROM study.invites")]
    assert sorted(stored) == sorted(hashlib.sha256(t.encode()).hexdigest() for t in (token1, token2))
    assert roster.get_participant(study_conn, "P001").state == "invited"
    with pytest.raises(roster.InviteInvalid, match="replaced"):
        roster.open_invite(study_conn, token1)
    assert roster.open_invite(study_conn, token2).participant_id == "P001"
    assert roster.consume_invite(study_conn, token2) == "P001"
    with pytest.raises(roster.InviteInvalid, match="already used"):
        roster.consume_invite(study_conn, token2)
    with pytest.raises(roster.InviteInvalid, match="not known"):
        roster.open_invite(study_conn, "made-up")


def test_grants_are_encrypted_at_rest_and_never_in_the_audit(study_conn, tmp_path):
    cipher = GrantCipher.create(tmp_path)
    assert oct((tmp_path / "study.key").stat().st_mode & 0o777) == "0o600"
    roster.add_participant(study_conn, "P001", date(2026, 11, 1), actor="staff")
    roster.record_consent(study_conn, "P001", version="2", text_sha256="ab" * 32)
    token = _token()
    roster.store_grant(study_conn, cipher, "P001", token, [{"deviceVersion": "Charge 6"}], actor="web")
    row = study_conn.execute("SELECT token_enc FROM study.grants").fetchone()
    raw = bytes(row["token_enc"])
    for secret in (token.access_token, token.refresh_token, token.client_secret):
        assert secret.encode() not in raw
    assert Token.from_json(cipher.decrypt(raw).decode()) == token
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        GrantCipher(GrantCipher.new_key()).decrypt(raw)
    p = roster.get_participant(study_conn, "P001")
    assert (p.state, p.granted_scopes, p.devices, p.consent_version) == (
        "active", ("s1", "s2"), [{"deviceVersion": "Charge 6"}], "2")
    log = audit.entries(study_conn, "P001")
    assert [e["action"] for e in log] == ["participant.add", "consent", "grant.store"]
    everything = repr(audit.entries(study_conn))
    for secret in (token.access_token, token.refresh_token, token.client_secret):
        assert secret not in everything


def test_the_audit_log_refuses_update_delete_and_truncate(study_conn):
    audit.record(study_conn, "staff", "export", None, {"rows": 3})
    for statement in ("UPDATE study.audit SET actor = 'x'", "DELETE FROM study.audit", "TRUNCATE study.audit"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            study_conn.execute(statement)
    assert [(e["actor"], e["action"], e["detail"]) for e in audit.entries(study_conn)] == [("staff", "export", {"rows": 3})]
    with pytest.raises(ValueError, match="secrets"):
        audit.record(study_conn, "staff", "oops", None, {"refresh_token": "x"})


def test_reconsent_reissues_a_link_and_withdrawal_deletes_grant_and_data(study_conn, tmp_path):
    cipher = GrantCipher.create(tmp_path)
    vaults = LocalVaults(tmp_path)
    for pid in ("P001", "P002"):
        roster.add_participant(study_conn, pid, date(2026, 11, 1), actor="staff")
        roster.store_grant(study_conn, cipher, pid, _token(), [], actor="staff")
    link = roster.mark_needs_reconsent(study_conn, "P001", "invalid_grant", public_url=PUBLIC)
    assert roster.open_invite(study_conn, link.rsplit("/", 1)[1]).participant_id == "P001"
    assert [p.state for p in roster.list_participants(study_conn)] == ["needs_reconsent", "active"]
    vaults.vault_dir("P002").mkdir(parents=True)
    (vaults.vault_dir("P002") / "vault.sqlite").write_bytes(b"x")
    roster.withdraw(study_conn, "P002", actor="staff", delete_data=True, vaults=vaults)
    assert not vaults.vault_dir("P002").exists()
    assert study_conn.execute("SELECT participant_id FROM study.grants").fetchall() == [{"participant_id": "P001"}]
    assert roster.get_participant(study_conn, "P002").state == "withdrawn"
    with pytest.raises(ConfigError, match="withdrawn"):
        roster.issue_invite(study_conn, "P002", actor="staff", public_url=PUBLIC)


def test_settings_keep_the_client_secret_encrypted(study_conn, tmp_path):
    cipher = GrantCipher.create(tmp_path)
    settings = StudySettings(name="Sleep study", client_id="cid", client_secret="GOCSPX-very-secret-value")
    save_settings(study_conn, cipher, settings)
    assert load_settings(study_conn, cipher) == settings
    assert "GOCSPX-very-secret-value" not in repr(settings)
    stored = study_conn.execute("SELECT data::text AS d, client_secret_enc FROM study.settings").fetchone()
    assert "GOCSPX" not in stored["d"] and b"GOCSPX" not in bytes(stored["client_secret_enc"])
    assert not any("location" in s for s in settings.scopes)


def test_the_consent_fingerprint_is_the_sha256_of_the_text_in_utf8():
    # One definition, used by the enrolment site and `study enrol` (a second computation here).
    settings = StudySettings(consent_text="Vous acceptez — données de santé")
    assert settings.consent_sha256 == hashlib.sha256("Vous acceptez — données de santé".encode("utf-8")).hexdigest()
    assert StudySettings(consent_text="other").consent_sha256 != settings.consent_sha256
