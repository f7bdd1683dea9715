"""``/v1/auth/token`` and ``/v1/me``: sign in with a local account, and who the caller is."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import CurrentPrincipal, client_address
from api.problems import ERRORS
from domain.messages import Msg
from infra import audit_log
from infra.users import LoginFailed
from service.errors import Unauthenticated
from service.identities import DEFAULT_TTL_S, login
from service.rate_limits import RateLimiter

router = APIRouter(prefix="/v1", tags=["identity"], responses=ERRORS)
logins = RateLimiter(capacity=10, per_minute=5, what=Msg("sign-in attempts from this address"))


class Credentials(BaseModel):
    """A local account's name and password."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class TokenAnswer(BaseModel):
    """A bearer token for the API and the ogi command."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class Me(BaseModel):
    """The caller as the service sees them."""

    id: str
    name: str
    roles: list[str]
    agency: str | None = None
    department: str | None = None
    via: str


@router.post("/auth/token", response_model=TokenAnswer, summary="Sign in with a local account")
async def token(request: Request, credentials: Credentials) -> TokenAnswer:
    """A token for a local user's name and password; repeated failures lock the account for a while."""
    logins.take(client_address(request))
    try:
        user, issued = await asyncio.to_thread(login, credentials.username, credentials.password)
    except LoginFailed as exc:
        await asyncio.to_thread(
            audit_log.append,
            "login_failed",
            actor=credentials.username[:64],
            detail={"client": client_address(request)},
        )
        raise Unauthenticated(str(exc), "unauthenticated.login") from None
    await asyncio.to_thread(audit_log.append, "login", actor_id=user.id, actor=user.name, detail={"via": "api"})
    return TokenAnswer(access_token=issued, expires_in=DEFAULT_TTL_S)


@router.get("/me", response_model=Me, summary="The authenticated caller")
async def me(principal: CurrentPrincipal) -> Me:
    """The caller's id, name, roles, agency and department."""
    actor = principal.actor
    return Me(
        id=actor.id,
        name=actor.name,
        roles=sorted(r.value for r in actor.roles or ()),
        agency=actor.agency,
        department=actor.department,
        via=principal.via,
    )
