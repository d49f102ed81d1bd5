"""`fitvault auth google | fitbit | status | logout`."""

from __future__ import annotations

import json
import os
import time
import webbrowser
from datetime import datetime, timezone
from pathlib import Path

import click
from rich.markup import escape

from fitvault import errors, session
from fitvault.cli.app import App, cli, err_console, handle_errors, out_console
from fitvault.config import resolve_fitbit_endpoints
from fitvault.sources.fitbit import auth as fitbit_auth
from fitvault.sources.google import oauth as google_auth
from fitvault.sources.google.client_secrets import ClientSecrets


@cli.group("auth")
def auth_group() -> None:
    """Authorise fitvault to read your Google Health data, check or remove the grant."""


def _open_browser(url: str, who: str = "Google") -> None:
    err_console.print(f"Opening your browser for {who}'s consent page. If it does not open, visit:")
    err_console.print(url, soft_wrap=True, markup=False)
    webbrowser.open(url)


def _prompt_for_redirect(url: str) -> str:
    err_console.print("1. Open this URL in a browser (on any machine) and allow access:")
    err_console.print(url, soft_wrap=True, markup=False)
    err_console.print(
        "2. The browser then fails to load a http://127.0.0.1:... page. That is expected: copy the"
        " whole address from its address bar and paste it here."
    )
    return click.prompt("redirected URL", prompt_suffix=": ", hide_input=False)


