"""Each request answered in its reader's language: ``Accept-Language`` for the API, the chosen one on a page.

An API request's human text (a problem's title and detail, warnings, an applicant's status) follows its
``Accept-Language`` (``zh`` or ``en``), else ``OGI_LANG`` (Chinese by default), and the answer names it in
``Content-Language``. A page follows the language its reader chose (the console's cookie), as the page's
own words do. JSON keys, codes and enumeration values are the same in every language.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.i18n import negotiate, speaking, supported
from web.pages import LANG_COOKIE, is_web


def request_lang(scope: Scope) -> str:
    """The language a request is answered in."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    if is_web(str(scope.get("path", ""))):
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except ValueError:  # a malformed cookie header chooses nothing
            return negotiate(None)
        chosen = cookie.get(LANG_COOKIE)
        return supported(chosen.value if chosen else None) or negotiate(None)
    return negotiate(headers.get("accept-language"))


class Language:
    """ASGI middleware: everything said while answering a request is in the request's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer inside ``speaking(lang)``; API answers name their language and vary on the header."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = request_lang(scope)
        web = is_web(str(scope.get("path", "")))

        async def with_language(message: Message) -> None:
            if message["type"] == "http.response.start" and not web:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-language"]
                headers += [(b"content-language", lang.encode()), (b"vary", b"Accept-Language")]
                message["headers"] = headers
            await send(message)

        with speaking(lang):
            await self.app(scope, receive, with_language)
