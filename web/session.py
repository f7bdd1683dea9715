"""The console's session cookie and CSRF check, as request dependencies.

The cookie holds only a random session id (``__Host-`` prefixed when Secure: no subdomain can set it);
the session and its CSRF token live in the store. Every POST of the console carries the token, in the
form (``csrf``) or, for htmx requests, in the ``X-CSRF-Token`` header, and is refused without it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from infra.settings import settings
from service import console_sessions
from service.console_sessions import ConsoleSession
from web.pages import set_cookie

PENDING_COOKIE = "ogi_oidc"


class LoginRequired(Exception):
    """No live session: the page answers with the sign-in page (and where to come back to)."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class CsrfRefused(Exception):
    """A console POST without its session's CSRF token."""


def session_cookie() -> str:
    """The session cookie's name: ``__Host-ogi_session`` over HTTPS, ``ogi_session`` on plain-http localhost."""
    return "__Host-ogi_session" if settings().cookie_secure else "ogi_session"


def start_session(response: Response, raw: str) -> None:
    """Set the session cookie (a browser-session cookie: the server ends it when idle)."""
    set_cookie(response, session_cookie(), raw)


def clear_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        session_cookie(), path="/", secure=settings().cookie_secure, httponly=True, samesite="strict"
    )


async def current_session(request: Request) -> ConsoleSession:
    """The signed-in user of this request, or ``LoginRequired``."""
    raw = request.cookies.get(session_cookie())
    found = await asyncio.to_thread(console_sessions.resume, raw) if raw else None
    if found is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(back if request.method == "GET" else "/console")
    request.state.console_session = found
    return found


Session = Annotated[ConsoleSession, Depends(current_session)]


async def checked_session(request: Request, session: Session) -> ConsoleSession:
    """The session of a POST whose CSRF token matches it; ``CsrfRefused`` otherwise."""
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not console_sessions.csrf_ok(session, given):
        raise CsrfRefused
    return session


PostSession = Annotated[ConsoleSession, Depends(checked_session)]
