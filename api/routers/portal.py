"""``/v1/portal/*``: what ``ogi serve --public`` in the internet zone may ask of the internal service, and no more.

Opened by the shared service token (``OGI_PORTAL_TOKEN``), not by a user's token: a stolen one can
register online applications (as the portal's intake user, channel online, awaiting confirmation),
look up a status with its query code and attach files to the case that code opens; nothing else.
Without the setting the routes answer 404. The portal passes its client's address for the logs.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, UploadFile

from api.problems import ERRORS
from domain.messages import Msg
from domain.public_status import PublicStatus
from infra.settings import settings
from service import portal
from service.attachments import Attachment
from service.errors import NotFound, TooLarge, Unauthenticated
from service.intake import SubmitAnswer
from service.portal import OnlineApplication

router = APIRouter(prefix="/v1/portal", tags=["public"], responses=ERRORS)


def portal_caller(
    authorization: Annotated[str | None, Header(description="Bearer OGI_PORTAL_TOKEN.")] = None,
    x_ogi_client: Annotated[str | None, Header(max_length=64, description="The applicant's address.")] = None,
) -> str:
    """Let the portal in by its service token; the applicant's address it forwards (for logs and limits)."""
    secret = settings().portal_token
    if secret is None:
        raise NotFound(Msg("no such route"), "not_found")
    scheme, _, token = (authorization or "").partition(" ")
    expected = secret.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthenticated(Msg("the portal's service token is missing or wrong"), "unauthenticated.portal")
    return (x_ogi_client or "-")[:64]


PortalClient = Annotated[str, Depends(portal_caller)]


@router.post("/applications", status_code=201, response_model=SubmitAnswer, summary="Register an online application")
async def apply(form: OnlineApplication, client: PortalClient) -> SubmitAnswer:
    """The online form, registered as the portal's intake user (online, awaiting confirmation of receipt)."""
    return await portal.submit(form)


@router.get("/status/{case_id}", response_model=PublicStatus, summary="The applicant's status lookup")
async def status(
    case_id: Annotated[str, Path(max_length=40)],
    code: Annotated[str, Query(min_length=1, max_length=40)],
    client: PortalClient,
) -> PublicStatus:
    """As ``/v1/public/status``; the portal limits its own clients' rate."""
    return await portal.status(case_id, code, client)


@router.post("/cases/{case_id}/attachments", status_code=201, response_model=Attachment, summary="Attach a file")
async def attach(
    case_id: Annotated[str, Path(max_length=40)],
    code: Annotated[str, Form(min_length=1, max_length=40)],
    kind: Annotated[str, Form(max_length=40)],
    file: Annotated[UploadFile, File()],
    client: PortalClient,
) -> Attachment:
    """An attachment to the case the query code opens."""
    data = await read_limited(file)
    return await portal.attach(case_id, code, kind, data, client)


async def read_limited(file: UploadFile) -> bytes:
    """An upload's bytes, refused as soon as it is larger than attachments may be."""
    limit = settings().attachment_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            Msg("the file is larger than the {limit:,} bytes allowed", limit=limit), "bad_input.attachment_size"
        )
    return data
