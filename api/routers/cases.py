"""``/v1/cases``: register applications, read cases and listings, and take actions (or preview them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from domain.actions import ACTIONS, ActionResult
from domain.application import Application, Channel
from domain.case import Stage
from domain.messages import Msg
from domain.preview import Preview
from domain.report import RemedyRecord
from domain.vocabulary import RemedyKind, RemedyResult
from infra.settings import settings
from service import actions, cases, intake, listings, reports
from service.application_input import parse_application
from service.errors import BadInput
from service.identities import Principal, claimed
from service.intake import SubmitAnswer
from service.listings import CasePage

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=ERRORS)

CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
CaseId = Annotated[str, Path(pattern=CASE_ID, description="Tracking number, e.g. LMZ-2026-000001.")]


@router.post(
    "",
    status_code=201,
    response_model=SubmitAnswer,
    summary="Register an application (登记)",
    responses={200: {"model": SubmitAnswer, "description": "The same agency and external_ref were registered before"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": Application.model_json_schema(ref_template="#/components/schemas/{model}")
                }
            },
        }
    },
)
async def submit(request: Request, response: Response, principal: CurrentPrincipal) -> SubmitAnswer:
    """Register an application and start its case: 201 with its tracking number, due date and query code.

    The same agency and ``external_ref`` again answer 200 with the first answer's case (``duplicate``: true),
    its due date as the case now stands and its query code, so an intake system that lost an answer retries safely.
    """
    raw = await request.body()
    application = parse_application(raw, "the request body")
    answer, created = await intake.submit(principal, application)
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"/v1/cases/{answer.id}"
    return answer


@router.get("", response_model=CasePage, summary="List cases (read model), by due date")
async def list_cases(
    principal: CurrentPrincipal,
    stage: Stage | None = None,
    agency: Annotated[str | None, Query(max_length=100)] = None,
    channel: Channel | None = None,
    overdue: bool | None = None,
    due_within: Annotated[int | None, Query(ge=0, le=365, description="Due within N working days.")] = None,
    closed: bool = False,
    attention: bool | None = None,
    awaiting_delivery: Annotated[
        bool | None, Query(description="Cases (open or replied) with documents to post, hand over or send again.")
    ] = None,
    after: Annotated[str | None, Query(max_length=80, description="The 'next' of the previous page.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=listings.MAX_PAGE)] = None,
) -> CasePage:
    """One page of cases sorted by due date (most overdue first, none last) and the total."""
    query = listings.Query(
        stage=stage,
        agency=agency,
        channel=channel,
        overdue=overdue,
        due_within=due_within,
        closed=closed,
        attention=attention,
        awaiting_delivery=awaiting_delivery,
    )
    return await listings.list_cases(query, limit, after)


@router.get("/{case_id}", summary="One case: stage, clock, decision, audit trail (as ogi show --json)")
async def show(
    case_id: CaseId,
    principal: CurrentPrincipal,
    personal: Annotated[bool, Query(description="Include the application with personal data (audited).")] = False,
) -> dict[str, Any]:
    """The case as ``ogi show --json`` prints it; ``personal=true`` adds the application for roles that may see it."""
    return await cases.case_view(principal, case_id, personal=personal)


@router.get(
    "/{case_id}/updates/{update_id}",
    response_model=ActionResult,
    responses={202: {"description": "Still being applied"}},
    summary="The result of an action sent with wait=false",
)
async def update_result(
    case_id: CaseId, update_id: Annotated[str, Path(max_length=120)], principal: CurrentPrincipal
) -> Any:
    """The action's result once applied; 202 while it is still being applied."""
    result = await actions.update_result(case_id, update_id)
    if result is None:
        return JSONResponse({"id": case_id, "update_id": update_id, "status": "pending"}, status_code=202)
    return result


class RemedyBody(BaseModel):
    """A reconsideration or lawsuit result for table 四."""

    model_config = ConfigDict(extra="forbid")

    kind: RemedyKind
    result: RemedyResult
    decided: date | None = None
    """Date of the decision or judgment; none while pending."""


