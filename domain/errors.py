"""The typed errors of ogi, each with a message a clerk can act on (said in the reader's language at the edge)."""

from __future__ import annotations

from domain.messages import Msg, Text


class OgiError(ValueError):
    """Base of every error ogi reports to a user.

    ``message`` is a ``Msg`` (translated where it is shown) or, for text not yet in the catalogs, a
    string; ``str(error)`` is the English sentence that logs and the audit trail keep.
    """

    def __init__(self, message: Text = "") -> None:
        super().__init__(str(message))
        self.message: Text = message


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

    def __init__(self, message: Text, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


class MalformedAction(ActionNotAllowed):
    """An action's input is malformed (a field missing, empty or of the wrong form), whatever the case."""

    def __init__(self, message: Text, field: str) -> None:
        super().__init__(message, "bad_input")
        self.field = field


class DuplicateApplication(OgiError):
    """An application with the same external reference is already registered."""

    def __init__(self, external_ref: str, case_id: str, query_code: str | None = None) -> None:
        # The intake system that sent this reference may have lost the first answer (a timeout): it gets
        # the applicant's query code again, since only it can send the same reference.
        if query_code:
            message = Msg(
                "an application with external_ref '{ref}' is already registered as case {id} (the applicant's "
                "query code: {code}); use 'ogi show {id}' instead of submitting again",
                ref=external_ref,
                id=case_id,
                code=query_code,
            )
        else:
            message = Msg(
                "an application with external_ref '{ref}' is already registered as case {id}; "
                "use 'ogi show {id}' instead of submitting again",
                ref=external_ref,
                id=case_id,
            )
        super().__init__(message)
        self.external_ref = external_ref
        self.case_id = case_id
        self.query_code = query_code
