"""Outcomes of substantive review (Arts 35-39), their reason codes and the annual-report row of each.

国办公开办函〔2021〕30号 table 三: every application counts once a year, under its final outcome.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The final outcome of an application (办理结果)."""

    ALREADY_PUBLIC = "already_public"  # 已主动公开, Art 36 ¶1
    DISCLOSED = "disclosed"  # 予以公开, Art 36 ¶2
    PARTLY_DISCLOSED = "partly_disclosed"  # 部分公开, Art 37
    NOT_DISCLOSED = "not_disclosed"  # 不予公开, Art 36 ¶3
    CANNOT_PROVIDE = "cannot_provide"  # 无法提供, Art 36 ¶4-5, Art 38
    NOT_HANDLED = "not_handled"  # 不予处理, Arts 35, 36 ¶6, 39
    OTHER = "other"  # 其他处理
    WITHDRAWN = "withdrawn"  # 申请人撤回


class Reason(StrEnum):
    """Reason codes, each its own sub-row of the annual report."""

    # (三) 不予公开
    STATE_SECRET = "state_secret"
    PROHIBITED_BY_LAW = "prohibited_by_law"
    ENDANGERS_SECURITY = "endangers_security"
    THIRD_PARTY_RIGHTS = "third_party_rights"
    TRADE_SECRET = "trade_secret"
    PERSONAL_PRIVACY = "personal_privacy"
    INTERNAL_AFFAIRS = "internal_affairs"
    PROCESS_INFORMATION = "process_information"
    ENFORCEMENT_FILE = "enforcement_file"
    ADMINISTRATIVE_QUERY = "administrative_query"
    # (四) 无法提供
    NOT_HELD = "not_held"  # 本机关不掌握该政府信息, Art 36(4)
    NOT_OURS = "not_ours"  # 不属于本机关负责公开, Art 36(5)
    NEEDS_CREATION = "needs_creation"
    UNCLEAR_AFTER_CORRECTION = "unclear_after_correction"
    # (五) 不予处理
    PETITION_OR_COMPLAINT = "petition_or_complaint"
    REPEATED_REQUEST = "repeated_request"
    PUBLICATION = "publication"
    EXCESSIVE_WITHOUT_REASON = "excessive_without_reason"
    CONFIRM_OR_REISSUE = "confirm_or_reissue"
    # (六) 其他处理
    CORRECTION_NOT_MADE = "correction_not_made"
    FEE_NOT_PAID = "fee_not_paid"
    SPECIAL_REGIME = "special_regime"
    OTHER = "other"


class ReasonInfo:
    """What the law says about one reason code: its outcome, legal basis, report row and wording."""

    __slots__ = ("basis", "label", "outcome", "row")

    def __init__(self, outcome: Outcome, row: str, basis: str, label: str) -> None:
        self.outcome = outcome
        self.row = row
        self.basis = basis
        self.label = label


REASONS: dict[Reason, ReasonInfo] = {
    Reason.STATE_SECRET: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_1", "第十四条", "属于依法确定为国家秘密的政府信息"
    ),
    Reason.PROHIBITED_BY_LAW: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_2", "第十四条", "属于法律、行政法规禁止公开的政府信息"
    ),
    Reason.ENDANGERS_SECURITY: ReasonInfo(
        Outcome.NOT_DISCLOSED,
        "not_disclosed_3",
        "第十四条",
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    ),
    Reason.THIRD_PARTY_RIGHTS: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_4", "第十五条", "公开会损害第三方合法权益"
    ),
    Reason.TRADE_SECRET: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_4", "第十五条", "涉及商业秘密，公开会损害第三方合法权益"
    ),
    Reason.PERSONAL_PRIVACY: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_4", "第十五条", "涉及个人隐私，公开会损害第三方合法权益"
    ),
    Reason.INTERNAL_AFFAIRS: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_5", "第十六条第一款", "属于行政机关的内部事务信息"
    ),
    Reason.PROCESS_INFORMATION: ReasonInfo(
        Outcome.NOT_DISCLOSED,
        "not_disclosed_6",
        "第十六条第二款",
        "属于行政机关在履行行政管理职能过程中形成的过程性信息",
    ),
    Reason.ENFORCEMENT_FILE: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_7", "第十六条第二款", "属于行政执法案卷信息"
    ),
    Reason.ADMINISTRATIVE_QUERY: ReasonInfo(
        Outcome.NOT_DISCLOSED, "not_disclosed_8", "第三十六条", "属于行政查询事项，应按相关规定办理查询"
    ),
    Reason.NOT_HELD: ReasonInfo(
        Outcome.CANNOT_PROVIDE, "cannot_provide_1", "第三十六条第四项", "经检索，本机关不掌握该政府信息"
    ),
    # Report row (四)1 counts both "not held" and "not ours" (30号 has no row of its own for Art 36(5)).
    Reason.NOT_OURS: ReasonInfo(
        Outcome.CANNOT_PROVIDE, "cannot_provide_1", "第三十六条第五项", "该政府信息不属于本机关负责公开"
    ),
    Reason.NEEDS_CREATION: ReasonInfo(
        Outcome.CANNOT_PROVIDE, "cannot_provide_2", "第三十八条", "没有现成信息，需要另行制作或加工分析"
    ),
    Reason.UNCLEAR_AFTER_CORRECTION: ReasonInfo(
        Outcome.CANNOT_PROVIDE, "cannot_provide_3", "第三十条", "经补正后申请内容仍不明确"
    ),
    Reason.PETITION_OR_COMPLAINT: ReasonInfo(
        Outcome.NOT_HANDLED, "not_handled_1", "第三十九条第一款", "属于信访、投诉、举报事项，应通过相应渠道提出"
    ),
    Reason.REPEATED_REQUEST: ReasonInfo(
        Outcome.NOT_HANDLED, "not_handled_2", "第三十六条第六项", "属于重复申请，本机关不予重复处理"
    ),
    Reason.PUBLICATION: ReasonInfo(
        Outcome.NOT_HANDLED, "not_handled_3", "第三十九条第二款", "要求提供政府公报、报刊、书籍等公开出版物"
    ),
    Reason.EXCESSIVE_WITHOUT_REASON: ReasonInfo(
        Outcome.NOT_HANDLED, "not_handled_4", "第三十五条", "无正当理由大量、反复申请"
    ),
    Reason.CONFIRM_OR_REISSUE: ReasonInfo(
        Outcome.NOT_HANDLED, "not_handled_5", "第三十九条", "要求行政机关确认或重新出具已获取的信息"
    ),
    Reason.CORRECTION_NOT_MADE: ReasonInfo(
        Outcome.OTHER, "other_1", "第三十条", "申请人无正当理由逾期不补正，视为放弃申请"
    ),
    Reason.FEE_NOT_PAID: ReasonInfo(
        Outcome.OTHER, "other_2", "国办函〔2020〕109号", "申请人逾期未按收费通知要求缴纳费用，视为放弃申请"
    ),
    Reason.SPECIAL_REGIME: ReasonInfo(
        Outcome.OTHER,
        "other_3",
        "第三十六条第七项",
        "法律、行政法规对信息的获取有特别规定，请按照有关规定办理",
    ),
    Reason.OTHER: ReasonInfo(Outcome.OTHER, "other_3", "", "其他情形"),
}

