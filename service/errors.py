"""The service's errors: each has a stable ``code`` and the HTTP status it maps to (RFC 9457 problem types).

The CLI's ``--json`` errors carry the same ``code``, and its exit code follows from the status:
400/413/422 are bad input (exit 2), 401/403/404/409/429 refused (exit 1), 503 unavailable (exit 3).
"""

from __future__ import annotations

from domain.errors import OgiError
from domain.messages import Text


class ServiceError(OgiError):
    """An error a caller can act on: ``code`` (stable), ``status`` (HTTP), the message says what to do.

    The message is a ``Msg`` the API and the CLI say in the reader's language; the code never changes with it.
    """

    status = 400
    default_code = "bad_input"

    def __init__(self, message: Text, code: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.field = field


class BadInput(ServiceError):
    """The request itself is malformed: a field missing, of the wrong form, or out of bounds."""

    status = 422
    default_code = "bad_input"


class TooLarge(ServiceError):
    """The request is larger than a limit allows."""

    status = 413
    default_code = "bad_input.too_large"


class Unauthenticated(ServiceError):
    """No valid credentials: a missing, expired, forged or unknown token."""

    status = 401
    default_code = "unauthenticated"


class Forbidden(ServiceError):
    """Authenticated, but the user's roles do not allow this."""

    status = 403
    default_code = "forbidden"


class NotFound(ServiceError):
    """No such case (or, for the public status page, no case with that code)."""

    status = 404
    default_code = "not_found"


class Refused(ServiceError):
    """The case refuses the action as it stands (wrong stage, four-eyes, out of time, ...)."""

    status = 409
    default_code = "refused"


class RateLimited(ServiceError):
    """Too many requests from this client or for this case; try again later."""

    status = 429
    default_code = "rate_limited"


class Unavailable(ServiceError):
    """Temporal or the worker did not answer: nothing is wrong with the request; try again."""

    status = 503
    default_code = "unavailable"


STATUS_OF_PREFIX = {
    "bad_input": BadInput,
    "forbidden": Forbidden,
    "refused": Refused,
    "unauthenticated": Unauthenticated,
}


def from_code(code: str, message: Text) -> ServiceError:
    """The error class a refusal code (e.g. ``refused.four_eyes``, ``forbidden.role``) belongs to."""
    kind = STATUS_OF_PREFIX.get(code.split(".", 1)[0], Refused)
    return kind(message, code)