@auth_group.command("google")
@click.option("--client-secrets", "secrets_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="OAuth client JSON of a Google Cloud 'Desktop app' client.")
@click.option("--import-token", "token_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Store a token obtained elsewhere (google-auth authorized-user JSON, or a raw token "
                   "response together with --client-secrets).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Loopback port for the redirect (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Print the URL and ask for the redirected address (SSH, headless).")
@click.option("--timeout", "timeout_s", type=click.IntRange(10, 3600), default=300, show_default=True,
              help="Seconds to wait for the browser's redirect.")
@click.option("--scopes", "scope_spec", metavar="+GROUP,-GROUP",
              help="Opt in to more data (+nutrition: hydration and food logs; +ecg; +irn: irregular rhythm "
                   "notifications; +reproductive: menstrual periods, ovulation tests; +symptoms / +mindfulness: "
                   "symptoms and moods) or leave a default out (-location: no GPS routes). "
                   "Example: --scopes +ecg,+irn,+reproductive")
@click.pass_obj
@handle_errors
def auth_google(app: App, secrets_file, token_file, port, no_browser, timeout_s, scope_spec) -> None:
    """Authorise fitvault with Google (OAuth code flow with PKCE, read-only scopes).

    By default fitvault asks for activity, health metrics, sleep, profile, settings and location
    (GPS routes). Sensitive data (ECG, irregular rhythm, cycle, symptoms and moods, food and
    drink logs) is asked for only with --scopes; the types whose scope is not granted are
    skipped by `fitvault sync` with a message.
    """
    scopes = google_auth.scopes_for(scope_spec)
    endpoints = app.endpoints()
    store = session.token_store(app.paths)
    app.paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    if token_file:
        try:
            data = json.loads(token_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.ConfigError(f"{token_file} is not a readable JSON file: {type(exc).__name__}") from exc
        secrets = ClientSecrets.from_file(secrets_file) if secrets_file else None
        token = google_auth.token_from_import(
            data,
            client_id=secrets.client_id if secrets else None,
            client_secret=secrets.client_secret if secrets else None,
            token_uri=endpoints.token_url,
        )
    else:
        if not secrets_file:
            raise errors.ConfigError(
                "give --client-secrets FILE (your Google Cloud Desktop OAuth client JSON; the README "
                "explains how to create one) or --import-token FILE"
            )
        secrets = ClientSecrets.from_file(secrets_file)
        token = google_auth.authorize(
            secrets, endpoints, port=port, timeout_s=timeout_s,
            open_browser=None if no_browser else _open_browser,
            prompt_for_redirect=_prompt_for_redirect if no_browser else None, scopes=scopes,
        )
    store.save(token)
    out_console.print(f"Authorised. Token stored in {escape(str(store.path))} (mode 0600).")
    _print_scopes(token.scopes, scopes)
    if token.testing_mode:
        err_console.print(
            "[yellow]note:[/] this OAuth app is in Testing mode: Google ends the grant 7 days after "
            "consent. Publish the app (no verification needed for personal use) and run this again "
            "to avoid re-authorising every week."
        )


def _print_scopes(scopes, asked=google_auth.DEFAULT_SCOPES) -> None:
    missing = [s for s in asked if s not in set(scopes)]
    out_console.print("Scopes granted: " + ", ".join(s.rsplit(".", 2)[-2] if "." in s else s for s in scopes))
    if missing:
        err_console.print(
            "[yellow]not granted:[/] " + ", ".join(s.rsplit("/", 1)[-1] for s in missing)
            + " — the types behind them will be skipped."
        )


@auth_group.command("fitbit")
@click.option("--client-id", envvar="FITVAULT_FITBIT_CLIENT_ID", metavar="ID",
              help="OAuth 2.0 Client ID of your app at dev.fitbit.com (or $FITVAULT_FITBIT_CLIENT_ID). The client "
                   "secret is read from $FITVAULT_FITBIT_CLIENT_SECRET, else asked for (never on the command line).")
@click.option("--public-client", is_flag=True, help="The app is of type 'Client' and has no client secret.")
@click.option("--port", type=click.IntRange(1, 65535), default=fitbit_auth.DEFAULT_PORT, show_default=True,
              help="Loopback port of the redirect: the app's Callback URL must be http://127.0.0.1:PORT/.")
@click.option("--no-browser", is_flag=True, help="Print the URL and ask for the redirected address (SSH, headless).")
@click.option("--timeout", "timeout_s", type=click.IntRange(10, 3600), default=300, show_default=True,
              help="Seconds to wait for the browser's redirect.")
@click.option("--logout", is_flag=True, help="Revoke the Fitbit grant and delete the stored Fitbit token instead.")
@click.pass_obj
@handle_errors
def auth_fitbit(app: App, client_id, public_client, port, no_browser, timeout_s, logout) -> None:
    """Authorise fitvault with the legacy Fitbit Web API (code flow with PKCE; retired 2026-11-02)."""
    endpoints = resolve_fitbit_endpoints(app.config())
    store = fitbit_auth.FitbitTokenStore(app.paths.fitbit_token)
    if logout:
        token = store.load()
        if token is None:
            out_console.print("No Fitbit token stored; nothing to do.")
            return
        try:
            result = fitbit_auth.revoke(token, endpoints)
        finally:
            store.delete()
        out_console.print("Fitbit token deleted." + (" Revoked at Fitbit." if result.revoked else ""))
        if not result.revoked:
            err_console.print(f"[yellow]warning:[/] {escape(result.message)}")
        return
    if not client_id:
        raise errors.ConfigError(
            "give --client-id ID (your app's OAuth 2.0 Client ID at dev.fitbit.com, Callback URL "
            f"http://127.0.0.1:{port}/; docs/fitbit-legacy.md explains it)"
        )
    fitbit_auth.check_not_retired(endpoints.auth_url)  # say so now, not after a browser that never returns
    secret = None
    if not public_client:
        secret = os.environ.get("FITVAULT_FITBIT_CLIENT_SECRET") or click.prompt(
            "client secret", hide_input=True, err=True)
    app.paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = fitbit_auth.authorize(
        fitbit_auth.FitbitApp(client_id, secret), endpoints, port=port, timeout_s=timeout_s,
        open_browser=None if no_browser else (lambda url: _open_browser(url, "Fitbit")),
        prompt_for_redirect=_prompt_for_redirect if no_browser else None,
    )
    store.save(token)
    out_console.print(f"Authorised. Fitbit token stored in {escape(str(store.path))} (mode 0600).")
    out_console.print("Scopes granted: " + ", ".join(token.scopes))
    missing = [s for s in fitbit_auth.DEFAULT_SCOPES if s not in set(token.scopes)]
    if missing:
        err_console.print("[yellow]not granted:[/] " + ", ".join(missing) + " — the data behind them will be skipped.")
    out_console.print("Next: `fitvault sync --source fitbit`.")


@auth_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
@handle_errors
def auth_status(app: App, as_json: bool) -> None:
    """Show the stored grant: account, scopes, expiry, Testing-mode warning."""
    token = session.token_store(app.paths).load()
    if token is None:
        raise errors.NotAuthenticated(f"no Google token in {app.paths.root}: run `fitvault auth google`")
    account = None
    try:
        with session.api_client(app.paths, app.endpoints()) as client:
            account = client.identity().get("healthUserId")
    except errors.FitvaultError as exc:
        account = f"unknown ({exc})"
    now = time.time()
    doc = {
        "account": account,
        "scopes": list(token.scopes),
        "access_token_expires": _iso(token.expires_at),
        "access_token_valid_for_s": None if token.expires_at is None else int(token.expires_at - now),
        "refresh_token": bool(token.refresh_token),
        "testing_mode": token.testing_mode,
        "refresh_token_expires": _iso(token.refresh_token_expires_at),
        "token_file": str(session.token_store(app.paths).path),
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    for key, value in doc.items():
        out_console.print(f"{key:>26}: {escape(str(value))}")
    if token.testing_mode:
        err_console.print(
            "[yellow]warning:[/] Testing-mode grant: it stops working on "
            f"{doc['refresh_token_expires']}. Publish the OAuth app and re-authorise to avoid this."
        )


@auth_group.command("logout")
@click.pass_obj
@handle_errors
def auth_logout(app: App) -> None:
    """Revoke the grant at Google and delete the stored token (the vault's data stays)."""
    store = session.token_store(app.paths)
    token = store.load()
    if token is None:
        out_console.print("No token stored; nothing to do.")
        return
    result = google_auth.revoke(token, app.endpoints())
    store.delete()
    out_console.print("Token deleted." + (" Revoked at Google." if result.revoked else ""))
    if not result.revoked:
        err_console.print(f"[yellow]warning:[/] {escape(result.message)}")


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
