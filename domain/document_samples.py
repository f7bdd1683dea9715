"""Sample inputs for every document kind, outcome and reason, under both versions of the Regulations.

``ogi templates check`` renders an agency's templates with every one of them, and the tests render the
shipped ones, so a template that breaks on some outcome is caught when installed, not on the day it is due.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.documents import DocumentInput, DocumentKind
from domain.fees import FeeMethod
from domain.legal_texts import Regulation
from domain.outcomes import REASONS, Outcome, Reason
from domain.vocabulary import Channel, Delivery

SAMPLE_AGENCY = "六安市民政局"
SAMPLE_NUMBER = "六民依申请〔2026〕12号"

_COMMON: dict[str, Any] = {
    "case_id": "LAMZ-2026-000042",
    "agency": SAMPLE_AGENCY,
    "issued_on": date(2026, 12, 1),
    "number": SAMPLE_NUMBER,
    "applicant_name": "张三",
    "description": "2025年度城乡最低生活保障资金发放情况",
    "received": date(2026, 11, 2),
    "channel": Channel.ONLINE,
    "reconsideration_body": "六安市人民政府",
    "contact": "联系人：李四；联系电话：0564-3371234",
}


def _reply_cases() -> list[tuple[Outcome, list[Reason]]]:
    """Each reply variant once: the outcomes without reasons, and every reason under its own outcome."""
    cases: list[tuple[Outcome, list[Reason]]] = [
        (Outcome.ALREADY_PUBLIC, []),
        (Outcome.DISCLOSED, []),
        (Outcome.PARTLY_DISCLOSED, [Reason.PERSONAL_PRIVACY]),
        (Outcome.WITHDRAWN, []),
    ]
    cases += [(info.outcome, [reason]) for reason, info in REASONS.items()]
    return cases


def sample_inputs(regulation: Regulation = Regulation.R2019) -> list[DocumentInput]:
    """One input per kind and variant (every outcome and reason for replies, both consultation kinds)."""
    common: dict[str, Any] = {**_COMMON, "regulation": regulation}
    out = [
        DocumentInput(kind=DocumentKind.ACKNOWLEDGEMENT, due=date(2026, 11, 30), **common),
        DocumentInput(
            kind=DocumentKind.CORRECTION_NOTICE,
            correction_items=["请提供申请人身份证明", "请明确所申请信息的名称、文号或者其他特征性描述"],
            correction_period_days=15,
            correction_deadline=date(2026, 11, 24),
            **common,
        ),
        DocumentInput(
            kind=DocumentKind.EXTENSION_NOTICE,
            extension_days=20 if regulation is Regulation.R2019 else 15,
            extension_reason="所申请信息数量较大，需要检索、汇总的档案较多",
            new_due=date(2026, 12, 28),
            **common,
        ),
        DocumentInput(
            kind=DocumentKind.FEE_NOTICE,
            fee_amount=4700,
            fee_method=FeeMethod.VOLUME,
            fee_quantity=250,
            fee_pay_by=date(2026, 12, 29),
            **common,
        ),
        DocumentInput(
            kind=DocumentKind.REFERRAL_NOTICE,
            refer_to="六安市财政局",
            refer_to_contact="0564-3370000",
            **common,
        ),
        DocumentInput(
            kind=DocumentKind.SERVICE_RECEIPT,
            served_title="政府信息公开申请答复书",
            served_number=SAMPLE_NUMBER,
            delivery=Delivery.POST,
            delivery_address="安徽省六安市金安区梅山南路1号",
            **common,
        ),
    ]
    if regulation is Regulation.R2019:
        out.append(
            DocumentInput(
                kind=DocumentKind.LONGER_PERIOD_NOTICE,
                extension_days=30,
                extension_reason="您本月提出的申请达45件",
                new_due=date(2027, 1, 15),
                **common,
            )
        )
    for kind, party in (("third_party", "六安市某某商贸有限公司"), ("agency", "六安市财政局")):
        out.append(
            DocumentInput(
                kind=DocumentKind.CONSULTATION_LETTER,
                consultation_kind=kind,
                consultation_party=party,
                consultation_answer_by=date(2026, 12, 22),
                **common,
            )
        )
    for outcome, reasons in _reply_cases():
        out.append(
            DocumentInput(
                kind=DocumentKind.REPLY,
                outcome=outcome,
                reasons=reasons,
                access="请于收到本答复书之日起10个工作日内到本机关政务服务窗口领取",
                refer_to="六安市财政局" if Reason.NOT_OURS in reasons else None,
                earlier_reply_number="六民依申请〔2026〕3号",
                earlier_reply_date=date(2026, 3, 9),
                correction_requested_on=date(2026, 11, 9),
                fee_notice_on=date(2026, 11, 16),
                **common,
            )
        )
    return out


def all_samples() -> list[DocumentInput]:
    """Every sample under both versions of the Regulations."""
    return sample_inputs(Regulation.R2019) + sample_inputs(Regulation.R2008)


def sample_label(inp: DocumentInput) -> str:
    """A short name for a sample in reports: ``reply/not_disclosed/state_secret@2019``."""
    parts = [inp.kind.value]
    if inp.outcome is not None:
        parts.append(inp.outcome.value)
    parts += [r.value for r in inp.reasons]
    if inp.consultation_kind:
        parts.append(inp.consultation_kind)
    return "/".join(parts) + f"@{inp.regulation.value}"
