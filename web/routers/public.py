"""``/apply`` (网上申请) and ``/status`` (办理进度查询): the applicant's pages, without an account.

Both are rate-limited per client address; the application form asks a small sum after repeated
submissions from one address. Each field is checked as it is filled in (``/apply/check``), and again,
all together, on submission. These pages reach intake through ``web.portal_backend``: in process, or
over HTTP from the internet zone (``ogi serve --public``).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from domain.application import ApplicantKind, InformationForm
from domain.messages import Msg
from domain.public_status import PublicStatus
from infra.settings import settings
from service import attachments, portal
from service.attachments import AttachmentKind
from service.errors import NotFound, RateLimited, ServiceError
from service.portal import DELIVERIES, OnlineApplication
from service.rate_limits import RateLimiter
from web import abuse
from web.pages import (
    LANG_COOKIE,
    client_address,
    form_token,
    form_token_ok,
    keep_form_token,
    redirect,
    render,
    safe_next,
    said,
    set_cookie,
)
from web.portal_backend import backend

router = APIRouter(include_in_schema=False)

applications = RateLimiter(capacity=5, per_minute=1, what=Msg("applications from this address"))
lookups = RateLimiter(capacity=20, per_minute=10, what=Msg("status lookups from this address"))
lookups_per_case = RateLimiter(capacity=10, per_minute=5, what=Msg("status lookups of this case"))
checks = RateLimiter(capacity=120, per_minute=120, what=Msg("field checks from this address"))

FIELDS = tuple(OnlineApplication.model_fields)


@router.get("/lang")
async def switch_language(to: Annotated[str, Query(pattern="^(zh|en)$")], next: str | None = None) -> Response:
    """Switch the pages' language (kept in a cookie for a year) and go back."""
    back = redirect(safe_next(next, "/apply"))
    set_cookie(back, LANG_COOKIE, to, max_age=365 * 86400)
    return back


def _apply_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    *,
    challenge: abuse.Challenge | None = None,
    notice: str | None = None,
) -> Response:
    token = form_token(request)
    page = render(
        request,
        "public/apply.html",
        status,
        values=values,
        errors=errors,
        agencies=portal.agencies(),
        kinds=[k.value for k in ApplicantKind],
        forms=[f.value for f in InformationForm],
        deliveries=[d.value for d in DELIVERIES],
        attachment_kinds=[k.value for k in AttachmentKind],
        max_mb=settings().attachment_max_bytes // (1024 * 1024),
        form_token=token,
        challenge=challenge,
        notice=notice,
    )
    keep_form_token(page, token)
    return page


@router.get("/apply", response_class=HTMLResponse)
async def apply_form(request: Request) -> Response:
    """The application form (a fresh form id: submitted twice, it registers one case)."""
    client = client_address(request)
    challenge = abuse.new_challenge() if abuse.submissions.needs_challenge(client) else None
    values = {"nonce": secrets.token_urlsafe(18), "kind": "natural_person", "form": "electronic", "delivery": "email"}
    return _apply_page(request, values, {}, challenge=challenge)


@router.post("/apply/check", response_class=HTMLResponse)
async def check_field(request: Request) -> Response:
    """One field's problem (or none) as the applicant fills it in, judged with the rest of the form."""
    checks.take(client_address(request))
    data = await request.form()
    field = str(data.get("field") or request.headers.get("hx-trigger-name") or "")
    values = {k: v for k, v in data.items() if isinstance(v, str) and k in FIELDS}
    problem = portal.problems(OnlineApplication.model_validate(values)).get(field)
    # A field not yet reached is not an error while the applicant is still on the way to it.
    if problem in ("required", "contact.one") and not values.get(field):
        problem = None
    return render(request, "public/_field_error.html", field=field, problem=problem)


@router.post("/apply", response_class=HTMLResponse)
async def apply(request: Request) -> Response:
    """Register the application (as the portal's intake user), store its attachments, show the receipt."""
    client = client_address(request)
    data = await request.form()
    values = {k: v for k, v in data.items() if isinstance(v, str) and k in FIELDS}
    if not form_token_ok(request, str(data.get("form_token") or "")):
        return _apply_page(request, values, {}, 403, notice="csrf.refused")
    if abuse.submissions.needs_challenge(client) and not abuse.answer_ok(
        str(data.get("challenge_token") or ""), str(data.get("challenge_answer") or "")
    ):
        return _apply_page(request, values, {}, 422, challenge=abuse.new_challenge(), notice="apply.challenge_wrong")
    form = OnlineApplication.model_validate(values)
    errors = portal.problems(form)
    uploads: list[tuple[str, bytes]] = []
    for kind in AttachmentKind:
        upload = data.get(kind.value)
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(settings().attachment_max_bytes + 1)
            try:
                attachments.check_upload(kind.value, content)
            except ServiceError as exc:
                errors[kind.value] = said(request, exc.message)
                continue
            uploads.append((kind.value, content))
    challenge = abuse.new_challenge() if abuse.submissions.needs_challenge(client) else None
    if errors:
        return _apply_page(request, values, errors, 422, challenge=challenge, notice="apply.fix")
    try:
        applications.take(client)
        answer = await backend().submit(form, client)
    except RateLimited:
        return _apply_page(request, values, {}, 429, challenge=challenge, notice="rate.limited")
    abuse.submissions.add(client)
    stored: list[str] = []
    failed: list[tuple[str, str]] = []
    for kind_value, content in uploads:
        try:
            await backend().attach(answer.id, answer.query_code, kind_value, content, client)
            stored.append(kind_value)
        except ServiceError as exc:
            failed.append((kind_value, said(request, exc.message)))
    return render(request, "public/applied.html", answer=answer, stored=stored, failed=failed)


@router.get("/status", response_class=HTMLResponse)
async def status_form(request: Request) -> Response:
    """The lookup form: tracking number and query code."""
    token = form_token(request)
    page = render(request, "public/status.html", form_token=token, result=None, values={})
    keep_form_token(page, token)
    return page


@router.post("/status", response_class=HTMLResponse)
async def status(
    request: Request,
    case_id: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
    form_token_field: Annotated[str, Form(alias="form_token", max_length=64)] = "",
) -> Response:
    """The case as the applicant may see it: stage, due date, what it waits for, the outcome; nothing internal."""
    token = form_token(request)
    values = {"case_id": case_id.strip()}
    if not form_token_ok(request, form_token_field):
        return render(
            request, "public/status.html", 403, form_token=token, result=None, values=values, error="csrf.refused"
        )
    client = client_address(request)
    result: PublicStatus | None = None
    error: str | None = None
    code_status = 200
    try:
        lookups.take(client)
        lookups_per_case.take(case_id.strip()[:40])
        result = await backend().status(case_id.strip(), code.strip(), client)
    except RateLimited:
        error, code_status = "rate.limited", 429
    except NotFound:
        error, code_status = "status.not_found", 404
    except ServiceError as exc:
        error, code_status = ("status.not_found", 404) if exc.status == 422 else ("unavailable", exc.status)
    page = render(
        request, "public/status.html", code_status, form_token=token, result=result, values=values, error=error
    )
    keep_form_token(page, token)
    return page
