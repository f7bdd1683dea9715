"""``/console``: sign-in, work queues, the case page with its actions and live what-if, supervision, the report.

Every view calls ``service/`` and nothing else; every action goes through ``service.actions.perform``
as the signed-in user, so the worker verifies the same signed actor as for the API.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.actions import ACTIONS
from domain.calendar import BEIJING
from domain.clock import beijing_date
from domain.config import Role
from domain.report_form import caption, form_tables
from domain.sheets import Grid
from infra.settings import settings
from service import (
    actions,
    attachments,
    case_actions,
    cases,
    console_sessions,
    documents,
    queues,
    reports,
    supervision,
)
from service.console_sessions import ConsoleSession
from service.errors import BadInput, ServiceError, Unauthenticated
from service.rate_limits import RateLimiter
from service.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from web import forms
from web.pages import client_address, form_token, form_token_ok, keep_form_token, redirect, render, safe_next
from web.session import PENDING_COOKIE, PostSession, Session, clear_session, session_cookie, start_session

router = APIRouter(prefix="/console", include_in_schema=False)
logins = RateLimiter(capacity=10, per_minute=5, what="sign-in attempts from this address")

PAGE = 50
SUPERVISORS = (Role.SUPERVISOR, Role.HEAD, Role.REVIEWER, Role.SECRECY_REVIEWER, Role.INTAKE, Role.RECORDS)


def _today() -> date:
    return beijing_date(datetime.now(UTC))


def _require_case_roles(session: ConsoleSession) -> None:
    session.principal.require(*queues.WATCHERS, what="open cases in the console")


# --- sign-in ----------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def home(session: Session) -> Response:
    """The first queue of the user's roles (or the supervision page for a supervisor)."""
    mine = queues.queues_for(session.principal)
    if not mine:
        return (
            redirect("/console/supervision") if session.principal.has(Role.SUPERVISOR) else redirect("/console/queues")
        )
    return redirect(f"/console/queues?q={mine[0].key}")


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None, bye: bool = False) -> Response:
    """The sign-in page: a local account's name and password, and the identity platform when configured."""
    token = form_token(request)
    page = render(
        request,
        "console/login.html",
        next=safe_next(next, "/console"),
        form_token=token,
        oidc=console_sessions.oidc_enabled(),
        notice="logout.done" if bye else None,
    )
    keep_form_token(page, token)
    return page


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    form_token_field: Annotated[str, Form(alias="form_token", max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console",
) -> Response:
    """Check the name and password (the account locks after repeated failures) and start a session."""
    back = safe_next(next, "/console")
    if not form_token_ok(request, form_token_field):
        return render(
            request, "console/login.html", 403, next=back, form_token=form_token(request), error="csrf.refused"
        )
    client = client_address(request)
    try:
        logins.take(client)
        raw, _ = await asyncio.to_thread(console_sessions.sign_in, username, password, client)
    except ServiceError as exc:
        key = "rate.limited" if exc.status == 429 else "login.failed"
        page = render(
            request,
            "console/login.html",
            exc.status,
            next=back,
            form_token=form_token(request),
            error=key,
            oidc=console_sessions.oidc_enabled(),
        )
        return page
    done = redirect(back)
    start_session(done, raw)
    return done


@router.get("/login/oidc")
async def login_oidc(request: Request, next: str | None = None) -> Response:
    """Leave for the identity platform (authorization code with PKCE); it sends the user back to the callback."""
    redirect_uri = _callback_url(request)
    raw, url = await asyncio.to_thread(console_sessions.begin_oidc, redirect_uri, safe_next(next, "/console"))
    # SameSite=Lax for this one cookie: it must come back on the platform's top-level redirect to the callback.
    away = RedirectResponse(url, status_code=303)
    away.set_cookie(
        PENDING_COOKIE, raw, max_age=600, path="/console/callback", secure=_secure(), httponly=True, samesite="lax"
    )
    return away


def _secure() -> bool:
    return settings().cookie_secure


def _callback_url(request: Request) -> str:
    base = settings().public_url or str(request.base_url).rstrip("/")
    return f"{base}/console/callback"


@router.get("/callback")
async def callback(
    request: Request,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The identity platform's answer: the id token is checked against its JWKS, then the session starts."""
    pending = request.cookies.get(PENDING_COOKIE)
    if error or not code:
        raise Unauthenticated(
            f"the identity platform did not sign you in ({error or 'no code'})", "unauthenticated.oidc"
        )
    raw, _, back = await asyncio.to_thread(console_sessions.finish_oidc, pending, code, state, client_address(request))
    # A page, not a redirect: a SameSite=Strict cookie set on a cross-site navigation is sent from the next one.
    done = render(request, "console/continue.html", next=safe_next(back, "/console"))
    start_session(done, raw)
    done.delete_cookie(PENDING_COOKIE, path="/console/callback")
    return done


@router.post("/logout")
async def logout(request: Request, session: PostSession) -> Response:
    """End the session here and in the store."""
    raw = request.cookies.get(session_cookie())
    await asyncio.to_thread(console_sessions.sign_out, raw, session.principal)
    done = redirect("/console/login?bye=1")
    clear_session(done)
    return done


# --- work queues ------------------------------------------------------------------------------------------


@router.get("/queues", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    session: Session,
    q: Annotated[str | None, Query(max_length=40)] = None,
    agency: Annotated[str | None, Query(max_length=100)] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    days: Annotated[int, Query(ge=0, le=60)] = queues.DUE_SOON_DAYS,
    after: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    """A work queue of the user's roles: rows by due date, a page at a time (keyset cursor)."""
    mine = queues.queues_for(session.principal)
    if not mine:
        return render(request, "console/queues.html", session=session, queues=[], counts={}, current=None, page=None)
    key = q or mine[0].key
    narrowing = queues.Narrowing(agency=agency, channel=channel, descending=sort == "desc", due_days=days)
    page, counts = await asyncio.gather(
        queues.queue_page(session.principal, key, narrowing, PAGE, after),
        queues.queue_counts(session.principal, days),
    )
    base = {"q": key, "agency": agency or "", "channel": channel or "", "sort": sort, "days": days}
    return render(
        request,
        "console/queues.html",
        session=session,
        queues=mine,
        counts=counts,
        current=key,
        page=page,
        params=base,
        first=after is None,
    )


# --- the case page ----------------------------------------------------------------------------------------


def _form_payload(form: Any, action: str) -> tuple[dict[str, Any], str | None]:
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            lists.setdefault(key, []).append(value)
    acted_by = (lists.get("acted_by") or [""])[0].strip() or None
    return forms.payload_from(action, lists), acted_by


async def _case_context(session: ConsoleSession, case_id: str) -> dict[str, Any]:
    principal = session.principal
    personal = principal.sees_personal_data
    view, offers, files = await asyncio.gather(
        cases.case_view(principal, case_id, personal=personal),
        case_actions.available_actions(principal, case_id),
        attachments.listed(case_id),
    )
    offered = [o for o in offers if o.available]
    return {
        "case": view,
        "offers": offered,
        "unavailable": [o for o in offers if not o.available],
        "forms": {o.name: forms.form_of(o.name) for o in offered},
        "docs": {o.name: (ACTIONS[o.name].__doc__ or "").strip().split("\n")[0] for o in offered},
        "attachments": files,
        "personal": personal,
        "records": principal.has(Role.RECORDS) and principal.roles is not None,
    }


def _action_name(raw: str) -> str:
    return actions.action_name(raw)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, session: Session, case_id: str, done: str | None = None) -> Response:
    """The case: application, clock and its explanation, timeline, documents, related cases, and the actions."""
    _require_case_roles(session)
    context = await _case_context(session, case_id)
    done_action = done if done in ACTIONS else None
    return render(request, "console/case.html", session=session, done=done_action, **context)


@router.post("/cases/{case_id}/preview/{action}", response_class=HTMLResponse)
async def preview(request: Request, session: PostSession, case_id: str, action: str) -> Response:
    """The action's what-if as the user types: accepted or refused, due date before → after, periods started."""
    _require_case_roles(session)
    name = _action_name(action)
    form = await request.form()
    payload, acted_by = _form_payload(form, name)
    try:
        result = await actions.preview_action(session.principal, case_id, name, payload, acted_by=acted_by)
    except BadInput as exc:
        return render(request, "console/_preview.html", incomplete=str(exc), result=None)
    return render(request, "console/_preview.html", result=result, incomplete=None)


@router.post("/cases/{case_id}/actions/{action}", response_class=HTMLResponse)
async def take_action(request: Request, session: PostSession, case_id: str, action: str) -> Response:
    """Send the action as the signed-in user (``service.actions.perform``); a refusal is shown on the case page."""
    _require_case_roles(session)
    name = _action_name(action)
    form = await request.form()
    payload, acted_by = _form_payload(form, name)
    try:
        await actions.perform(session.principal, case_id, name, payload, acted_by=acted_by)
    except ServiceError as exc:
        if exc.status in (401, 503):
            raise
        context = await _case_context(session, case_id)
        return render(
            request, "console/case.html", exc.status, session=session, done=None, error=str(exc), failed=name, **context
        )
    return redirect(f"/console/cases/{case_id}?done={name}")


@router.get("/cases/{case_id}/documents/{ref}")
async def document(session: Session, case_id: str, ref: str, format: str = "pdf") -> Response:
    """An issued document as issued (personal data roles only; each read audited)."""
    _require_case_roles(session)
    path, media = await documents.document_file(session.principal, case_id, ref, format)
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{path.name}"', "Cache-Control": "no-store"},
    )


@router.get("/cases/{case_id}/attachments/{attachment_id}")
async def attachment(session: Session, case_id: str, attachment_id: str) -> Response:
    """An attachment's content (personal data roles only; each read audited)."""
    info, data = await attachments.read(session.principal, case_id, attachment_id)
    name = f"{case_id}-{info.kind.value}.{attachments.EXTENSIONS[info.content_type]}"
    return Response(
        data,
        media_type=info.content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# --- supervision ------------------------------------------------------------------------------------------


async def _supervision(agency: str | None) -> dict[str, Any]:
    view = await supervision.supervision(agency)
    return {
        "stats": view.stats,
        "overdue": view.overdue,
        "soon": view.soon,
        "timeliness": view.timeliness,
        "timeliness_error": view.timeliness_error,
        "year": view.year,
        "at": datetime.now(UTC).astimezone(BEIJING).strftime("%H:%M:%S"),
        "agency": agency or "",
    }


@router.get("/supervision", response_class=HTMLResponse)
async def supervision_page(
    request: Request, session: Session, agency: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    """Counts per stage, agency and department; overdue and due-soon lists; timeliness per agency."""
    session.principal.require(*SUPERVISORS, what="open the supervision page")
    data = await _supervision(agency or None)
    return render(request, "console/supervision.html", session=session, **data)


@router.get("/supervision/body", response_class=HTMLResponse)
async def supervision_body(
    request: Request, session: Session, agency: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    """The supervision page's figures alone (the page reloads them every 30 seconds)."""
    session.principal.require(*SUPERVISORS, what="open the supervision page")
    data = await _supervision(agency or None)
    return render(request, "console/_supervision_body.html", session=session, **data)


# --- annual report ----------------------------------------------------------------------------------------


def grid_rows(grid: Grid) -> list[list[dict[str, Any]]]:
    """The grid as table rows of cells with their spans; cells a merge covers are left out."""
    covered: set[tuple[int, int]] = set()
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for m in grid.merges:
        spans[(m.first_row, m.first_col)] = (m.last_row - m.first_row + 1, m.last_col - m.first_col + 1)
        for r in range(m.first_row, m.last_row + 1):
            for c in range(m.first_col, m.last_col + 1):
                if (r, c) != (m.first_row, m.first_col):
                    covered.add((r, c))
    rows: list[list[dict[str, Any]]] = []
    for r, row in enumerate(grid.rows):
        if r in grid.title_rows:
            continue
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            cells.append(
                {
                    "text": "" if value is None else str(value),
                    "rowspan": rowspan,
                    "colspan": colspan,
                    "header": r in grid.header_rows or isinstance(value, str),
                    "number": isinstance(value, int),
                }
            )
        rows.append(cells)
    return rows


def _report_query(year: int | None, through: str | None, agency: str | None) -> tuple[int, date | None, str | None]:
    chosen = year or _today().year
    cutoff = date.fromisoformat(through) if through else None
    return chosen, cutoff, agency or None


@router.get("/report", response_class=HTMLResponse)
async def report(
    request: Request,
    session: Session,
    year: Annotated[int | None, Query(ge=2008, le=2999)] = None,
    through: Annotated[str | None, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
    agency: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Tables 三 and 四 of a year (to a cutoff day), in the form's layout, with CSV and XLSX downloads."""
    session.principal.require(*SUPERVISORS, what="open the annual report")
    chosen, cutoff, who = _report_query(year, through, agency)
    answer = await reports.annual_report(chosen, who, cutoff, with_timeliness=False)
    applications, remedies = form_tables(answer.report)
    query = f"year={chosen}" + (f"&through={cutoff.isoformat()}" if cutoff else "") + (f"&agency={who}" if who else "")
    return render(
        request,
        "console/report.html",
        session=session,
        caption=caption(answer.report),
        tables=[(applications.rows[1][0], grid_rows(applications)), (remedies.rows[1][0], grid_rows(remedies))],
        year=chosen,
        through=cutoff.isoformat() if cutoff else "",
        agency=who or "",
        query=query,
    )


@router.get("/report.{fmt}")
async def report_file(
    session: Session,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    year: Annotated[int | None, Query(ge=2008, le=2999)] = None,
    through: Annotated[str | None, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
    agency: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The report as the form's CSV (UTF-8 with BOM) or XLSX."""
    session.principal.require(*SUPERVISORS, what="download the annual report")
    if fmt not in ("csv", "xlsx"):
        raise BadInput("the report downloads as csv or xlsx", field="fmt")
    chosen, cutoff, who = _report_query(year, through, agency)
    answer = await reports.annual_report(chosen, who, cutoff, with_timeliness=False)
    attachment_header = {"Content-Disposition": f'attachment; filename="report-{chosen}.{fmt}"'}
    if fmt == "csv":
        return Response(reports.report_csv(answer.report), media_type=CSV_MEDIA_TYPE, headers=attachment_header)
    return Response(reports.report_xlsx(answer.report), media_type=XLSX_MEDIA_TYPE, headers=attachment_header)
