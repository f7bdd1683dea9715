"""The facts of a document taken from the case as it stands: what the workflow passes to ``issue_document``.

Pure: the case state, the application, the policy the case runs under and the agency's configuration go
in; a ``DocumentInput`` comes out, with every date from the case's own clock (never today's calendar).
"""

from __future__ import annotations

from datetime import date

from domain.application import Application
from domain.case import CasePolicy, CaseState, Decision
from domain.config import Agency, RemedyRules
from domain.documents import DocumentInput, DocumentInputError, DocumentKind, regulation_for_profile
from domain.fees import FeeMethod
from domain.vocabulary import Delivery


def _common(
    kind: DocumentKind,
    state: CaseState,
    application: Application,
    policy: CasePolicy,
    issued_on: date,
    agency: Agency | None,
    remedies: RemedyRules | None,
) -> dict[str, object]:
    return {
        "kind": kind,
        "case_id": state.id,
        "agency": application.agency,
        "issued_on": issued_on,
        "regulation": regulation_for_profile(policy.profile),
        "applicant_name": application.applicant.name,
        "description": application.description,
        "received": state.received,
        "channel": application.channel,
        # The agency's current configuration names the body; the case's snapshot is the fallback.
        "reconsideration_body": agency.reconsideration_body if agency else policy.reconsideration_body,
        "remedy_rules": remedies or RemedyRules(),
        "contact": agency.contact if agency else None,
    }


def notice_input(
    kind: DocumentKind,
    state: CaseState,
    application: Application,
    policy: CasePolicy,
    issued_on: date,
    *,
    subject: str | None = None,
    agency: Agency | None = None,
    remedies: RemedyRules | None = None,
) -> DocumentInput:
    """The input of a notice of ``kind`` for the case now (``subject``: the consultation's id for a letter).

    A notice whose facts the case does not hold yet (an extension notice before the extension) is a
    ``DocumentInputError`` naming what is missing.
    """
    fields = _common(kind, state, application, policy, issued_on, agency, remedies)
    view = state.clock_view
    if kind is DocumentKind.ACKNOWLEDGEMENT:
        fields |= {"due": view.due if view else None, "reply_days": policy.rules.reply_days}
    elif kind is DocumentKind.CORRECTION_NOTICE and state.correction is not None:
        corr = state.correction
        fields |= {
            "correction_items": list(corr.items),
            "correction_period_days": corr.period_days,
            "correction_deadline": corr.respond_by.due if corr.respond_by else None,
        }
    elif kind is DocumentKind.EXTENSION_NOTICE and state.extension is not None:
        fields |= {
            "extension_days": state.extension.days,
            "extension_reason": state.extension.reason,
            "new_due": view.due if view else None,
        }
    elif kind is DocumentKind.LONGER_PERIOD_NOTICE and state.longer_period is not None:
        fields |= {
            "extension_days": state.longer_period.days,
            "extension_reason": state.longer_period.reason,
            "new_due": view.due if view else None,
        }
    elif kind is DocumentKind.CONSULTATION_LETTER:
        found = [c for c in state.consultations if c.id == subject]
        if not found:
            msg = f"case {state.id} has no consultation {subject!r} to write a letter for"
            raise DocumentInputError(msg)
        consultation = found[0]
        fields |= {
            "consultation_kind": consultation.kind,
            "consultation_party": consultation.party,
            "consultation_answer_by": consultation.answer_by.due if consultation.answer_by else None,
            "consultation_days": policy.rules.consultation_days,
        }
    elif kind is DocumentKind.FEE_NOTICE and state.fee is not None:
        fee = state.fee
        fields |= {
            "fee_amount": fee.amount,
            "fee_method": FeeMethod(fee.method),
            "fee_quantity": fee.quantity,
            "fee_pay_by": fee.pay_by.due if fee.pay_by else None,
            "fee_payment_days": policy.rules.fee_payment_days,
            "fee_pauses_clock": policy.rules.fee_pauses_clock,
        }
    elif kind is DocumentKind.REFERRAL_NOTICE and state.decision is not None:
        fields |= {"refer_to": state.decision.refer_to}
    return DocumentInput.model_validate(fields)


def reply_input(
    state: CaseState,
    application: Application,
    decision: Decision,
    policy: CasePolicy,
    reply_date: date,
    *,
    earlier_reply_number: str | None = None,
    earlier_reply_date: date | None = None,
    refer_to_contact: str | None = None,
    agency: Agency | None = None,
    remedies: RemedyRules | None = None,
) -> DocumentInput:
    """The input of the reply (答复书) to the final decision.

    For a repeated request (Art 36(6)) pass the earlier reply's number and date
    (``infra.document_numbers.latest_reply(state.same_content_as)``).
    """
    fields = _common(DocumentKind.REPLY, state, application, policy, reply_date, agency, remedies)
    fields |= {
        "outcome": decision.outcome,
        "reasons": list(decision.reasons),
        "access": decision.access,
        "refer_to": decision.refer_to,
        "refer_to_contact": refer_to_contact,
        "earlier_reply_number": earlier_reply_number,
        "earlier_reply_date": earlier_reply_date,
        "correction_requested_on": state.correction.requested_on if state.correction else None,
        "fee_notice_on": state.fee.issued if state.fee else None,
    }
    return DocumentInput.model_validate(fields)


def service_receipt_input(
    state: CaseState,
    application: Application,
    policy: CasePolicy,
    issued_on: date,
    *,
    served_title: str,
    served_number: str | None,
    agency: Agency | None = None,
) -> DocumentInput:
    """The input of the service receipt (送达回证) of a document sent to the applicant."""
    fields = _common(DocumentKind.SERVICE_RECEIPT, state, application, policy, issued_on, agency, None)
    address = {
        Delivery.EMAIL: application.email,
        Delivery.FAX: application.fax,
    }.get(application.delivery, application.applicant.address)
    fields |= {
        "served_title": served_title,
        "served_number": served_number,
        "delivery": application.delivery,
        "delivery_address": address,
    }
    return DocumentInput.model_validate(fields)
