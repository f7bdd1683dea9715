"""The service's Temporal client: one per process, and the interceptor that signs each action's actor.

A call made inside ``acting_as(actor)`` carries the actor's signed assertion in a header: on every
action Update and on every case start. The user's bearer token never goes to Temporal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporalio.converter import PayloadConverter

from domain.actor import Actor
from infra.assertions import HEADER, sign_assertion
from infra.connection import client_options, connect_config, data_converter, describe_connect_error
from infra.settings import settings
from service.errors import Unavailable

_acting: ContextVar[Actor | None] = ContextVar("ogi_acting_actor", default=None)

REGISTER = "register"
"""The action a case start's assertion is bound to (``workflows.actors`` checks it)."""


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    """Temporal calls made inside carry ``actor``'s signed assertion (when authentication is on)."""
    reset = _acting.set(actor if settings().auth_on else None)
    try:
        yield
    finally:
        _acting.reset(reset)


def _header(token: str) -> Any:
    return PayloadConverter.default.to_payload(token)


class _SigningOutbound(OutboundInterceptor):
    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        actor = _acting.get()
        if actor is not None:
            token = sign_assertion(
                actor,
                workflow_id=input.id,
                action=input.update,
                update_id=input.update_id or "",
                payload=input.args[0] if input.args else None,
            )
            input.headers = {**input.headers, HEADER: _header(token)}
        return await super().start_workflow_update(input)

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        actor = _acting.get()
        if actor is not None:
            arg = input.args[0] if input.args else None
            payload = arg.model_dump(mode="json") if isinstance(arg, BaseModel) else arg
            token = sign_assertion(actor, workflow_id=input.id, action=REGISTER, update_id="", payload=payload)
            input.headers = {**input.headers, HEADER: _header(token)}
        return await super().start_workflow(input)


class SigningInterceptor(Interceptor):
    """Adds the acting user's signed assertion to action Updates and case starts."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        """Wrap the client's outbound calls."""
        return _SigningOutbound(next)


_clients: dict[tuple[str, str, int], Client] = {}
_given: ContextVar[Client | None] = ContextVar("ogi_given_client", default=None)


@contextmanager
def using(given: Client) -> Iterator[None]:
    """Service calls made inside use ``given`` (a test environment's client) instead of connecting."""
    reset = _given.set(given)
    try:
        yield
    finally:
        _given.reset(reset)


async def client() -> Client:
    """The process's Temporal client, connected on first use; ``Unavailable`` if Temporal cannot be reached.

    One per configured address and namespace (and event loop): the SDK's advice is one long-lived client.
    """
    given = _given.get()
    if given is not None:
        return given
    config = connect_config()
    key = (str(config.get("target_host")), str(config.get("namespace")), id(asyncio.get_running_loop()))
    found = _clients.get(key)
    if found is not None:
        return found
    try:
        connected = await asyncio.wait_for(
            Client.connect(**client_options(), data_converter=data_converter(), interceptors=[SigningInterceptor()]),
            timeout=10,
        )
    except (RuntimeError, OSError, TimeoutError) as exc:
        msg = (
            f"cannot reach Temporal at {config.get('target_host')} ({describe_connect_error(exc)}); "
            "start it with 'make run' or set TEMPORAL_ADDRESS"
        )
        raise Unavailable(msg) from None
    return _clients.setdefault(key, connected)


def forget_clients() -> None:
    """Drop the process's clients (tests that start a new server; after a change of address)."""
    _clients.clear()