REFERRAL_REASONS = frozenset({Reason.NOT_OURS, Reason.NOT_HELD})
"""Reasons a decision may name the agency that holds the information with (``refer_to``, Art 36(5));
``not_held`` keeps accepting it for cases decided before ``not_ours`` existed."""

WITHHOLDING_REASONS = frozenset(r for r, info in REASONS.items() if info.outcome is Outcome.NOT_DISCLOSED)
"""Reasons that may justify withholding all or part of the information (Arts 14-16)."""

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ALREADY_PUBLIC: "已主动公开",
    Outcome.DISCLOSED: "予以公开",
    Outcome.PARTLY_DISCLOSED: "部分公开",
    Outcome.NOT_DISCLOSED: "不予公开",
    Outcome.CANNOT_PROVIDE: "无法提供",
    Outcome.NOT_HANDLED: "不予处理",
    Outcome.OTHER: "其他处理",
    Outcome.WITHDRAWN: "申请人撤回",
}

OUTCOME_BASIS: dict[Outcome, str] = {
    Outcome.ALREADY_PUBLIC: "第三十六条第一项",
    Outcome.DISCLOSED: "第三十六条第二项",
    Outcome.PARTLY_DISCLOSED: "第三十七条",
    Outcome.NOT_DISCLOSED: "第三十六条第三项",
    Outcome.CANNOT_PROVIDE: "第三十六条",
    Outcome.NOT_HANDLED: "第三十六条、第三十九条",
    Outcome.OTHER: "",
    Outcome.WITHDRAWN: "",
}

# Outcomes a reviewer chooses at substantive review; the others arise from the clock or the applicant.
REVIEW_OUTCOMES = frozenset(
    {
        Outcome.ALREADY_PUBLIC,
        Outcome.DISCLOSED,
        Outcome.PARTLY_DISCLOSED,
        Outcome.NOT_DISCLOSED,
        Outcome.CANNOT_PROVIDE,
        Outcome.NOT_HANDLED,
        Outcome.OTHER,
    }
)

NEEDS_REASON = frozenset(
    {Outcome.PARTLY_DISCLOSED, Outcome.NOT_DISCLOSED, Outcome.CANNOT_PROVIDE, Outcome.NOT_HANDLED, Outcome.OTHER}
)


def report_row(outcome: Outcome, reasons: list[Reason], special_regime_row: str = "other_3") -> str:
    """The annual-report row an application with this final outcome counts in (exactly one)."""
    if outcome in (Outcome.ALREADY_PUBLIC, Outcome.DISCLOSED):
        return "disclosed"
    if outcome is Outcome.PARTLY_DISCLOSED:
        return "partly_disclosed"  # counted here only, whatever was withheld (30号 note)
    if outcome is Outcome.WITHDRAWN:
        return "other_3"
    if not reasons:
        msg = f"outcome {outcome.value} needs a reason code to find its report row"
        raise ValueError(msg)
    first = reasons[0]
    if first is Reason.SPECIAL_REGIME:
        return special_regime_row
    return REASONS[first].row


def withholds(outcome: Outcome) -> bool:
    """Whether a reply with this outcome refuses anything, so it must state the remedies."""
    return outcome not in (Outcome.ALREADY_PUBLIC, Outcome.DISCLOSED, Outcome.WITHDRAWN)


def refuses_disclosure(outcome: Outcome) -> bool:
    """Whether the reply is a refusal to disclose (不予公开, incl. the withheld part of 部分公开).

    Since 2024-01-01 such a refusal must go to administrative reconsideration before any lawsuit
    (行政复议法 2023, Art 23); the conservative reading counts partial disclosure in.
    """
    return outcome in (Outcome.NOT_DISCLOSED, Outcome.PARTLY_DISCLOSED)
