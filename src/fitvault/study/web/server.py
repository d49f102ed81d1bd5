"""Serving the enrolment app with uvicorn, as ``fitvault study web`` and ``study up`` do.

uvicorn's own access log is off (it would print ``/i/<token>`` and the callback's ``code`` and
``state``); :class:`~fitvault.study.web.middleware.AccessLog` logs the route instead, at INFO on
``fitvault.study.web.access``.
"""

from __future__ import annotations

import logging

import uvicorn

from fitvault.study.web.app import create_app
from fitvault.study.web.flow import Enrolment


def server(enrolment: Enrolment, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for ``enrolment`` (call ``run()``, or ``serve()`` in an event loop)."""
    config = uvicorn.Config(
        create_app(enrolment), host=host, port=port, log_config=None, access_log=False, server_header=False,
        proxy_headers=False, lifespan="off", timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


def serve(enrolment: Enrolment, *, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM); enrolments in progress finish first."""
    logging.getLogger("fitvault.study.web").setLevel(logging.INFO)
    server(enrolment, host=host, port=port).run()
