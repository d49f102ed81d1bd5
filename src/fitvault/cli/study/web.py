"""`fitvault study web`: serve the enrolment site (invite link → consent → Google → enrolled)."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from fitvault.cli.app import err_console, handle_errors, out_console
from fitvault.cli.study.group import StudyApp, pass_study, study

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470  # the port of StudySettings' default public_url
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@study.command("web")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on (0.0.0.0 for every interface; put HTTPS in front of it).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@pass_study
@handle_errors
def web(app: StudyApp, host: str, port: int) -> None:
    """Serve the enrolment site until stopped (Ctrl-C).

    Each participant opens their single-use link from `fitvault study invite` (<public URL>/i/...),
    reads the consent text, signs in with Google and chooses what to share; the grant is stored
    encrypted and their first sync is queued. Participants reach the site at the study's public
    URL (`study init --public-url`); register <public URL>/oauth/callback as an authorized
    redirect URI of the study's Google OAuth web client. The site can run on another machine than
    the workers: it needs the same database (--db) and study key (--study-dir or
    FITVAULT_STUDY_KEY).
    """
    from fitvault.study.procrastinate_queue import ProcrastinateQueue
    from fitvault.study.web.flow import Enrolment
    from fitvault.study.web.server import serve

    url = app.url()
    settings = app.settings()  # fails here, with what to do, when the study is not initialised
    cipher = app.cipher()
    public = urlsplit(settings.public_url)
    if public.scheme != "https" and public.hostname not in _LOOPBACK:
        err_console.print(f"[yellow]warning:[/] the public URL {settings.public_url} is not https; Google accepts "
                          "only https redirect URIs for web clients outside localhost", soft_wrap=True)
    out_console.print(
        f"Enrolment site of {settings.name!r} listening on http://{host}:{port}/ "
        f"(participants use {settings.public_url}; OAuth redirect URI {settings.redirect_uri}). Ctrl-C stops.",
        soft_wrap=True, markup=False,
    )
    with ProcrastinateQueue(url) as queue:
        try:
            serve(Enrolment(url, cipher, queue), host=host, port=port)
        except KeyboardInterrupt:  # uvicorn finished the requests under way, then re-raised Ctrl-C
            pass
    # also when serve() returns: uvicorn re-raises a captured Ctrl-C through asyncio's own SIGINT
    # handler, and once (under heavy load, not reproduced) it returned without raising
    out_console.print("enrolment site stopped")
