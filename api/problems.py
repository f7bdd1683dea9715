"""Errors as RFC 9457 problem details (``application/problem+json``) with ogi's stable ``code``.

Every error the API answers has this shape: the service's errors with their code and status, request
validation (422, naming the field), unknown routes (404), oversized bodies (413), and anything
unexpected (500, logged with a reference, never a traceback in the answer). A client that goes away
before its body is read is not an error of the server: noted, and nothing is registered. ``title`` and ``detail`` are
in the request's language (``Accept-Language``, else ``OGI_LANG``: Chinese by default, named in
``Content-Language``); ``code``, ``type`` and ``field`` never change with it.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from domain.input_problems import input_problem
from domain.messages import Msg, Text, plural_msg
from infra.i18n import current_lang, translate
from infra.log import get_logger
from service.errors import ServiceError

log = get_logger("api")
PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    """Stable reason, e.g. ``refused.four_eyes``, ``bad_input``, ``unauthenticated``, ``not_found``."""
    field: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    """Every item at fault, where a request has many (an import's refused rows: ``line``, ``column``, ``message``)."""


TITLES: dict[int, Msg] = {
    400: Msg("Bad request"),
    401: Msg("Unauthenticated"),
    403: Msg("Forbidden"),
    404: Msg("Not found"),
    405: Msg("Method not allowed"),
    409: Msg("Refused"),
    413: Msg("Too large"),
    415: Msg("Unsupported media type"),
    422: Msg("Bad input"),
    429: Msg("Too many requests"),
    500: Msg("Internal error"),
    503: Msg("Unavailable"),
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem_response("No valid bearer token"),
    403: _problem_response("The user's roles do not allow it"),
    404: _problem_response("No such case"),
    409: _problem_response("The case refuses it as it stands"),
    413: _problem_response("The request body is too large"),
    422: _problem_response("Bad input: the field and the fix are named"),
    429: _problem_response("Too many requests; Retry-After says when to try again"),
    503: _problem_response("Temporal or the worker did not answer; try again"),
}
"""The error answers every route may give, documented once (problem+json)."""


def problem(
    status: int,
    code: str,
    detail: Text,
    *,
    field: str | None = None,
    request: Request | None = None,
    errors: list[dict[str, Any]] | None = None,
    **headers: str,
) -> JSONResponse:
    """A problem+json response, its title and detail in the current language."""
    lang = current_lang()
    body = Problem(
        type=f"urn:ogi:problem:{code}",
        title=translate(TITLES.get(status, Msg("Error")), lang),
        status=status,
        detail=translate(detail, lang),
        code=code,
        field=field,
        instance=str(request.url.path) if request is not None else None,
        errors=errors,
    )
    extra = {"Content-Language": lang, **headers}
    if status == 401:
        extra.setdefault("WWW-Authenticate", 'Bearer realm="ogi"')
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=extra)


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        headers = {"Retry-After": "60"} if exc.status in (429, 503) else {}
        errors = getattr(exc, "errors", None)
        return problem(exc.status, exc.code, exc.message, field=exc.field, request=request, errors=errors, **headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "type": "missing"}
        field = _field(first.get("loc", ()))
        detail = Msg("{field}: {problem}", field=field, problem=input_problem(first))
        if len(errors) > 1:
            detail = more_problems(detail, len(errors) - 1)
        return problem(422, "bad_input", detail, field=field, request=request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "bad_input.method", 413: "bad_input.too_large", 415: "bad_input.media_type"}
        detail: Text = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, Msg("Error"))
        if isinstance(exc.detail, str) and exc.detail == HTTPStatus(exc.status_code).phrase:
            # Starlette's own words for a route or method that does not exist.
            title = TITLES.get(exc.status_code, Msg("Error"))
            detail = Msg("no such resource: {path}", path=request.url.path) if exc.status_code == 404 else title
        return problem(exc.status_code, code.get(exc.status_code, "bad_input"), detail, request=request)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> Response:
        # Nobody reads this answer; handled here, the disconnect is neither logged as a failure nor re-raised
        # to the server as one (which prints a traceback), so a portal's dropped connections stay quiet.
        log.info("api.client_gone", path=request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        ref = secrets.token_hex(6)
        log.error("api.unexpected", ref=ref, path=request.url.path, error=type(exc).__name__)
        detail = Msg("an unexpected error; the server log has it under reference {ref}", ref=ref)
        return problem(500, "internal", detail)


def more_problems(first: Text, more: int) -> Msg:
    """The first problem of several, and how many more there are."""
    return plural_msg("{first} (and {n} more problem)", "{first} (and {n} more problems)", more, first=first)
