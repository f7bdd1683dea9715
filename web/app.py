"""Mounting the pages: on the full ``ogi serve`` beside the API, or alone for the internet zone (``--public``).

Errors on a page answer as a page (the sign-in page when the session ended), while the API keeps its
problem+json; the assets are served from ``web/static`` (vendored, nothing from a CDN).
"""

from __future__ import annotations

import inspect
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.messages import Msg
from service.errors import ServiceError, Unauthenticated
from web.pages import HERE, SecurityHeaders, is_web, redirect, render, said
from web.routers import console, public
from web.session import CsrfRefused, LoginRequired

STATIC = HERE / "static"


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(
        request, "error.html", status, message=message, session=getattr(request.state, "console_session", None)
    )


def install(app: FastAPI, *, console_pages: bool = True) -> None:
    """Add the pages to ``app``: the console (unless ``console_pages`` is off), the applicant pages, the assets."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if console_pages:
        app.include_router(console.router)
    app.include_router(public.router)
    app.add_middleware(SecurityHeaders)
    api_service = app.exception_handlers.get(ServiceError)
    api_http = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        if request.headers.get("hx-request"):
            # htmx follows redirects inside the fragment; tell it to load the sign-in page instead.
            return Response(status_code=401, headers={"HX-Redirect": "/console/login"})
        return redirect(f"/console/login?next={quote(exc.back_to)}")

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        from web.i18n import translator
        from web.pages import lang_of

        return _error_page(request, 403, translator(lang_of(request))("csrf.refused"))

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Any:
        if not is_web(request.url.path):
            assert api_service is not None
            answer = api_service(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if isinstance(exc, Unauthenticated) and request.url.path.startswith("/console"):
            return redirect("/console/login")
        return _error_page(request, exc.status, said(request, exc.message))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        if not is_web(request.url.path) or request.url.path.startswith("/static"):
            assert api_http is not None
            answer = api_http(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if not detail or detail == HTTPStatus(exc.status_code).phrase:
            # Starlette's own English words for a missing page or method: the status's title instead.
            from api.problems import TITLES

            return _error_page(request, exc.status_code, said(request, TITLES.get(exc.status_code, Msg("Error"))))
        return _error_page(request, exc.status_code, said(request, detail))

    @app.get("/", include_in_schema=False)
    async def _root() -> Response:
        return redirect("/console" if console_pages else "/apply")


def create_public_app() -> FastAPI:
    """The internet zone's server (``ogi serve --public``): ``/apply``, ``/status`` and their assets, nothing else.

    It holds no Temporal client and no store: intake and status go to ``OGI_INTERNAL_API_URL`` over HTTP.
    """
    from api import problems
    from api.app import BodyLimit
    from api.language import Language
    from infra.settings import settings

    app = FastAPI(title="ogi portal", docs_url=None, redoc_url=None, openapi_url=None)
    problems.install(app)
    install(app, console_pages=False)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "zone": "public"}

    app.add_middleware(BodyLimit, limit=settings().max_body_bytes, uploads=(upload_limit(), "OGI_ATTACHMENT_MAX_BYTES"))
    app.add_middleware(Language)  # outermost: what the pages say comes in the language the applicant chose
    return app


def upload_limit() -> int:
    """The body limit of the form with attachments: three files and the fields."""
    from infra.settings import settings

    return 3 * settings().attachment_max_bytes + 256 * 1024
