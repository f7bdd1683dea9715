"""The reply to the applicant (政府信息公开申请答复书) as plain text, from the final decision.

The words are ``domain.documents``': Art 36 says what each outcome's reply must contain; every reply
that withholds anything states the legal basis and the remedies, and since 2024-01-01 a refusal to
disclose must go to administrative reconsideration first (行政复议法 2023, Art 23).
"""

from __future__ import annotations

from datetime import date

from domain.application import Application
from domain.case import CasePolicy, Decision
from domain.config import RemedyRules
from domain.documents import DocumentInput, DocumentKind, regulation_for_profile, remedies_paragraph, reply_text
from domain.outcomes import Outcome

RECONSIDERATION_FIRST_FROM = RemedyRules().reconsideration_first_from


def remedies_text(outcome: Outcome, reply_date: date, reconsideration_body: str) -> str:
    """The remedies paragraph (救济途径告知) under the default rules; empty when nothing is withheld."""
    return remedies_paragraph(outcome, reply_date, reconsideration_body) or ""


def render_reply(
    case_id: str,
    application: Application,
    decision: Decision,
    policy: CasePolicy,
    received: date | None,
    reply_date: date,
    number: str | None = None,
) -> str:
    """The full text of the reply letter for the final decision (``number``: its 文号, when allocated)."""
    inp = DocumentInput(
        kind=DocumentKind.REPLY,
        case_id=case_id,
        agency=application.agency,
        issued_on=reply_date,
        regulation=regulation_for_profile(policy.profile),
        number=number,
        applicant_name=application.applicant.name,
        description=application.description,
        # A case still awaiting confirmation has no receipt date; the registration day stands in for it.
        received=received or reply_date,
        channel=application.channel,
        outcome=decision.outcome,
        reasons=list(decision.reasons),
        access=decision.access,
        refer_to=decision.refer_to,
        reconsideration_body=policy.reconsideration_body,
        max_description_chars=200,
    )
    return reply_text(inp)
