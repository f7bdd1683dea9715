"""What every page shares: the templates, the language, security headers, cookies and the HTML error pages."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.clock import beijing_date
from infra.settings import settings
from web.i18n import DEFAULT_LANG, LANGS, choice_label, translator

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

LANG_COOKIE = "ogi_lang"
FORM_COOKIE = "ogi_form"
"""The public forms' double-submit token (there is no session to hold one)."""
WEB_PREFIXES = ("/console", "/apply", "/status", "/lang", "/static")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""Everything from this server, nothing inline: the vendored scripts and one stylesheet."""


def is_web(path: str) -> bool:
    """Whether a path is one of the pages (errors answer in HTML there, problem+json elsewhere)."""
    return path == "/" or path.startswith(WEB_PREFIXES)


def client_address(request: Request) -> str:
    """The client's address (the proxy's, unless the server is told to trust forwarded headers)."""
    return request.client.host if request.client else "-"


def lang_of(request: Request) -> str:
    """The language the user chose (a cookie), else the installation's (``OGI_LANG``, Chinese by default)."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    configured = settings().lang
    return configured if configured in LANGS else DEFAULT_LANG


def said(request: Request, value: Any) -> str:
    """A message (an error's ``Msg``, a term, text) in the language of the page the user reads."""
    from infra.i18n import translate

    return translate(value, lang_of(request))


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to return to (never another host: a path starting ``//`` or with a backslash is refused)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 500:
        return default
    return target


def fmt_date(value: date | datetime | str | None) -> str:
    """A date as the pages print it (ISO, unambiguous in both languages)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the user's language, never cached (cases and personal data must not stay in a shared cache)."""
    lang = lang_of(request)
    t = translator(lang)
    context.setdefault("session", None)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "other_lang": "en" if lang == "zh" else "zh",
            "t": t,
            "tf": lambda key, fallback: found if (found := t(key)) != key else fallback,
            "today": beijing_date(datetime.now(UTC)).isoformat(),
            "label": lambda field, value: choice_label(lang, field, value),
            "fmt_date": fmt_date,
            "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser GETs the page (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)


def set_cookie(
    response: Response, name: str, value: str, *, max_age: int | None = None, http_only: bool = True
) -> None:
    """A cookie as every page sets it: HttpOnly, SameSite=Strict, Secure unless configured for plain-http."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=settings().cookie_secure,
        httponly=http_only,
        samesite="strict",
    )


def form_token(request: Request) -> str:
    """The public form's double-submit token: the cookie's, or a new one (set by ``keep_form_token``)."""
    found = request.cookies.get(FORM_COOKIE)
    return found if found and 20 <= len(found) <= 64 else secrets.token_urlsafe(24)


def keep_form_token(response: Response, token: str) -> None:
    """Set the public forms' token cookie."""
    set_cookie(response, FORM_COOKIE, token)


def form_token_ok(request: Request, given: str | None) -> bool:
    """Whether a public form came back with the token of its own cookie (a forged cross-site post has neither)."""
    cookie = request.cookies.get(FORM_COOKIE)
    return bool(cookie) and bool(given) and secrets.compare_digest(cookie or "", given or "")


class SecurityHeaders:
    """Security headers on every page and asset: CSP, no framing, no sniffing, no referrer (query codes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to web responses."""
        if scope["type"] != "http" or not is_web(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
