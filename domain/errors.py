"""The typed errors of ogi, each with a message a clerk can act on."""

from __future__ import annotations


class OgiError(ValueError):
    """Base of every error ogi reports to a user."""


class Unavailable(OgiError):
    """Temporal or the worker did not answer in time: nothing is wrong with the request; try again."""


class ApplicationRejected(OgiError):
    """An application cannot be registered as it stands; the message says what to fix."""


class ActionNotAllowed(OgiError):
    """A reviewer action is refused: wrong stage, wrong person, out of time or malformed.

    ``code`` is the stable reason callers branch on (the API's problem ``code``): ``refused.wrong_stage``,
    ``refused.closed``, ``refused.four_eyes``, ``refused.out_of_time``, ``refused.once``,
    ``forbidden.role``, ``bad_input.date``, ``bad_input`` or plain ``refused``.
    """

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


class MalformedAction(ActionNotAllowed):
    """An action's input is malformed (a field missing, empty or of the wrong form), whatever the case."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, "bad_input")
        self.field = field


class DuplicateApplication(OgiError):
    """An application with the same external reference is already registered."""

    def __init__(self, external_ref: str, case_id: str, query_code: str | None = None) -> None:
        # The intake system that sent this reference may have lost the first answer (a timeout): it gets
        # the applicant's query code again, since only it can send the same reference.
        code = f" (the applicant's query code: {query_code})" if query_code else ""
        super().__init__(
            f"an application with external_ref '{external_ref}' is already registered as case {case_id}{code}; "
            f"use 'ogi show {case_id}' instead of submitting again"
        )
        self.external_ref = external_ref
        self.case_id = case_id
        self.query_code = query_code
