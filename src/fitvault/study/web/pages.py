"""The enrolment pages: plain, accessible HTML (no script, one small inline style sheet), every
value from the study or the request escaped. A page never shows a token, a code or a state."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_STYLE = """
body{font:1.05rem/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main{max-width:42rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.6rem;line-height:1.25}
.consent{background:#fff;border:1px solid #bbb;border-radius:6px;padding:.25rem 1.25rem;margin:1rem 0}
.meta{color:#444;font-size:.95rem}
.actions{display:flex;flex-wrap:wrap;gap:1rem;margin-top:1.5rem}
button{font:inherit;padding:.7rem 1.4rem;border-radius:6px;border:2px solid #0b57d0;cursor:pointer}
button.agree{background:#0b57d0;color:#fff}
button.decline{background:#fff;color:#0b57d0}
button:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.problem{border-left:6px solid #b3261e;padding-left:1rem}
.done{border-left:6px solid #146c2e;padding-left:1rem}
"""


@dataclass(frozen=True)
class Page:
    """A page to send: its HTTP status and its HTML."""

    status: int
    html: str


def _layout(title: str, body: str, *, study: str | None = None) -> str:
    heading = f"{html.escape(title)} · {html.escape(study)}" if study else html.escape(title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
        f"<title>{heading}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def paragraphs(text: str) -> str:
    """``text`` as escaped paragraphs: a blank line separates them, a newline is a line break."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return "\n".join("<p>" + html.escape(b).replace("\n", "<br>\n") + "</p>" for b in blocks)


def consent(*, study: str, text: str, version: str, nonce: str) -> Page:
    """The study's consent text with Agree and Decline; the form posts back to the page's own
    address (no ``action``: right behind a proxy that serves the site under a path, too)."""
    body = (
        f"<h1>{html.escape(study)}</h1>\n"
        "<p>You have been invited to take part in this study. Please read the consent information "
        "below. If you agree, you will be taken to Google to choose which of your Fitbit / Google "
        "Health data the study may read.</p>\n"
        f"<section class=\"consent\" aria-labelledby=\"consent-title\">\n"
        f"<h2 id=\"consent-title\">Consent</h2>\n{paragraphs(text)}\n"
        f"<p class=\"meta\">Consent version {html.escape(version)}</p>\n</section>\n"
        "<form method=\"post\">\n"
        f"<input type=\"hidden\" name=\"nonce\" value=\"{html.escape(nonce)}\">\n"
        "<div class=\"actions\">\n"
        "<button class=\"agree\" type=\"submit\" name=\"choice\" value=\"agree\">I agree, continue to Google</button>\n"
        "<button class=\"decline\" type=\"submit\" name=\"choice\" value=\"decline\">I do not agree</button>\n"
        "</div>\n</form>\n"
    )
    return Page(200, _layout("Consent", body, study=study))


def enrolled(*, study: str) -> Page:
    body = (
        "<section class=\"done\">\n<h1>You are enrolled</h1>\n"
        f"<p>Thank you. You are now taking part in <strong>{html.escape(study)}</strong>, and the "
        "study will start reading the data you allowed.</p>\n"
        "<p>You may close this page.</p>\n"
        "<p class=\"meta\">You can stop sharing at any time by contacting the study team, or by removing "
        "the study's access in your Google Account (Security → Third-party apps &amp; services).</p>\n"
        "</section>"
    )
    return Page(200, _layout("Enrolled", body, study=study))


def declined(*, study: str) -> Page:
    body = (
        "<section class=\"done\">\n<h1>You did not agree</h1>\n"
        f"<p>Nothing was shared with <strong>{html.escape(study)}</strong>. You may close this page.</p>\n"
        "<p>If you change your mind, open the link from your invitation again.</p>\n</section>"
    )
    return Page(200, _layout("Not enrolled", body, study=study))


def problem(status: int, title: str, *lines: str, study: str | None = None) -> Page:
    """A failure: what happened and what to do, one paragraph per line (escaped)."""
    text = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    banner = f"<p class=\"meta\">{html.escape(study)}</p>\n" if study else ""
    body = f"{banner}<section class=\"problem\" role=\"alert\">\n<h1>{html.escape(title)}</h1>\n{text}\n</section>"
    return Page(status, _layout(title, body, study=study))


def home(*, study: str | None) -> Page:
    name = f" for <strong>{html.escape(study)}</strong>" if study else ""
    body = (
        f"<h1>Study enrolment</h1>\n<p>This is the enrolment site{name}. To take part, open the personal "
        "link from your invitation.</p>"
    )
    return Page(200, _layout("Study enrolment", body, study=study))
