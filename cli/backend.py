"""Where everyday commands send their requests: ``ogi serve`` over HTTP, or the same API in-process.

With authentication on (the default) the command is a client of ``ogi serve`` (``OGI_API_URL``, token
from ``OGI_TOKEN`` or ``ogi login``): it never imports the Temporal SDK, and the user it acts as is the
token's, verified by the service and again by the worker. With ``OGI_AUTH=off`` (and no ``OGI_API_URL``)
it runs the API application in its own process, acting as the name given with ``--by``. Either way a
command speaks the API: one set of routes, answers and problem codes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.error

TIMEOUT_S = 60.0


class CommandFailed(Exception):
    """A request the service answered with an error (or could not be made): message, code and HTTP status."""

    def __init__(
        self, message: str, code: str, status: int, field: str | None = None, errors: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field
        self.errors = errors or []
        """Every item at fault, where the problem lists them (an import's refused rows)."""

    @property
    def exit_code(self) -> int:
        """2 bad input, 3 unavailable, 1 refused or not found."""
        if self.status in (400, 413, 415, 422):
            return 2
        if self.status == 503:
            return 3
        return 1


def token_file() -> Path:
    """Where ``ogi login`` keeps the token (``$XDG_CONFIG_HOME/ogi/token``, mode 0600)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ogi" / "token"


def stored_token() -> str | None:
    """``OGI_TOKEN``, else the token ``ogi login`` stored."""
    value = os.environ.get("OGI_TOKEN", "").strip()
    if value:
        return value
    try:
        return token_file().read_text("utf-8").strip() or None
    except OSError:
        return None


def auth_on() -> bool:
    """Whether authentication is on (``OGI_AUTH``, default on)."""
    return os.environ.get("OGI_AUTH", "on").strip().lower() != "off"


def api_base() -> str:
    """The URL of ``ogi serve``."""
    url = os.environ.get("OGI_API_URL", "").strip().rstrip("/")
    if url:
        return url
    host = os.environ.get("OGI_API_HOST", "127.0.0.1")
    return f"http://{host}:{os.environ.get('OGI_API_PORT', '8000')}"


def over_http() -> bool:
    """Whether commands go through ``ogi serve``: always with authentication on, or when ``OGI_API_URL`` is set."""
    return auth_on() or bool(os.environ.get("OGI_API_URL", "").strip())


@dataclass
class Answer:
    """A successful answer: its status and body (JSON, or text for CSV; bytes when asked for ``raw``)."""

    status: int
    body: Any


def call(
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    raw: bool = False,
    timeout: float = TIMEOUT_S,
) -> Answer:
    """One request to ``ogi serve``; ``CommandFailed`` with the problem's code for an error answer.

    With ``raw`` a successful answer's body is the bytes as served (a CSV's BOM, an XLSX file).
    """
    # Imported here, not at the top: ``ogi --help`` and the calendar commands load this module too.
    import urllib.error
    import urllib.parse
    import urllib.request

    from infra.i18n import current_lang

    params = {k: _param(v) for k, v in (query or {}).items() if v is not None and v is not False}
    target = path + (("?" + urllib.parse.urlencode(params, doseq=True)) if params else "")
    # The service's words (problems, warnings) come back in the command's language (OGI_LANG).
    sent = {"Accept": "application/json", "Accept-Language": current_lang(), **(headers or {})}
    bearer = token if token is not None else stored_token()
    if bearer and auth_on():
        sent["Authorization"] = f"Bearer {bearer}"
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
    if not over_http():
        return _in_process(method, target, body, sent, raw)
    url = api_base() + target
    request = urllib.request.Request(url, data=body, method=method, headers=sent)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read()
            kind = response.headers.get("Content-Type", "")
            if raw:
                return Answer(response.status, data)
            return Answer(response.status, json.loads(data) if "json" in kind else data.decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise _failure(exc) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        from domain.messages import Msg
        from infra.i18n import translate

        reason = getattr(exc, "reason", exc)
        msg = Msg(
            "cannot reach ogi serve at {url} ({reason}); start it with 'make run' or set OGI_API_URL",
            url=api_base(),
            reason=str(reason),
        )
        raise CommandFailed(translate(msg), "unavailable", 503) from None


_local: Any = None


def _in_process(method: str, target: str, body: bytes | None, headers: dict[str, str], raw: bool = False) -> Answer:
    """The API application run in this process (authentication off): the same routes, without a server."""
    global _local
    if _local is None:
        import warnings

        # Starlette asks test suites to move to another HTTP client; for running the app in-process, it is the one.
        warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
        from fastapi.testclient import TestClient

        from infra.log import configure_logging

        # stdout carries the command's answer alone (one JSON document with --json): every log goes to stderr.
        configure_logging(os.environ.get("OGI_LOG_LEVEL", "WARNING"))

        from api.app import create_app

        _local = TestClient(create_app(), raise_server_exceptions=False)
        _local.__enter__()  # runs until the process exits: one event loop for every request of the command
    response = _local.request(method, target, content=body, headers=headers)
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400:
        problem = response.json() if "json" in kind else {}
        detail = problem.get("detail") or _answered(response.status_code)
        code = problem.get("code") or "error"
        raise CommandFailed(detail, code, response.status_code, problem.get("field"), problem.get("errors"))
    if raw:
        return Answer(response.status_code, response.content)
    return Answer(response.status_code, response.json() if "json" in kind else response.text)


def _param(value: Any) -> str:
    if value is True:
        return "true"
    return str(value)


def _failure(exc: urllib.error.HTTPError) -> CommandFailed:
    try:
        problem = json.loads(exc.read())
    except (ValueError, OSError):
        problem = {}
    from domain.messages import Msg
    from infra.i18n import translate

    detail = problem.get("detail") or _answered(exc.code)
    code = problem.get("code") or "error"
    if exc.code == 401:
        hint = Msg("{detail}; set OGI_TOKEN (ogi token issue --user NAME) or run 'ogi login'", detail=detail)
        detail = translate(hint)
    return CommandFailed(detail, code, exc.code, problem.get("field"), problem.get("errors"))


def _answered(status: int) -> str:
    from domain.messages import Msg
    from infra.i18n import translate

    return translate(Msg("ogi serve answered {status}", status=str(status)))
