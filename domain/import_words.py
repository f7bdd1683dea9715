"""The words the import sheet's cells accept: each value's labels as staff write them, and its code.

Labels are those of ogi's own sheets (``domain.listing_sheet``), the outcomes' and the annual report
form's; a cell is compared in one normal form (NFKC, case-folded, without spaces, quotes, a required
mark or the form's numbering), so ``1.属于国家秘密`` and ``属于国家秘密`` are one reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from domain.fees import FeeMethod
from domain.listing_sheet import CHANNEL_LABELS, STAGE_LABELS
from domain.outcomes import OUTCOME_LABELS, Outcome, Reason
from domain.vocabulary import ApplicantKind, Channel, Delivery, Stage


def normal(text: str) -> str:
    """A header or label as compared: NFKC, case-folded, without spaces, quotes, a required mark or numbering."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"[\s\"'“”‘’*＊]", "", folded)
    return re.sub(r"^(\d+|[一二三四五六七八九十]+)[.、)）]", "", folded)


class Words:
    """The words a cell of one column accepts: for each value its labels (the first is the one shown) and its code."""

    def __init__(self, labels: Mapping[str, list[str]]) -> None:
        self.labels = {value: tuple(words) for value, words in labels.items()}
        self._find = {normal(word): value for value, words in labels.items() for word in (value, *words)}

    def find(self, text: str) -> str | None:
        """The value a cell's text names, if any."""
        return self._find.get(normal(text))

    def describe(self, values: Iterable[str] | None = None, *, codes: bool = False) -> str:
        """The first label of each value (and its code), for a message or the template's instructions."""
        chosen = list(values) if values is not None else list(self.labels)
        return "、".join(
            f"{self.labels[v][0]}（{v}）" if codes else self.labels[v][0] for v in chosen if self.labels.get(v)
        )


