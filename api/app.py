"""The FastAPI application of ``ogi serve``: routers, problem+json errors, body limits, one Temporal client.

OpenAPI 3.1 at ``/openapi.json``, interactive docs at ``/docs``. Every request body is bounded
(``OGI_MAX_BODY_BYTES``, default 256 KiB; 413 beyond it) before anything reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.language import Language
from api.routers import attachments, audit, cases, documents, imports, portal, public, session, supervision
from domain.messages import Msg
from infra import web_sessions
from infra.i18n import translate
from infra.log import get_logger
from infra.settings import settings
from infra.store import StoreUnavailable
from service import intake
from service.errors import ServiceError
from web import app as web_app

log = get_logger("api")
SETTLE_EVERY_S = 300


class BodyLimit:
    """Refuse a request body larger than the limit with 413, whether it says its length or streams."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        larger: dict[str, tuple[int, str]] | None = None,
        uploads: tuple[int, str] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = larger or {}
        """Paths with a limit of their own (an import's file), each with the setting that sets it."""
        self.uploads = uploads
        """The limit of the routes that take attachments (the application form, attachments), and its setting."""

    def _limit(self, scope: Scope) -> tuple[int, str]:
        path = str(scope.get("path", ""))
        for prefix, limit in self.larger.items():
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        takes_files = path == "/apply" or path.endswith("/attachments")
        if self.uploads is not None and takes_files and scope.get("method") == "POST":
            return self.uploads
        return self.limit, "OGI_MAX_BODY_BYTES"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its body counted; 413 at once when its declared length is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self._limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, send, limit, setting)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the app's own reading of the body: answered by the problem handler.
                    raise StarletteHTTPException(413, translate(self._detail(limit, setting)))
            return message

        await self.app(scope, limited, send)

    def _detail(self, limit: int, setting: str) -> Msg:
        return Msg(
            "the request body is larger than the {limit:,} bytes allowed ({setting})", limit=limit, setting=setting
        )

    async def _too_large(self, scope: Scope, send: Send, limit: int, setting: str) -> None:
        response = problems.problem(413, "bad_input.too_large", self._detail(limit, setting))
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _settle_forever() -> None:
    while True:
        await asyncio.sleep(SETTLE_EVERY_S)
        try:
            await asyncio.to_thread(web_sessions.purge)  # console sessions past their end
        except (StoreUnavailable, SQLAlchemyError, OSError) as exc:
            log.warning("sessions.purge_failed", error=type(exc).__name__)
        try:
            settled = await intake.settle_allocations()
        except (ServiceError, OSError, RuntimeError) as exc:
            log.warning("intake.settle_failed", error=str(exc))
            continue
        if settled["voided"] or settled["started"]:
            log.info("intake.settled", voided=settled["voided"], started=len(settled["started"]))


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(_settle_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app() -> FastAPI:
    """The API application."""
    app = FastAPI(
        title="ogi",
        summary="Government information disclosure on application (政府信息公开 · 依申请公开)",
        version="1.0",
        lifespan=_lifespan,
        openapi_tags=[
            {"name": "cases", "description": "Registration, case view and listings"},
            {"name": "actions", "description": "Reviewer actions on a case (Temporal Updates, verified actor)"},
            {"name": "supervision", "description": "Statistics and the annual report"},
            {"name": "public", "description": "The applicant's status lookup, without an account"},
            {"name": "identity", "description": "Sign-in and the caller"},
            {"name": "audit", "description": "The tamper-evident audit log (auditor role)"},
            {"name": "documents", "description": "Issued documents, the post batch and archive packages"},
            {
                "name": "imports",
                "description": "Bringing an agency's existing cases into ogi (intake and records roles)",
            },
        ],
    )
    problems.install(app)
    routers = (
        cases.router,
        attachments.router,
        documents.router,
        imports.router,
        supervision.router,
        public.router,
        portal.router,
        session.router,
        audit.router,
    )
    for router in routers:
        app.include_router(router)
    # The staff console and the applicant pages (HTML) beside the API.
    web_app.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "auth": settings().auth}

    app.add_middleware(
        BodyLimit,
        limit=settings().max_body_bytes,
        larger={"/v1/imports": (settings().max_import_bytes, "OGI_MAX_IMPORT_BYTES")},
        uploads=(web_app.upload_limit(), "OGI_ATTACHMENT_MAX_BYTES"),
    )
    app.add_middleware(Language)  # outermost: every answer, a refused body's too, in the reader's language
    return app
