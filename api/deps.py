"""Request dependencies: the authenticated caller, and the client's address for rate limits."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Header, Request

from domain.messages import Msg
from infra.settings import settings
from service.errors import Unauthenticated
from service.identities import Principal, authenticate, claimed

ANONYMOUS = "anonymous"


async def current_principal(
    authorization: Annotated[str | None, Header(description="Bearer token (ogi token issue, ogi login).")] = None,
    x_ogi_user: Annotated[
        str | None, Header(description="Only with OGI_AUTH=off: the user name the caller claims to be.")
    ] = None,
) -> Principal:
    """The caller: the user of the bearer token, or (authentication off) the claimed name."""
    if not settings().auth_on:
        return claimed(x_ogi_user or ANONYMOUS)
    if not authorization:
        raise Unauthenticated(
            Msg("no bearer token: send 'Authorization: Bearer <token>' (ogi token issue, or ogi login)")
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(Msg("the Authorization header must be 'Bearer <token>'"))
    return await asyncio.to_thread(authenticate, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request) -> str:
    """The client's address (the proxy's, unless the server is told to trust forwarded headers)."""
    return request.client.host if request.client else "-"