CHANNEL_WORDS = Words(
    {
        Channel.IN_PERSON: [CHANNEL_LABELS[Channel.IN_PERSON], "当面", "现场", "当面申请"],
        Channel.SIGNED_POST: [CHANNEL_LABELS[Channel.SIGNED_POST], "邮寄", "邮寄需签收", "挂号信", "ems"],
        Channel.ORDINARY_POST: [CHANNEL_LABELS[Channel.ORDINARY_POST], "信函", "平信"],
        Channel.ONLINE: [CHANNEL_LABELS[Channel.ONLINE], "互联网", "网上", "网上申请", "在线申请", "网络"],
        Channel.FAX: [CHANNEL_LABELS[Channel.FAX]],
        Channel.EMAIL: [CHANNEL_LABELS[Channel.EMAIL], "邮件", "电子信箱"],
    }
)
KIND_WORDS = Words(
    {
        ApplicantKind.NATURAL_PERSON: ["自然人", "个人", "公民"],
        ApplicantKind.COMMERCIAL_ENTERPRISE: ["商业企业", "企业", "公司"],
        ApplicantKind.RESEARCH_INSTITUTE: ["科研机构"],
        ApplicantKind.SOCIAL_WELFARE_ORGANISATION: ["社会公益组织", "公益组织"],
        ApplicantKind.LEGAL_SERVICE_BODY: ["法律服务机构", "律师事务所"],
        ApplicantKind.OTHER: ["其他", "其他组织"],
    }
)
IMPORTABLE_STAGES = (
    Stage.AWAITING_RECEIPT,
    Stage.REVIEW,
    Stage.AWAITING_CORRECTION,
    Stage.SECRECY_REVIEW,
    Stage.AWAITING_PAYMENT,
    Stage.CLOSED,
)
STAGE_WORDS = Words(
    {
        Stage.AWAITING_RECEIPT: [STAGE_LABELS[Stage.AWAITING_RECEIPT]],
        Stage.REVIEW: [STAGE_LABELS[Stage.REVIEW], "审查中", "受理", "已受理"],
        Stage.AWAITING_CORRECTION: [STAGE_LABELS[Stage.AWAITING_CORRECTION], "补正中"],
        Stage.SECRECY_REVIEW: [STAGE_LABELS[Stage.SECRECY_REVIEW], "待保密审查"],
        Stage.AWAITING_PAYMENT: [STAGE_LABELS[Stage.AWAITING_PAYMENT]],
        Stage.REPLYING: [STAGE_LABELS[Stage.REPLYING], "答复中"],
        Stage.CLOSED: [STAGE_LABELS[Stage.CLOSED], "办结", "已答复"],
    }
)
OUTCOME_WORDS = Words(
    {
        **{outcome: [label] for outcome, label in OUTCOME_LABELS.items()},
        Outcome.DISCLOSED: [OUTCOME_LABELS[Outcome.DISCLOSED], "公开"],
        Outcome.WITHDRAWN: [OUTCOME_LABELS[Outcome.WITHDRAWN], "撤回"],
    }
)
REASON_LABELS: dict[Reason, str] = {
    Reason.STATE_SECRET: "属于国家秘密",
    Reason.PROHIBITED_BY_LAW: "其他法律行政法规禁止公开",
    Reason.ENDANGERS_SECURITY: "危及“三安全一稳定”",
    Reason.THIRD_PARTY_RIGHTS: "保护第三方合法权益",
    Reason.TRADE_SECRET: "商业秘密",
    Reason.PERSONAL_PRIVACY: "个人隐私",
    Reason.INTERNAL_AFFAIRS: "属于三类内部事务信息",
    Reason.PROCESS_INFORMATION: "属于四类过程性信息",
    Reason.ENFORCEMENT_FILE: "属于行政执法案卷",
    Reason.ADMINISTRATIVE_QUERY: "属于行政查询事项",
    Reason.NOT_HELD: "本机关不掌握相关政府信息",
    Reason.NOT_OURS: "不属于本机关负责公开",
    Reason.NEEDS_CREATION: "没有现成信息需要另行制作",
    Reason.UNCLEAR_AFTER_CORRECTION: "补正后申请内容仍不明确",
    Reason.PETITION_OR_COMPLAINT: "信访举报投诉类申请",
    Reason.REPEATED_REQUEST: "重复申请",
    Reason.PUBLICATION: "要求提供公开出版物",
    Reason.EXCESSIVE_WITHOUT_REASON: "无正当理由大量反复申请",
    Reason.CONFIRM_OR_REISSUE: "要求行政机关确认或重新出具已获取信息",
    Reason.CORRECTION_NOT_MADE: "逾期不补正",
    Reason.FEE_NOT_PAID: "逾期未缴费",
    Reason.SPECIAL_REGIME: "法律行政法规对获取信息有特别规定",
    Reason.OTHER: "其他",
}
"""The label of each reason code in the sheet: the form's sub-row wording where one row is one reason."""
REASON_WORDS = Words(
    {
        **{reason: [label] for reason, label in REASON_LABELS.items()},
        Reason.CORRECTION_NOT_MADE: [
            REASON_LABELS[Reason.CORRECTION_NOT_MADE],
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ],
        Reason.FEE_NOT_PAID: [
            REASON_LABELS[Reason.FEE_NOT_PAID],
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ],
    }
)
DELIVERY_WORDS = Words(
    {
        Delivery.POST: ["邮寄", "邮寄送达"],
        Delivery.EMAIL: ["电子邮件", "电子邮件送达", "邮件"],
        Delivery.COLLECT: ["自行领取", "当面领取", "直接送达"],
        Delivery.ONLINE: ["网上获取", "网上送达"],
        Delivery.FAX: ["传真", "传真送达"],
    }
)
FEE_WORDS = Words({FeeMethod.COUNT: ["按件", "按件计收"], FeeMethod.VOLUME: ["按量", "按量计收"]})
CONSULTATION_WORDS = Words({"third_party": ["第三方"], "agency": ["其他机关", "有关机关", "机关"]})
