"""How the applicant pages reach intake: in process (the embedded default), or over HTTP from the internet zone.

``ogi serve`` calls ``service.portal`` directly. ``ogi serve --public`` has no Temporal and no store:
it calls the internal ``ogi serve`` at ``OGI_INTERNAL_API_URL`` on ``/v1/portal/*`` with the shared
service token ``OGI_PORTAL_TOKEN``, and a problem+json answer becomes the same service error here.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from domain.messages import Msg
from domain.public_status import PublicStatus
from infra.i18n import current_lang
from infra.settings import settings
from service import portal
from service.attachments import Attachment
from service.errors import (
    BadInput,
    Forbidden,
    NotFound,
    RateLimited,
    Refused,
    ServiceError,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from service.intake import SubmitAnswer
from service.portal import OnlineApplication

_BY_STATUS: dict[int, type[ServiceError]] = {
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Refused,
    413: TooLarge,
    422: BadInput,
    429: RateLimited,
}


class PortalBackend(Protocol):
    """What the applicant pages need from intake."""

    async def submit(self, form: OnlineApplication, client: str) -> SubmitAnswer:
        """Register the form."""
        ...

    async def status(self, case_id: str, code: str, client: str) -> PublicStatus:
        """The applicant's view of a case."""
        ...

    async def attach(self, case_id: str, code: str, kind: str, data: bytes, client: str) -> Attachment:
        """Store an attachment for the case the code opens."""
        ...


class LocalPortal:
    """Intake in this process (``ogi serve`` with Temporal and the store at hand)."""

    async def submit(self, form: OnlineApplication, client: str) -> SubmitAnswer:
        """Register the form as the portal's intake user."""
        return await portal.submit(form)

    async def status(self, case_id: str, code: str, client: str) -> PublicStatus:
        """The applicant's view."""
        return await portal.status(case_id, code, client)

    async def attach(self, case_id: str, code: str, kind: str, data: bytes, client: str) -> Attachment:
        """Store an attachment."""
        return await portal.attach(case_id, code, kind, data, client)


class RemotePortal:
    """Intake over HTTP: the internal ``ogi serve``'s ``/v1/portal`` routes, with the service token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base, headers=self._headers, timeout=60)
        return self._client

    async def _call(self, method: str, path: str, client: str, **kwargs: Any) -> Any:
        try:
            # The internal service answers in the page's language (its words reach the applicant as they are).
            headers = {"X-Ogi-Client": client[:64], "Accept-Language": current_lang()}
            answer = await self._http().request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            msg = Msg("the internal service did not answer ({detail})", detail=type(exc).__name__)
            raise Unavailable(msg) from None

        if answer.status_code < 300:
            return answer.json()
        try:
            problem = answer.json()
        except ValueError:
            problem = {}
        kind = _BY_STATUS.get(answer.status_code, Unavailable)
        raise kind(str(problem.get("detail", answer.reason_phrase)), problem.get("code"), field=problem.get("field"))

    async def submit(self, form: OnlineApplication, client: str) -> SubmitAnswer:
        """POST /v1/portal/applications."""
        data = await self._call("POST", "/v1/portal/applications", client, json=form.model_dump())
        return SubmitAnswer.model_validate(data)

    async def status(self, case_id: str, code: str, client: str) -> PublicStatus:
        """GET /v1/portal/status/{id}."""
        data = await self._call("GET", f"/v1/portal/status/{case_id}", client, params={"code": code})
        return PublicStatus.model_validate(data)

    async def attach(self, case_id: str, code: str, kind: str, data: bytes, client: str) -> Attachment:
        """POST /v1/portal/cases/{id}/attachments (multipart)."""
        answer = await self._call(
            "POST",
            f"/v1/portal/cases/{case_id}/attachments",
            client,
            data={"code": code, "kind": kind},
            files={"file": ("upload", data, "application/octet-stream")},
        )
        return Attachment.model_validate(answer)


_remote: RemotePortal | None = None


def backend() -> PortalBackend:
    """The internal service over HTTP when ``OGI_INTERNAL_API_URL`` is set, else intake in this process."""
    global _remote
    s = settings()
    if s.internal_api_url:
        token = s.portal_token.get_secret_value() if s.portal_token else ""
        if _remote is None or _remote.base != s.internal_api_url:
            _remote = RemotePortal(s.internal_api_url, token)
        return _remote
    return LocalPortal()
