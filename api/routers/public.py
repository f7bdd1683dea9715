"""``/v1/public/status/{id}``: the applicant's status lookup, without an account, rate-limited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import client_address
from api.problems import ERRORS
from domain.messages import Msg
from domain.public_status import PublicStatus
from service import public
from service.rate_limits import RateLimiter

router = APIRouter(prefix="/v1/public", tags=["public"], responses=ERRORS)

per_client = RateLimiter(capacity=20, per_minute=10, what=Msg("status lookups from this address"))
per_case = RateLimiter(capacity=10, per_minute=5, what=Msg("status lookups of this case"))


@router.get(
    "/status/{case_id}",
    response_model=PublicStatus,
    summary="What the applicant may see of a case (办理进度查询)",
    responses={404: {"description": "No case with that tracking number and code (the same answer for both)"}},
)
async def status(
    request: Request,
    case_id: Annotated[str, Path(max_length=40)],
    code: Annotated[str, Query(max_length=40, description="The query code (查询码).")],
) -> PublicStatus:
    """Stage, due date, what the clock waits for and the outcome; a wrong code reads like an unknown case."""
    client = client_address(request)
    per_client.take(client)
    per_case.take(case_id)
    return await public.status(case_id, code, client)
