"""The vocabulary of a case as plain enumerations: stages, channels, applicant kinds, forms, deliveries, roles.

Kept apart from the models that use them so that a command's options (``--stage``, ``--channel``) cost
nothing to import; each enumeration a clerk chooses from has its Chinese labels here too, for the
listings' spreadsheets and the command help.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Stage(StrEnum):
    """Where a case stands (the ``Stage`` search attribute)."""

    AWAITING_RECEIPT = "awaiting_receipt"  # 待确认收到 (ordinary post, online, fax, e-mail)
    REVIEW = "review"  # 办理 / 拟办: substantive review by the case handler
    AWAITING_CORRECTION = "awaiting_correction"  # 补正中
    SECRECY_REVIEW = "secrecy_review"  # 保密审查
    AWAITING_PAYMENT = "awaiting_payment"  # 待缴费
    REPLYING = "replying"  # 答复、送达
    CLOSED = "closed"  # 办结

    @property
    def is_open(self) -> bool:
        """Whether the case still runs."""
        return self is not Stage.CLOSED


STAGE_LABELS: dict[str, str] = {
    Stage.AWAITING_RECEIPT: "待确认收到",
    Stage.REVIEW: "办理中",
    Stage.AWAITING_CORRECTION: "待补正",
    Stage.SECRECY_REVIEW: "保密审查",
    Stage.AWAITING_PAYMENT: "待缴费",
    Stage.REPLYING: "答复送达",
    Stage.CLOSED: "已办结",
}


class Channel(StrEnum):
    """How the application reached the agency (Art 31 fixes the receipt date per channel)."""

    IN_PERSON = "in_person"  # 当面提交
    SIGNED_POST = "signed_post"  # 邮寄需签收
    ORDINARY_POST = "ordinary_post"  # 平常信函
    ONLINE = "online"  # 互联网渠道
    FAX = "fax"  # 传真
    EMAIL = "email"  # 电子邮件


CHANNEL_LABELS: dict[str, str] = {
    Channel.IN_PERSON: "当面提交",
    Channel.SIGNED_POST: "邮寄（需签收）",
    Channel.ORDINARY_POST: "平常信函",
    Channel.ONLINE: "互联网渠道",
    Channel.FAX: "传真",
    Channel.EMAIL: "电子邮件",
}


class ApplicantKind(StrEnum):
    """The applicant columns of the annual report (table 三)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    COMMERCIAL_ENTERPRISE = "commercial_enterprise"  # 商业企业
    RESEARCH_INSTITUTE = "research_institute"  # 科研机构
    SOCIAL_WELFARE_ORGANISATION = "social_welfare_organisation"  # 社会公益组织
    LEGAL_SERVICE_BODY = "legal_service_body"  # 法律服务机构
    OTHER = "other"  # 其他


APPLICANT_KIND_LABELS: dict[str, str] = {
    ApplicantKind.NATURAL_PERSON: "自然人",
    ApplicantKind.COMMERCIAL_ENTERPRISE: "商业企业",
    ApplicantKind.RESEARCH_INSTITUTE: "科研机构",
    ApplicantKind.SOCIAL_WELFARE_ORGANISATION: "社会公益组织",
    ApplicantKind.LEGAL_SERVICE_BODY: "法律服务机构",
    ApplicantKind.OTHER: "其他组织",
}


class InformationForm(StrEnum):
    """The form in which the applicant wants the information (Art 29 ¶3, Art 40)."""

    PAPER = "paper"  # 纸质
    ELECTRONIC = "electronic"  # 电子
    INSPECTION = "inspection"  # 查阅、抄录


class Delivery(StrEnum):
    """How the applicant wants to obtain the reply and the information."""

    EMAIL = "email"
    POST = "post"  # 邮寄
    COLLECT = "collect"  # 自行领取
    ONLINE = "online"  # 网上获取
    FAX = "fax"


class RemedyKind(StrEnum):
    """The rows of table 四: administrative reconsideration and the two kinds of lawsuit."""

    RECONSIDERATION = "reconsideration"  # 行政复议
    LAWSUIT = "lawsuit"  # 行政诉讼 · 未经复议直接起诉
    LAWSUIT_AFTER_RECONSIDERATION = "lawsuit_after_reconsideration"  # 行政诉讼 · 复议后起诉


class RemedyResult(StrEnum):
    """The result columns of table 四."""

    MAINTAINED = "maintained"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果
    PENDING = "pending"  # 尚未审结


ConsultationKind = Literal["third_party", "agency"]
"""Who is consulted before the reply: a third party (Art 32) or another agency (Art 34)."""
CONSULTATION_KIND_LABELS: dict[str, str] = {
    "third_party": "征求第三方意见（第三十二条）",
    "agency": "征求其他机关意见（第三十四条）",
}

PartyAnswer = Literal["consent", "objection", "opinion"]
"""What a consulted party answered."""
PARTY_ANSWER_LABELS: dict[str, str] = {"consent": "同意公开", "objection": "不同意公开", "opinion": "提出意见"}

ApprovalKind = Literal["extension", "longer_period", "fee_waiver"]
"""What a handler asks the head of the disclosure body to approve."""
APPROVAL_KIND_LABELS: dict[str, str] = {
    "extension": "延长答复期限（第三十三条）",
    "longer_period": "延迟答复（第三十五条）",
    "fee_waiver": "减免信息处理费",
}


class Role(StrEnum):
    """Who may do what (DOMAIN.md §1): the case roles, and the three administrators of 等保 三员."""

    INTAKE = "intake"  # 登记
    REVIEWER = "reviewer"  # 承办人
    SECRECY_REVIEWER = "secrecy_reviewer"  # 保密审查
    HEAD = "head"  # 负责人 of the disclosure body
    SUPERVISOR = "supervisor"  # 监督, read-only
    RECORDS = "records"  # 录入: enters actions a colleague took (acted_by)
    USER_ADMIN = "user_admin"  # 系统管理员: users and their roles
    KEY_ADMIN = "key_admin"  # 安全管理员: keys and tokens
    AUDITOR = "auditor"  # 安全审计员: reads and verifies the audit log


ROLE_LABELS: dict[str, str] = {
    Role.INTAKE: "登记",
    Role.REVIEWER: "承办人",
    Role.SECRECY_REVIEWER: "保密审查",
    Role.HEAD: "负责人",
    Role.SUPERVISOR: "监督（只读）",
    Role.RECORDS: "录入",
    Role.USER_ADMIN: "系统管理员",
    Role.KEY_ADMIN: "安全管理员",
    Role.AUDITOR: "安全审计员",
}


RESULTS_HEADING = "三、本年度办理结果"
"""The heading printed above the result rows; it has no numbers of its own."""
