"""`fitvault study init | add | invite | enrol | withdraw | handover`: the study's settings and
roster. Thin commands over :mod:`fitvault.study`; every change is audited there."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from fitvault.cli.app import handle_errors
from fitvault.cli.study.group import StudyApp, json_option, pass_study, study
from fitvault.errors import ConfigError


def _date(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@study.command("init")
@click.option("--name", help="The study's name, shown to participants.")
@click.option("--client-secrets", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The study's Google OAuth *web* client JSON (Google Cloud Console → Clients → Download JSON).")
@click.option("--public-url", help="Where participants reach the enrolment site (invite links and "
                                   "<public URL>/oauth/callback), e.g. https://study.example.org.")
@click.option("--consent-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The consent text (plain text, shown to each participant before Google's screen).")
@click.option("--consent-version", help="The version of the consent text (recorded with each consent).")
@click.option("--scopes", "scope_spec", metavar="SPEC",
              help="Scope groups asked at enrolment, changes to the defaults (no location): e.g. +location,+ecg.")
@click.option("--quota-per-minute", type=click.IntRange(1, 6000), help="Requests per minute per participant (300).")
@click.option("--max-in-flight", type=click.IntRange(1, 10000), help="API requests in flight across all workers (32).")
@click.option("--valid-day-hours", type=click.FloatRange(0, 24), help="Wear hours that make a valid day (10).")
@json_option
@pass_study
@handle_errors
def init(app: StudyApp, name, client_secrets, public_url, consent_file, consent_version, scope_spec,
         quota_per_minute, max_in_flight, valid_day_hours, as_json: bool) -> None:
    """Create (or update) the study: the study key, the database schema and the settings.

    The database is --db or FITVAULT_DATABASE_URL; the key is written to <study dir>/study.key
    (0600) unless FITVAULT_STUDY_KEY is set. Running it again changes only the options given.
    """
    from fitvault.config import resolve_endpoints
    from fitvault.sources.google.client_secrets import ClientSecrets
    from fitvault.study import audit, db
    from fitvault.study.crypto import GrantCipher
    from fitvault.study.settings import StudySettings, load_settings, save_settings

    cipher = GrantCipher.create(app.study_dir)
    conn = app.connect(initialised=False)
    db.migrate(conn)
    try:
        settings = load_settings(conn, cipher)
    except ConfigError:
        endpoints = resolve_endpoints({})  # Google's, or FITVAULT_GOOGLE_*_URL (the simulator)
        settings = StudySettings(auth_url=endpoints.auth_url, token_url=endpoints.token_url,
                                 api_url=endpoints.api_url, revoke_url=endpoints.revoke_url)
    changes: dict = {k: v for k, v in dict(
        name=name, public_url=public_url.rstrip("/") if public_url else None, consent_version=consent_version,
        quota_per_minute=quota_per_minute, max_in_flight=max_in_flight, valid_day_hours=valid_day_hours,
    ).items() if v is not None}
    if consent_file:
        changes["consent_text"] = consent_file.read_text(encoding="utf-8").strip()
    if client_secrets:
        secrets = ClientSecrets.from_file(client_secrets)
        changes.update(client_id=secrets.client_id, client_secret=secrets.client_secret)
    settings = replace(settings, **changes)
    if scope_spec:
        settings = settings.with_scope_spec(scope_spec)
    save_settings(conn, cipher, settings)
    audit.record(conn, audit.staff_actor(), "study.init", None, {"changed": sorted(changes) + (["scopes"] if scope_spec else [])})
    where = "a private PostgreSQL in " + str(app.study_dir / "postgres") if app.private else "the database given"
    app.emit(as_json, settings.public(), f"study {settings.name!r} ready in {app.study_dir}, on {where} "
             f"(OAuth redirect URI to register: {settings.redirect_uri})")


def _rows_from_csv(path: Path) -> list[tuple[str, date, date | None]]:
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for n, rec in enumerate(csv.DictReader(fh), start=2):
            try:
                end = rec.get("window_end") or None
                rows.append((rec["participant_id"].strip(), date.fromisoformat(rec["window_start"].strip()),
                             date.fromisoformat(end.strip()) if end else None))
            except (KeyError, ValueError, AttributeError):
                raise ConfigError(f"{path} line {n}: expected columns participant_id, window_start (YYYY-MM-DD), "
                                  "window_end (optional)") from None
    return rows


@study.command("add")
@click.argument("participant_ids", nargs=-1)
@click.option("--start", callback=_date, help="Window start (YYYY-MM-DD): data is collected from this day.")
@click.option("--end", callback=_date, help="Window end (YYYY-MM-DD, inclusive); open-ended when left out.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Add from a CSV with columns participant_id, window_start, window_end.")
@json_option
@pass_study
@handle_errors
def add(app: StudyApp, participant_ids, start, end, csv_file, as_json: bool) -> None:
    """Add participants (pseudonymous ids such as P001) with their study window."""
    from fitvault.study import audit, roster

    rows = _rows_from_csv(csv_file) if csv_file else []
    if participant_ids:
        if start is None:
            raise ConfigError("give the window start: --start YYYY-MM-DD")
        rows += [(pid, start, end) for pid in participant_ids]
    if not rows:
        raise ConfigError("name participant ids (study add P001 P002 --start 2026-12-01) or give --csv FILE")
    conn = app.connect()
    added = [roster.add_participant(conn, pid, s, e, actor=audit.staff_actor()) for pid, s, e in rows]
    app.emit(as_json, [p.to_json() for p in added], f"{len(added)} participant(s) added")


@study.command("invite")
@click.argument("participant_ids", nargs=-1)
@click.option("--all-new", is_flag=True, help="Every participant not yet invited.")
@click.option("--needs-reconsent", "reconsent", is_flag=True,
              help="Every participant whose grant failed (revoked, or expired in Testing mode): a fresh link each.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write participant_id,url to this CSV (for a mail merge) instead of printing the links.")
@json_option
@pass_study
@handle_errors
def invite(app: StudyApp, participant_ids, all_new: bool, reconsent: bool, out: Path | None, as_json: bool) -> None:
    """Issue single-use enrolment links (a new link replaces the participant's older unused one).

    Only a hash of each link is stored, so a link is shown once, here: send it to the participant.
    """
    from fitvault.study import audit, roster

    conn = app.connect()
    settings = app.settings()
    pids = list(participant_ids)
    wanted = {"added"} if all_new else set()
    wanted |= {"needs_reconsent"} if reconsent else set()
    pids += [p.participant_id for p in roster.list_participants(conn) if p.state in wanted]
    if not pids:
        if wanted:
            app.emit(as_json, [], "nobody to invite")
            return
        raise ConfigError("name participant ids, or pass --all-new / --needs-reconsent")
    links = [{"participant_id": pid, "url": roster.issue_invite(conn, pid, actor=audit.staff_actor(),
                                                                   public_url=settings.public_url)} for pid in pids]
    if out:
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["participant_id", "url"])
            writer.writeheader()
            writer.writerows(links)
        out.chmod(0o600)
    shown = [{"participant_id": link["participant_id"], "file": str(out)} for link in links] if out else links
    app.emit(as_json, shown, "\n".join(f"{x['participant_id']}  {x.get('url', x.get('file'))}" for x in shown))


@study.command("enrol")
@click.argument("participant_id")
@click.option("--import-token", "token_file", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A grant obtained elsewhere: google-auth authorized-user JSON or a token response.")
@click.option("--no-sync", is_flag=True, help="Do not queue the backfill now.")
@json_option
@pass_study
@handle_errors
def enrol(app: StudyApp, participant_id: str, token_file: Path, no_sync: bool, as_json: bool) -> None:
    """Store a grant obtained elsewhere (clinic-assisted enrolment, a migration, tests), encrypted,
    and queue the participant's backfill from their window start."""
    from fitvault.sources.google.oauth import token_from_import
    from fitvault.study import audit, roster
    from fitvault.study.procrastinate_queue import ProcrastinateQueue

    conn = app.connect()
    settings = app.settings()
    try:
        data = json.loads(token_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(f"{token_file} is not a readable JSON file") from None
    token = token_from_import(data, client_id=settings.client_id or None, client_secret=settings.client_secret or None,
                              token_uri=settings.token_url)
    with conn.transaction():
        roster.record_consent(conn, participant_id, version=settings.consent_version,
                              text_sha256=settings.consent_sha256)
        roster.store_grant(conn, app.cipher(), participant_id, token, [], actor=audit.staff_actor())
    queued = False
    if not no_sync:
        with ProcrastinateQueue(app.url()) as queue:
            queued = queue.enqueue_sync(participant_id, reason="enrol")
    app.emit(as_json, {"participant_id": participant_id, "state": "active", "scopes": list(token.scopes),
                       "sync_queued": queued},
             f"{participant_id} enrolled ({len(token.scopes)} scopes){'; backfill queued' if queued else ''}")


@study.command("withdraw")
@click.argument("participant_id")
@click.option("--delete-data", is_flag=True, help="Also delete the participant's vault (their synced data).")
@click.option("--keep-grant-at-google", is_flag=True, help="Do not ask Google to revoke the grant.")
@json_option
@pass_study
@handle_errors
def withdraw(app: StudyApp, participant_id: str, delete_data: bool, keep_grant_at_google: bool, as_json: bool) -> None:
    """Withdraw a participant: the grant is revoked at Google and deleted, links stop working,
    no more syncs; with --delete-data their vault is deleted too. Recorded in the audit log."""
    from fitvault.sources.google.oauth import revoke
    from fitvault.study import audit, roster
    from fitvault.study.grants import StudyTokenStore

    conn = app.connect()
    roster.get_participant(conn, participant_id)
    revoked = None
    if not keep_grant_at_google:
        with StudyTokenStore(app.url(), app.cipher(), participant_id) as store:
            token = store.load()
        if token is not None:
            result = revoke(token, app.settings().endpoints)
            revoked = result.revoked
            audit.record(conn, audit.staff_actor(), "grant.revoke", participant_id, {"revoked": revoked})
    roster.withdraw(conn, participant_id, actor=audit.staff_actor(), delete_data=delete_data, vaults=app.vaults())
    app.emit(as_json, {"participant_id": participant_id, "state": "withdrawn", "revoked_at_google": revoked,
                       "data_deleted": delete_data},
             f"{participant_id} withdrawn" + ("; their vault was deleted" if delete_data else ""))


@study.command("handover")
@click.argument("participant_id")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new folder: the participant's own vault, to open with personal fitvault (--vault).")
@json_option
@pass_study
@handle_errors
def handover(app: StudyApp, participant_id: str, out: Path, as_json: bool) -> None:
    """Copy a participant's vault out as a personal fitvault vault (no token: they connect their
    own account with `fitvault auth google` if they want to keep syncing)."""
    from fitvault.study import audit, roster

    conn = app.connect()
    roster.get_participant(conn, participant_id)
    files = app.vaults().copy_out(participant_id, out)
    audit.record(conn, audit.staff_actor(), "participant.handover", participant_id, {"files": [f.name for f in files]})
    app.emit(as_json, {"participant_id": participant_id, "vault": str(out), "files": [str(f) for f in files]},
             f"{participant_id}'s vault is in {out}: open it with `fitvault --vault {out} status`")
