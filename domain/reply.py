"""The reply to the applicant (政府信息公开申请答复书), rendered in Chinese from the final decision.

Art 36 says what each outcome's reply must contain; every reply that withholds anything states
the legal basis and the remedies, and since 2024-01-01 a refusal to disclose must go to
administrative reconsideration first (行政复议法 2023, Art 23).
"""

from __future__ import annotations

from datetime import date

from domain.application import Application
from domain.case import CasePolicy, Decision
from domain.outcomes import OUTCOME_BASIS, OUTCOME_LABELS, REASONS, Outcome, refuses_disclosure, withholds

RECONSIDERATION_FIRST_FROM = date(2024, 1, 1)

_BODY: dict[Outcome, str] = {
    Outcome.ALREADY_PUBLIC: "您申请的政府信息已经主动公开，您可以通过本机关门户网站政府信息公开专栏查阅、获取。",
    Outcome.DISCLOSED: "经审查，您申请的政府信息属于可以公开的范围，现按您要求的形式提供（见附件），或请于收到本答复之日起按告知的方式、途径和时间获取。",
    Outcome.PARTLY_DISCLOSED: "经审查，您申请的政府信息中含有不应当公开的内容，但能够作区分处理，现向您提供可以公开的部分；对不予公开的部分说明理由如下：",
    Outcome.NOT_DISCLOSED: "经审查，您申请的政府信息不予公开，理由如下：",
    Outcome.CANNOT_PROVIDE: "经审查，本机关无法提供您申请的政府信息，理由如下：",
    Outcome.NOT_HANDLED: "经审查，您的申请本机关不作为政府信息公开申请处理，理由如下：",
    Outcome.OTHER: "经审查，本机关对您的申请作如下处理：",
    Outcome.WITHDRAWN: "您已撤回本申请，本机关终止办理。",
}


_ACCESS_LABEL: dict[Outcome, str] = {
    Outcome.ALREADY_PUBLIC: "查阅、获取途径",
    Outcome.DISCLOSED: "获取方式、途径和时间",
    Outcome.PARTLY_DISCLOSED: "获取方式、途径和时间",
    Outcome.NOT_HANDLED: "办理途径",
}
"""How the reply introduces the reviewer's ``access`` text (Art 36 says what each outcome must tell)."""


def remedies_text(outcome: Outcome, reply_date: date, reconsideration_body: str) -> str:
    """The remedies paragraph (救济途径告知): reconsideration 60 days, lawsuit 6 months."""
    if not withholds(outcome):
        return ""
    if refuses_disclosure(outcome) and reply_date >= RECONSIDERATION_FIRST_FROM:
        return (
            f"如对本答复不服，可以自收到本答复书之日起60日内向{reconsideration_body}申请行政复议；"
            "依照《中华人民共和国行政复议法》第二十三条，对不予公开的答复应当先申请行政复议，"
            "对行政复议决定不服的，可以依法向人民法院提起行政诉讼。"
        )
    return (
        f"如对本答复不服，可以自收到本答复书之日起60日内向{reconsideration_body}申请行政复议，"
        "或者自知道该行政行为之日起6个月内依法向人民法院提起行政诉讼。"
    )


def render_reply(
    case_id: str,
    application: Application,
    decision: Decision,
    policy: CasePolicy,
    received: date | None,
    reply_date: date,
) -> str:
    """The full text of the reply letter for the final decision."""
    outcome = decision.outcome
    lines = [
        f"{application.agency}",
        "政府信息公开申请答复书",
        f"编号：{case_id}",
        "",
        f"{application.applicant.name}：",
        "",
        (
            f"本机关于{received.isoformat() if received else '（待确认）'}收到您提出的政府信息公开申请，"
            f"申请内容为：“{application.description}”。"
        ),
        f"根据《中华人民共和国政府信息公开条例》{OUTCOME_BASIS[outcome] or ''}的规定，现答复如下：",
        "",
        _BODY[outcome],
    ]
    for reason in decision.reasons:
        info = REASONS[reason]
        basis = (
            f"（《中华人民共和国政府信息公开条例》{info.basis}）"
            if info.basis.startswith("第")
            else f"（{info.basis}）"
            if info.basis
            else ""
        )
        lines.append(f"  · {info.label}{basis}")
    if decision.refer_to:
        lines.append(f"该信息由{decision.refer_to}负责公开，您可以向其提出申请。")
    if decision.access:
        lines.append(f"{_ACCESS_LABEL.get(outcome, '具体说明')}：{decision.access}")
    if remedy := remedies_text(outcome, reply_date, policy.reconsideration_body):
        lines += ["", remedy]
    lines += ["", f"处理结果：{OUTCOME_LABELS[outcome]}", "", f"{application.agency}", f"{reply_date.isoformat()}"]
    return "\n".join(lines) + "\n"
