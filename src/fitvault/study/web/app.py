"""The enrolment site as an ASGI app (Starlette): routes, cookies and responses around
:class:`~fitvault.study.web.flow.Enrolment`.

Routes: ``GET /`` (a neutral page), ``GET|POST /i/<token>`` (consent page, answer),
``GET /oauth/callback`` (Google's redirect back), ``GET /enrolled`` (done), ``GET /healthz``.
Every response is ``Cache-Control: no-store`` with the headers of
:mod:`~fitvault.study.web.middleware`; redirects go only to the study's own OAuth server or to
this site's own paths (nothing from the request picks a redirect target).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from fitvault.study.web import pages
from fitvault.study.web.flow import CALLBACK_PATH, ENROLLED_PATH, Enrolment, Reply
from fitvault.study.web.middleware import AccessLog, SecurityHeaders
from fitvault.study.web.session import MAX_AGE_S, BrowserSession, cookie_name, seal, unseal

log = logging.getLogger("fitvault.study.web")

MAX_FORM_BYTES = 4096  # the consent form is two short fields


def route_name(path: str) -> str:
    """The route of ``path`` as the access log shows it (an invite token never appears)."""
    if path.startswith("/i/"):
        return "/i/…"
    return path if path in ("/", CALLBACK_PATH, ENROLLED_PATH, "/healthz", "/favicon.ico") else "(other)"


def create_app(enrolment: Enrolment) -> Starlette:
    """The ASGI app serving ``enrolment``'s study."""
    site = _Site(enrolment)
    routes = [
        Route("/", site.home, methods=["GET"]),
        Route("/i/{token}", site.invite, methods=["GET", "POST"]),
        Route(CALLBACK_PATH, site.callback, methods=["GET"]),
        Route(ENROLLED_PATH, site.enrolled, methods=["GET"]),
        Route("/healthz", site.healthz, methods=["GET"]),
        Route("/favicon.ico", site.no_icon, methods=["GET"]),  # browsers ask; a 404 would only clutter the log
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog, route_name=route_name),
                    Middleware(SecurityHeaders, auth_url=lambda: enrolment.auth_url)],
        exception_handlers={HTTPException: site.http_error, Exception: site.server_error},
        max_body_size=MAX_FORM_BYTES,
    )


class _Site:
    """The endpoints: each reads the request, runs one step of the flow in a worker thread (it
    talks to PostgreSQL and Google synchronously) and turns its :class:`Reply` into a response."""

    def __init__(self, enrolment: Enrolment) -> None:
        self.enrolment = enrolment

    def session_of(self, request: Request) -> BrowserSession | None:
        for secure in (True, False):
            value = request.cookies.get(cookie_name(secure))
            found = unseal(self.enrolment.cipher, value, now=self.enrolment.clock())
            if found is not None:
                return found
        return None

    def respond(self, reply: Reply) -> Response:
        response: Response
        if reply.redirect is not None:
            response = RedirectResponse(reply.redirect, status_code=303)
        else:
            page = reply.page or pages.problem(500, "Something went wrong", "Please try again later.")
            response = HTMLResponse(page.html, status_code=page.status)
        secure = self.enrolment.secure
        if reply.session is not None:
            response.set_cookie(cookie_name(secure), seal(self.enrolment.cipher, reply.session), max_age=MAX_AGE_S,
                                path="/", secure=secure, httponly=True, samesite="lax")
        elif reply.clear_session:
            response.delete_cookie(cookie_name(secure), path="/", secure=secure, httponly=True, samesite="lax")
        return response

    async def home(self, request: Request) -> Response:
        return self.respond(await run_in_threadpool(self.enrolment.home))

    async def invite(self, request: Request) -> Response:
        token = request.path_params["token"]
        session = self.session_of(request)
        if request.method == "POST":
            form = await _form(request)
            return self.respond(await run_in_threadpool(self.enrolment.answer_consent, token, session, form))
        return self.respond(await run_in_threadpool(self.enrolment.open_link, token, session))

    async def callback(self, request: Request) -> Response:
        params = dict(request.query_params)
        return self.respond(await run_in_threadpool(self.enrolment.callback, self.session_of(request), params))

    async def enrolled(self, request: Request) -> Response:
        return self.respond(await run_in_threadpool(self.enrolment.enrolled))

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def no_icon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            page = pages.problem(404, "Page not found", "To take part, open the personal link from your invitation.")
        else:
            page = pages.problem(status, "This request cannot be handled", "Please open the link from your invitation.")
        return HTMLResponse(page.html, status_code=status)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        log.error("enrolment request failed: %s", type(exc).__name__)  # the message may quote a value
        page = pages.problem(500, "Something went wrong on our side",
                             "Nothing was stored. Please try your link again later; if this repeats, contact the "
                             "study team.")
        return HTMLResponse(page.html, status_code=500)


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form (the only kind the consent page sends); anything else is empty."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
