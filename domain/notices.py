"""Notices to the applicant and to consulted parties (告知书), rendered from editable templates.

Templates are data: ``domain/data/templates/<kind>.txt`` ship the defaults with their legal
basis; an agency overrides one by placing a file of the same name in its templates directory.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from string import Template

from domain.application import Application
from domain.case import CasePolicy, CaseState
from domain.errors import OgiError
from domain.fees import FeeMethod, fee_basis


class NoticeKind(StrEnum):
    """The notices a case may send, each named after its template file."""

    CORRECTION = "correction"  # 补正告知书, Art 30
    EXTENSION = "extension"  # 延期答复告知书, Art 33 ¶2
    CONSULTATION = "consultation"  # 征求意见函, Arts 32 and 34
    FEE = "fee"  # 收费通知书, 国办函〔2020〕109号
    LONGER_PERIOD = "longer_period"  # 延迟答复告知书, Art 35


TITLES: dict[NoticeKind, str] = {
    NoticeKind.CORRECTION: "补正告知书",
    NoticeKind.EXTENSION: "延期答复告知书",
    NoticeKind.CONSULTATION: "征求意见函",
    NoticeKind.FEE: "收费通知书",
    NoticeKind.LONGER_PERIOD: "延迟答复告知书",
}


def template_text(kind: NoticeKind, override_dir: Path | None = None) -> str:
    """The template for a notice: the agency's own if it has one, else the shipped default."""
    if override_dir is not None:
        custom = override_dir / f"{kind.value}.txt"
        if custom.is_file():
            return custom.read_text("utf-8")
    return resources.files("domain").joinpath(f"data/templates/{kind.value}.txt").read_text("utf-8")


def render_notice(kind: NoticeKind, fields: dict[str, str], override_dir: Path | None = None) -> str:
    """Fill a notice template; a placeholder without a value is an error naming it, never a blank."""
    text = template_text(kind, override_dir)
    try:
        return Template(text).substitute(fields)
    except KeyError as exc:
        msg = f"notice template '{kind.value}' uses ${exc.args[0]}, which this notice does not provide"
        raise OgiError(msg) from None
    except ValueError as exc:
        msg = f"notice template '{kind.value}' is malformed: {exc}"
        raise OgiError(msg) from None


def notice_fields(
    kind: NoticeKind,
    state: CaseState,
    application: Application,
    policy: CasePolicy,
    today: date,
    subject: str | None = None,
) -> dict[str, str]:
    """The values a notice of this kind is filled with, from the case as it now stands.

    ``subject`` names the consultation a consultation letter is for.
    """
    description = (
        application.description if len(application.description) <= 200 else application.description[:200] + "……"
    )
    fields = {
        "agency": application.agency,
        "case_id": state.id,
        "applicant": application.applicant.name,
        "received": state.received.isoformat() if state.received else "",
        "description": description,
        "date": today.isoformat(),
    }
    view = state.clock_view
    if kind is NoticeKind.CORRECTION and state.correction is not None:
        corr = state.correction
        fields |= {
            "items": "\n".join(f"{i}. {item}" for i, item in enumerate(corr.items, 1)),
            "period_days": str(corr.period_days),
            "deadline": corr.respond_by.due.isoformat() if corr.respond_by else "",
        }
    elif kind is NoticeKind.EXTENSION and state.extension is not None:
        fields |= {
            "reason": state.extension.reason,
            "days": str(state.extension.days),
            "new_due": view.due.isoformat() if view else "",
        }
    elif kind is NoticeKind.LONGER_PERIOD and state.longer_period is not None:
        fields |= {
            "reason": state.longer_period.reason,
            "days": str(state.longer_period.days),
            "new_due": view.due.isoformat() if view else "",
        }
    elif kind is NoticeKind.CONSULTATION:
        consultation = next(c for c in state.consultations if c.id == subject)
        third = consultation.kind == "third_party"
        fields |= {
            "party": consultation.party,
            "consultation_id": consultation.id,
            "article": "第三十二条" if third else "第三十四条",
            "answer_by": consultation.answer_by.due.isoformat() if consultation.answer_by else "",
            "silence_rule": (
                "逾期未提出意见的，由本机关依照条例的规定决定是否公开。"
                if third
                else "逾期未提出意见的，视为同意公开。"
            ),
        }
    elif kind is NoticeKind.FEE and state.fee is not None:
        fee = state.fee
        fields |= {
            "basis": fee_basis(FeeMethod(fee.method), fee.quantity),
            "amount": f"{fee.amount:,}",
            "pay_by": fee.pay_by.due.isoformat() if fee.pay_by else "",
            "pay_days": str(policy.rules.fee_payment_days),
            "pause_rule": "缴费期间不计入答复期限。" if policy.rules.fee_pauses_clock else "",
        }
    return fields
