"""The applicant's status lookup (办理进度查询): tracking number + query code, nothing internal.

A wrong code and an unknown case answer identically, so sequential tracking numbers cannot be walked;
failed lookups are logged with the case id and the client, never the code. While no worker answers,
an existing case says "try later" where an unknown one says "no case": that tells only that a
tracking number is in use, which sequential numbers tell anyway; the code guards what the case holds.
"""

from __future__ import annotations

from domain.messages import Msg
from domain.public_status import PublicStatus, public_status
from domain.query_code import code_matches
from infra.i18n import translate
from infra.log import get_logger
from service.cases import fetch_state
from service.errors import BadInput, NotFound, Unavailable

log = get_logger("service.public")

MAX_CODE = 40


def lookup_failed(case_id: str) -> NotFound:
    """The one answer for an unknown case and a wrong code."""
    return NotFound(
        Msg("no case {id} with that query code; check both against the registration receipt", id=case_id[:40]),
        "not_found.case_or_code",
    )


async def status(case_id: str, code: str, client: str = "-") -> PublicStatus:
    """What the applicant may see of a case, only for the right code."""
    if not code or len(code) > MAX_CODE or len(case_id) > MAX_CODE:
        msg = Msg("give the tracking number and the query code from the registration receipt")
        raise BadInput(msg, field="code")
    try:
        state = await fetch_state(case_id)
    except Unavailable:
        msg = Msg("the status of case {id} cannot be checked right now; try again later", id=case_id)

        raise Unavailable(msg) from None
    except NotFound:
        log.info("status.lookup_failed", case_id=case_id[:40], client=client, reason="no such case")
        raise lookup_failed(case_id) from None
    if not code_matches(code, state.query_code_digest):
        log.info("status.lookup_failed", case_id=case_id, client=client, reason="wrong code")
        raise lookup_failed(case_id)
    return public_status(state, say=translate)