@router.post("/{case_id}/remedies", status_code=201, response_model=RemedyRecord, summary="Record a remedy result")
async def remedy(case_id: CaseId, body: RemedyBody, principal: CurrentPrincipal) -> RemedyRecord:
    """Record a reconsideration or lawsuit result (the latest per case and kind counts in table 四)."""
    return await reports.record_remedy(principal, case_id, body.kind, body.result, body.decided)


class PreviewAnswer(Preview):
    """A dry run: what the action would do; nothing was sent."""

    dry_run: bool = True
    due_moves: int | None = None


def _body_model(name: str, model: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in model.model_fields.items() if n != "by"}
    fields["acted_by"] = (
        str | None,
        Field(None, max_length=64, description="records role: the colleague who took the action (recorded for them)."),
    )
    fields["by"] = (str | None, Field(None, max_length=64, description="Only with OGI_AUTH=off: the claimed actor."))
    title = "".join(part.title() for part in name.split("_")) + "Body"
    return create_model(title, __config__=ConfigDict(extra="forbid"), __doc__=model.__doc__, **fields)


def _caller(principal: Principal, by: str | None) -> Principal:
    """Who acts: the authenticated user; with OGI_AUTH=off, the name the body (or X-Ogi-User) claims."""
    if settings().auth_on:
        if by is not None:
            msg = "'by' is set from your credentials; leave it out (a records user names a colleague with acted_by)"
            raise BadInput(msg, "bad_input.by", field="by")
        return principal
    if by is not None:
        return claimed(by)
    if principal.actor.name == "anonymous":
        raise BadInput(Msg("with OGI_AUTH=off give 'by' (or the X-Ogi-User header): who takes the action"), field="by")
    return principal


def _action_route(name: str, model: type[BaseModel]) -> None:
    body_model = _body_model(name, model)

    async def take(
        case_id: CaseId,
        principal: CurrentPrincipal,
        body: Any,
        dry_run: Annotated[bool, Query(description="Preview only: what the action would do; nothing is sent.")] = False,
        as_of: Annotated[date | None, Query(description="With dry_run: imagine the action on this day.")] = None,
        wait: Annotated[
            bool, Query(description="false: answer 202 once the case accepted it, with a URL to poll.")
        ] = True,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Any:
        data: dict[str, Any] = body.model_dump(mode="json", exclude_none=True)
        acted_by = data.pop("acted_by", None)
        by = data.pop("by", None)
        caller = _caller(principal, by)
        if as_of is not None and not dry_run:
            raise BadInput(Msg("as_of imagines the action on another day, so it needs dry_run=true"), field="as_of")
        if dry_run:
            result = await actions.preview_action(caller, case_id, name, data, acted_by=acted_by, as_of=as_of)
            return PreviewAnswer(**result.model_dump(), due_moves=result.due_moves_by)
        outcome = await actions.perform(
            caller, case_id, name, data, acted_by=acted_by, idempotency_key=idempotency_key, wait=wait
        )
        if isinstance(outcome, actions.Accepted):
            return JSONResponse(outcome.model_dump(), status_code=202, headers={"Location": outcome.poll})
        return outcome

    take.__doc__ = model.__doc__
    # The body's model is made here, per action: given as an object, not a name FastAPI cannot resolve.
    take.__annotations__["body"] = Annotated[body_model, Body()]
    router.add_api_route(
        f"/{{case_id}}/actions/{name}",
        take,
        methods=["POST"],
        response_model=ActionResult | PreviewAnswer,
        responses={202: {"model": actions.Accepted, "description": "Accepted by the case (wait=false)"}},
        summary=(model.__doc__ or name).split("\n")[0],
        name=f"action_{name}",
        tags=["actions"],
    )


for _name, _model in ACTIONS.items():
    _action_route(_name, _model)
