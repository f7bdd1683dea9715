"""The vocabulary of a case as plain enumerations: stages, channels, applicant kinds, forms and deliveries.

Kept apart from the models that use them so that a command's options (``--stage``, ``--channel``) cost
nothing to import.
"""

from __future__ import annotations

from enum import StrEnum


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


class Channel(StrEnum):
    """How the application reached the agency (Art 31 fixes the receipt date per channel)."""

    IN_PERSON = "in_person"  # 当面提交
    SIGNED_POST = "signed_post"  # 邮寄需签收
    ORDINARY_POST = "ordinary_post"  # 平常信函
    ONLINE = "online"  # 互联网渠道
    FAX = "fax"  # 传真
    EMAIL = "email"  # 电子邮件


class ApplicantKind(StrEnum):
    """The applicant columns of the annual report (table 三)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    COMMERCIAL_ENTERPRISE = "commercial_enterprise"  # 商业企业
    RESEARCH_INSTITUTE = "research_institute"  # 科研机构
    SOCIAL_WELFARE_ORGANISATION = "social_welfare_organisation"  # 社会公益组织
    LEGAL_SERVICE_BODY = "legal_service_body"  # 法律服务机构
    OTHER = "other"  # 其他


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


RESULTS_HEADING = "三、本年度办理结果"
"""The heading printed above the result rows; it has no numbers of its own."""
