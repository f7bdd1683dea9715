"""The worker's check of who acts: a workflow interceptor over every action Update and every case start.

With authentication on, an action's Update validator first verifies the signed assertion in its
header (signature, binding to this case, action, Update id and payload, expiry against
``workflow.now()``); the verified actor then goes to the case's own checks (role, four-eyes). The
handler reads the actor from the recorded header without verifying it again: validators do not run on
replay, so rotating keys never breaks a running case. A case start must carry the registering user's
assertion too, so Temporal access alone cannot make a case. With it off, the claimed ``by`` acts.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

with workflow.unsafe.imports_passed_through():
    from domain.actions import ACTIONS
    from domain.actor import Actor
    from domain.config import Role
    from infra.assertions import HEADER, AssertionRefused, Verifier, recorded_actor
    from infra.refusal_log import refusal_log

current_actor: ContextVar[Actor | None] = ContextVar("ogi_current_actor", default=None)
"""The actor of the action being validated or handled (None: the claimed ``by`` acts)."""

REGISTER = "register"
"""The action name a case start's assertion is bound to."""
_RETRY_LATER = frozenset({"no_keys", "unknown_key"})
"""Refusals a worker whose key file is a moment behind the service's would make: retried, never final."""


def _token(headers: Mapping[str, Payload]) -> str | None:
    payload = headers.get(HEADER)
    if payload is None:
        return None
    value = workflow.payload_converter().from_payload(payload, str)
    return value if isinstance(value, str) else None


def refusal(exc: AssertionRefused) -> ApplicationError:
    """The Update failure a caller sees for an unverifiable actor."""
    kind = "Unauthenticated" if exc.code in ("unauthenticated", "expired") else "Forbidden"
    return ApplicationError(str(exc), exc.code, type=kind, non_retryable=True)


class ActorInterceptor(Interceptor):
    """Gives every case workflow the verified actor of each action (and refuses what cannot be verified)."""

    def __init__(self, verifier: Verifier | None) -> None:
        self.verifier = verifier
        """None: authentication is off and the claimed names act (``OGI_AUTH=off``)."""

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        """The inbound interceptor class, bound to this worker's verifier."""
        verifier = self.verifier

        class _Inbound(WorkflowInboundInterceptor):
            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                # Checked on the first run only: replay (and key rotation since) never re-judges a start.
                if verifier is not None and not workflow.unsafe.is_replaying():
                    _check_start(verifier, input)
                return await self.next.execute_workflow(input)

            def handle_update_validator(self, input: HandleUpdateInput) -> None:
                if input.update not in ACTIONS:
                    self.next.handle_update_validator(input)
                    return
                actor: Actor | None = None
                if verifier is not None:
                    info = workflow.info()
                    try:
                        actor = verifier.verify(
                            _token(input.headers),
                            workflow_id=info.workflow_id,
                            action=input.update,
                            update_id=input.id,
                            payload=input.args[0] if input.args else None,
                            now=workflow.now(),
                        )
                    except AssertionRefused as exc:
                        refusal_log.note(info.workflow_id, input.update, exc.code)
                        raise refusal(exc) from None
                reset = current_actor.set(actor)
                try:
                    self.next.handle_update_validator(input)
                finally:
                    current_actor.reset(reset)

            async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
                token = _token(input.headers) if input.update in ACTIONS else None
                reset = current_actor.set(recorded_actor(token) if token else None)
                try:
                    return await self.next.handle_update_handler(input)
                finally:
                    current_actor.reset(reset)

        return _Inbound


def _check_start(verifier: Verifier, input: ExecuteWorkflowInput) -> None:
    info = workflow.info()
    arg: Any = input.args[0] if input.args else None
    payload = arg.model_dump(mode="json") if isinstance(arg, BaseModel) else arg
    try:
        actor = verifier.verify(
            _token(input.headers),
            workflow_id=info.workflow_id,
            action=REGISTER,
            update_id="",
            payload=payload,
            now=workflow.now(),
        )
    except AssertionRefused as exc:
        refusal_log.note(info.workflow_id, REGISTER, exc.code)
        if exc.code in _RETRY_LATER:
            # A plain exception fails the workflow task, which Temporal retries: by then the key is read.
            raise RuntimeError(str(exc)) from None
        raise refusal(exc) from None
    if not actor.has(Role.INTAKE):
        msg = f"{actor.name} may not register applications: that needs the role 'intake'"
        raise ApplicationError(msg, "forbidden", type="Forbidden", non_retryable=True)
