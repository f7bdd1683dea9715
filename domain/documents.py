"""The standard document set (宿迁 national pilot) as content: what each notice and reply says, by law.

``build_document`` turns plain inputs into a ``DocumentContent`` (title, 文号, 主送, paragraphs, remedies,
signature). The legal text is chosen here, by kind, outcome, reasons and version of the Regulations;
templates (``infra.rendering``) only lay it out, so an agency's own template cannot change what the law says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.config import RemedyRules
from domain.errors import OgiError
from domain.fees import FeeMethod, fee_basis
from domain.legal_texts import (
    ACKNOWLEDGEMENT,
    CONSULT_AGENCY,
    CONSULT_THIRD_PARTY,
    CORRECTION,
    EXTENSION,
    FEE,
    FEE_MEASURES,
    FEE_WAIVER_2008,
    LONGER_PERIOD,
    OUTCOME_ARTICLE,
    REASON_BASIS,
    RECONSIDERATION_LAW,
    REFERRAL,
    REGULATION_FIRST_MENTION,
    STATUTORY_DAYS,
    Basis,
    Regulation,
)
from domain.outcomes import OUTCOME_LABELS, REASONS, Outcome, Reason, withholds
from domain.vocabulary import Channel, Delivery


class DocumentKind(StrEnum):
    """The documents a case issues (宿政办函〔2021〕21号 document set)."""

    ACKNOWLEDGEMENT = "acknowledgement"  # 登记回执 (接收回执)
    CORRECTION_NOTICE = "correction_notice"  # 补正告知书, Art 30
    EXTENSION_NOTICE = "extension_notice"  # 延期答复告知书, Art 33 ¶2
    LONGER_PERIOD_NOTICE = "longer_period_notice"  # 延迟答复告知书, Art 35
    CONSULTATION_LETTER = "consultation_letter"  # 征求意见函, Art 32 (third party) / Art 34 (agency)
    FEE_NOTICE = "fee_notice"  # 收费通知书, Art 42 and 国办函〔2020〕109号
    REPLY = "reply"  # 政府信息公开申请答复书, Arts 36-39
    REFERRAL_NOTICE = "referral_notice"  # 告知书: not this agency's to disclose, Art 36(5)
    SERVICE_RECEIPT = "service_receipt"  # 送达回证


TITLES: dict[DocumentKind, str] = {
    DocumentKind.ACKNOWLEDGEMENT: "政府信息公开申请登记回执",
    DocumentKind.CORRECTION_NOTICE: "政府信息公开申请补正告知书",
    DocumentKind.EXTENSION_NOTICE: "政府信息公开申请延期答复告知书",
    DocumentKind.LONGER_PERIOD_NOTICE: "政府信息公开申请延迟答复告知书",
    DocumentKind.CONSULTATION_LETTER: "政府信息公开征求意见函",
    DocumentKind.FEE_NOTICE: "政府信息公开信息处理费收费通知书",
    DocumentKind.REPLY: "政府信息公开申请答复书",
    DocumentKind.REFERRAL_NOTICE: "政府信息公开申请告知书",
    DocumentKind.SERVICE_RECEIPT: "送达回证",
}

NUMBERED_KINDS = frozenset(
    {
        DocumentKind.CORRECTION_NOTICE,
        DocumentKind.EXTENSION_NOTICE,
        DocumentKind.LONGER_PERIOD_NOTICE,
        DocumentKind.CONSULTATION_LETTER,
        DocumentKind.FEE_NOTICE,
        DocumentKind.REPLY,
        DocumentKind.REFERRAL_NOTICE,
    }
)
"""Kinds that carry a document number (文号). The acknowledgement carries the registration number (the case
id) and the service receipt the number of the document it proves the service of."""

RECONSIDERATION_DAYS = 60
"""行政复议法 2023 Art 20: 60 days from knowing of the act."""
LAWSUIT_MONTHS = 6
"""行政诉讼法 Art 46: 6 months from knowing of the act."""

CHANNEL_LABELS: dict[Channel, str] = {
    Channel.IN_PERSON: "当面提交",
    Channel.SIGNED_POST: "邮寄（需签收）",
    Channel.ORDINARY_POST: "平常信函",
    Channel.ONLINE: "互联网渠道",
    Channel.FAX: "传真",
    Channel.EMAIL: "电子邮件",
}
DELIVERY_LABELS: dict[Delivery, str] = {
    Delivery.EMAIL: "电子邮件送达",
    Delivery.POST: "邮寄送达",
    Delivery.COLLECT: "直接送达（自行领取）",
    Delivery.ONLINE: "网上送达",
    Delivery.FAX: "传真送达",
}


class DocumentInputError(OgiError):
    """A document cannot be made from the inputs given; the message names what is missing and why."""


def chinese_date(day: date) -> str:
    """A date as documents write it (GB/T 9704: Arabic numerals, no leading zeros): ``2026年12月1日``."""
    return f"{day.year}年{day.month}月{day.day}日"


class Signature(BaseModel):
    """The signature block (落款): the issuing agency, the date of issue, and where the seal goes."""

    model_config = ConfigDict(frozen=True)

    agency: str
    date: date
    date_text: str
    seal_placeholder: str = "（印章）"


class TableRow(BaseModel):
    """One row of a form-like document (the service receipt): a label and its value."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str


class DocumentContent(BaseModel):
    """What one document says, ready for a template to lay out."""

    model_config = ConfigDict(frozen=True)

    kind: DocumentKind
    regulation: Regulation
    case_id: str
    issuer: str
    """发文机关标志: the issuing agency's name at the top."""
    title: str
    number: str | None
    """文号, e.g. ``六民依申请〔2026〕12号``; None for kinds without one."""
    addressee: str | None
    """主送: the applicant, third party or agency addressed, by name."""
    paragraphs: list[str]
    remedies: str | None = None
    """救济途径告知: present whenever the document withholds anything."""
    closing: str | None = "特此告知。"
    table: list[TableRow] = []
    contact: str | None = None
    signature: Signature
    articles: list[str] = []
    """Every legal basis the document cites, in order (for audit and tests)."""
    outcome: Outcome | None = None

    def lines(self) -> list[str]:
        """The document as plain lines, in reading order (what a PDF's text says)."""
        out = [self.issuer]
        if self.number:
            out.append(self.number)
        out.append(self.title)
        if self.addressee:
            out.append(f"{self.addressee}：")
        out += self.paragraphs
        out += [f"{row.label}：{row.value}" for row in self.table]
        if self.remedies:
            out.append(self.remedies)
        if self.closing:
            out.append(self.closing)
        if self.contact:
            out.append(self.contact)
        out += [self.signature.agency, self.signature.date_text]
        return out

    def text(self) -> str:
        """The document as plain text, a blank line between parts."""
        return "\n\n".join(self.lines()) + "\n"


class DocumentInput(BaseModel):
    """The plain facts a document is made from; which ones a kind needs is checked by ``build_document``."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    case_id: str
    agency: str
    issued_on: date
    """The date of issue (成文日期), in the signature block."""
    regulation: Regulation = Regulation.R2019
    """The version of the Regulations in force when the application was received."""
    number: str | None = None
    """The document number (文号) allocated for it (``infra.document_numbers``)."""
    applicant_name: str | None = None
    description: str | None = None
    received: date | None = None
    channel: Channel | None = None
    due: date | None = None
    """Acknowledgement: the reply due date."""
    reply_days: int | None = None
    """Acknowledgement: the reply period in working days; the version's statutory period when unset."""

    outcome: Outcome | None = None
    reasons: list[Reason] = []
    access: str | None = None
    """Where, how and when to obtain the information, or the right channel (the reviewer's words)."""
    refer_to: str | None = None
    """Not ours: the agency that holds the information, when known (Art 36(5))."""
    refer_to_contact: str | None = None
    earlier_reply_number: str | None = None
    """Repeated request: the 文号 of the earlier reply (Art 36(6))."""
    earlier_reply_date: date | None = None
    correction_requested_on: date | None = None
    """Correction not made: when the correction notice went out."""
    fee_notice_on: date | None = None
    """Fee not paid: when the fee notice went out."""

    correction_items: list[str] = []
    correction_period_days: int | None = None
    correction_deadline: date | None = None

    extension_days: int | None = None
    extension_reason: str | None = None
    new_due: date | None = None

    consultation_kind: str | None = None
    """``third_party`` (Art 32) or ``agency`` (Art 34)."""
    consultation_party: str | None = None
    consultation_answer_by: date | None = None
    consultation_days: int = 15

    fee_amount: int | None = None
    """Yuan."""
    fee_method: FeeMethod | None = None
    fee_quantity: int | None = None
    """The request's place in the applicant's month (by count) or the pages (by volume)."""
    fee_basis: str | None = None
    """The basis and standard in words; derived from method and quantity when unset."""
    fee_payment: str = "通过本机关公布的缴费方式"
    fee_pay_by: date | None = None
    fee_payment_days: int = 20
    fee_pauses_clock: bool = True

    served_title: str | None = None
    served_number: str | None = None
    delivery: Delivery | None = None
    delivery_address: str | None = None

    reconsideration_body: str = "本级人民政府"
    remedy_rules: RemedyRules = RemedyRules()
    contact: str | None = None
    max_description_chars: int = Field(default=300, ge=20)
    """Longer descriptions are shortened in the letter (the application itself is on file)."""


class _Citer:
    """Names the Regulations in full on first citation, 《条例》 afterwards; collects what was cited."""

    def __init__(self, regulation: Regulation) -> None:
        self.regulation = regulation
        self.first = True
        self.cited: list[str] = []

    def __call__(self, *bases: Basis | str) -> str:
        """'《条例》第X条、第Y条' (and other instruments) for the bases given, in order, without repeats."""
        articles: list[str] = []
        sources: list[str] = []
        for basis in bases:
            item = Basis(article=basis) if isinstance(basis, str) else basis
            if item.article and item.article not in articles:
                articles.append(item.article)
            if item.source and item.source not in sources:
                sources.append(item.source)
        parts: list[str] = []
        if articles:
            name = REGULATION_FIRST_MENTION[self.regulation] if self.first else "《条例》"
            self.first = False
            parts.append(name + "、".join(articles))
        parts += sources
        for part in articles + sources:
            if part not in self.cited:
                self.cited.append(part)
        return "和".join(parts)


def _need(inp: DocumentInput, *names: str) -> None:
    missing = [name for name in names if getattr(inp, name) in (None, [], "")]
    if missing:
        msg = f"a {inp.kind.value} document needs {', '.join(missing)}"
        raise DocumentInputError(msg)


def _description(inp: DocumentInput) -> str:
    text = (inp.description or "").strip()
    limit = inp.max_description_chars
    return text if len(text) <= limit else text[:limit] + "……"


def _received_sentence(inp: DocumentInput) -> str:
    assert inp.received is not None
    return (
        f"本机关于{chinese_date(inp.received)}收到您提出的政府信息公开申请（登记编号：{inp.case_id}），"
        f"申请内容为：“{_description(inp)}”。"
    )


def remedies_paragraph(
    outcome: Outcome, reply_date: date, reconsideration_body: str, rules: RemedyRules | None = None
) -> str | None:
    """The remedies paragraph (救济途径告知) of a reply that withholds anything; None when nothing is withheld.

    Reconsideration within 60 days; a lawsuit within 6 months, or, where the law makes reconsideration come
    first (行政复议法 2023 Art 23, replies from 2024-01-01, outcomes per ``RemedyRules``), only after it.
    """
    if not withholds(outcome):
        return None
    rules = rules or RemedyRules()
    if outcome in rules.reconsideration_first and reply_date >= rules.reconsideration_first_from:
        return (
            f"如对本答复不服，可以自收到本答复书之日起{RECONSIDERATION_DAYS}日内向{reconsideration_body}申请行政复议。"
            f"依照{RECONSIDERATION_LAW}第二十三条的规定，对不予公开的答复应当先申请行政复议，"
            "对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向人民法院提起行政诉讼。"
        )
    return (
        f"如对本答复不服，可以自收到本答复书之日起{RECONSIDERATION_DAYS}日内向{reconsideration_body}申请行政复议，"
        f"也可以自知道该行政行为之日起{LAWSUIT_MONTHS}个月内依法向人民法院提起行政诉讼。"
    )


# -- replies --


def _sentence(text: str) -> str:
    """A paragraph ending as a Chinese sentence: the staff's free text (how to get the information) may lack the 。."""
    return text if text.endswith(("。", "！", "？", "；")) else text + "。"


def _withheld_labels(reasons: Iterable[Reason]) -> str:
    return "；".join(REASONS[r].label for r in reasons)


def _reply_paragraphs(inp: DocumentInput, cite: _Citer, *, strict: bool) -> list[str]:
    """The decision paragraphs of a reply: what was decided, why, on which article, and what to do next."""
    assert inp.outcome is not None
    outcome, reasons, reg = inp.outcome, list(inp.reasons), inp.regulation
    basis = REASON_BASIS[reg]
    article = OUTCOME_ARTICLE[reg].get(outcome)
    paras: list[str] = []
    if outcome is Outcome.ALREADY_PUBLIC:
        paras.append(
            f"经查，您申请获取的政府信息已经主动公开。根据{cite(article or '')}的规定，现告知您获取该政府信息的方式和途径。"
        )
        paras.append(_sentence(f"查阅、获取途径：{inp.access or '本机关门户网站政府信息公开专栏'}"))
    elif outcome is Outcome.DISCLOSED:
        paras.append(
            f"经审查，您申请获取的政府信息属于可以公开的政府信息。根据{cite(article or '')}的规定，本机关决定予以公开。"
        )
        paras.append(_sentence(f"获取方式、途径和时间：{inp.access or '该政府信息随本答复书一并提供（见附件）'}"))
    elif outcome is Outcome.PARTLY_DISCLOSED:
        paras.append(
            "经审查，您申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。"
            f"根据{cite(article or '')}的规定，本机关向您提供可以公开的部分。"
        )
        if inp.access:
            paras.append(_sentence(f"获取方式、途径和时间：{inp.access}"))
        paras.append(f"其余部分{_withheld_labels(reasons)}，根据{cite(*(basis[r] for r in reasons))}的规定，不予公开。")
    elif outcome is Outcome.NOT_DISCLOSED:
        paras.append(
            f"经审查，您申请获取的政府信息{_withheld_labels(reasons)}。"
            f"根据{cite(*(basis[r] for r in reasons), article or '')}的规定，本机关决定不予公开。"
        )
    elif outcome is Outcome.WITHDRAWN:
        paras.append("您已撤回本申请，本机关终止办理。")
    else:
        for reason in reasons:
            paras += _reason_paragraphs(inp, reason, cite, strict=strict)
    return paras


def _reason_paragraphs(inp: DocumentInput, reason: Reason, cite: _Citer, *, strict: bool) -> list[str]:
    """The paragraphs of a cannot-provide, not-handled or other reply for one reason."""
    basis = REASON_BASIS[inp.regulation][reason]
    if reason is Reason.NOT_HELD:
        paras = [
            "经检索，本机关没有制作或者获取过您申请公开的政府信息，本机关不掌握该政府信息。"
            f"根据{cite(basis)}的规定，告知您该政府信息不存在。"
        ]
        if inp.refer_to:  # decided before not_ours existed: keep what the reviewer said
            paras.append(f"经了解，该政府信息可能由{inp.refer_to}掌握，您可以向其咨询。")
        return paras
    if reason is Reason.NOT_OURS:
        return _not_ours_paragraphs(inp, cite(basis))
    if reason is Reason.NEEDS_CREATION:
        return [
            "经审查，本机关没有您申请公开的现成政府信息，需要对现有政府信息进行加工、分析或者另行制作方能形成。"
            f"根据{cite(basis)}的规定，本机关不予提供。"
        ]
    if reason is Reason.UNCLEAR_AFTER_CORRECTION:
        return [
            f"本机关已依照{cite(basis)}的规定告知您对申请作出补正，经补正后申请内容仍不明确，"
            "本机关无法确定您申请公开的政府信息，无法提供。"
        ]
    if reason is Reason.PETITION_OR_COMPLAINT:
        paras = [
            "经审查，您以政府信息公开申请的形式提出的事项属于信访、投诉、举报。"
            f"根据{cite(basis)}的规定，本机关不作为政府信息公开申请处理，您可以通过相应渠道提出。"
        ]
        if inp.access:
            paras.append(_sentence(f"办理途径：{inp.access}"))
        return paras
    if reason is Reason.REPEATED_REQUEST:
        if inp.earlier_reply_number and inp.earlier_reply_date:
            earlier = f"本机关已于{chinese_date(inp.earlier_reply_date)}作出答复（{inp.earlier_reply_number}）"
        elif strict:
            msg = (
                "a repeated-request reply (Art 36(6)) names the earlier reply's 文号 and date: "
                "give earlier_reply_number and earlier_reply_date"
            )
            raise DocumentInputError(msg)
        else:
            earlier = "本机关已作出答复"
        return [
            f"经查，您此前已就相同的政府信息向本机关提出公开申请，{earlier}。您本次提出的申请属于重复申请。"
            f"根据{cite(basis)}的规定，本机关不予重复处理。"
        ]
    if reason is Reason.PUBLICATION:
        return [
            "经审查，您申请获取的是政府公报、报刊、书籍等公开出版物。"
            f"根据{cite(basis)}的规定，告知您获取途径：{inp.access or '可通过公开发行渠道购买或者到公共图书馆查阅'}。"
        ]
    if reason is Reason.EXCESSIVE_WITHOUT_REASON:
        return [
            "您申请公开政府信息的数量、频次明显超过合理范围，本机关已要求您说明理由，本机关认为您的申请理由不合理。"
            f"根据{cite(basis)}的规定，本机关不予处理。"
        ]
    if reason is Reason.CONFIRM_OR_REISSUE:
        return [
            "经审查，您的申请是要求本机关确认或者重新出具您已获取的信息，不属于政府信息公开申请的范围。"
            f"根据{cite(basis)}的规定，本机关不作为政府信息公开申请处理。"
        ]
    if reason is Reason.CORRECTION_NOT_MADE:
        when = f"于{chinese_date(inp.correction_requested_on)}" if inp.correction_requested_on else ""
        return [
            f"本机关{when}书面告知您对申请作出补正，您无正当理由逾期未补正。"
            f"根据{cite(basis)}的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。"
        ]
    if reason is Reason.FEE_NOT_PAID:
        when = f"于{chinese_date(inp.fee_notice_on)}" if inp.fee_notice_on else ""
        return [
            f"本机关{when}向您发出收费通知，您逾期未按收费通知的要求缴纳费用。"
            f"根据{cite(basis)}的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。"
        ]
    if reason is Reason.SPECIAL_REGIME:
        paras = [
            "经审查，您申请获取的信息属于工商、不动产登记资料等信息，有关法律、行政法规对该信息的获取有特别规定。"
            f"根据{cite(basis)}的规定，请您依照有关法律、行政法规的规定办理。"
        ]
        if inp.access:
            paras.append(_sentence(f"办理途径：{inp.access}"))
        return paras
    if reason in (Reason.OTHER,):
        return [f"经审查，本机关对您的申请作如下处理：{inp.access or OUTCOME_LABELS[Outcome.OTHER]}。"]
    # A withholding reason under an outcome other than 不予公开 is refused at decision time (domain.actions).
    return [f"经审查，您申请获取的政府信息{REASONS[reason].label}。根据{cite(basis)}的规定，特此告知。"]


def _not_ours_paragraphs(inp: DocumentInput, citation: str) -> list[str]:
    """Not this agency's to disclose (Art 36(5)): say so, and name the agency that is, with its contact, when known."""
    if inp.refer_to:
        contact = f"（联系方式：{inp.refer_to_contact}）" if inp.refer_to_contact else ""
        told = f"负责公开该政府信息的行政机关为{inp.refer_to}{contact}，您可以向其提出申请。"
    else:
        told = "本机关无法确定负责公开该政府信息的行政机关。"
    return [f"经审查，您申请公开的政府信息不属于本机关负责公开。根据{citation}的规定，告知您：{told}"]


# -- the builder --


def build_document(inp: DocumentInput) -> DocumentContent:
    """The content of one document from plain inputs; a missing input is a ``DocumentInputError`` naming it."""
    return _build(inp, strict=True)


def _build(inp: DocumentInput, *, strict: bool) -> DocumentContent:
    kind, reg = inp.kind, inp.regulation
    cite = _Citer(reg)
    paras: list[str]
    addressee = inp.applicant_name
    remedies: str | None = None
    closing: str | None = "特此告知。"
    table: list[TableRow] = []
    title = TITLES[kind]
    if kind is DocumentKind.FEE_NOTICE and reg is Regulation.R2008:
        title = "政府信息公开收费通知书"  # 2008 Art 27: cost fees, not the 2019 information processing fee
    if kind is DocumentKind.ACKNOWLEDGEMENT:
        _need(inp, "applicant_name", "description", "received", "due")
        days = inp.reply_days or STATUTORY_DAYS[reg][0]
        via = f"通过{CHANNEL_LABELS[inp.channel]}" if inp.channel else ""
        assert inp.received is not None
        assert inp.due is not None
        excluded = "征求第三方和其他机关意见所需时间" if reg is Regulation.R2019 else "征求第三方意见所需时间"
        paras = [
            f"您{via}提交的政府信息公开申请，本机关已于{chinese_date(inp.received)}收到并登记，登记编号为{inp.case_id}。",
            f"申请内容：“{_description(inp)}”。",
            f"根据{cite(ACKNOWLEDGEMENT[reg])}的规定，本机关将自收到申请之日起{days}个工作日内"
            f"（{chinese_date(inp.due)}前）作出答复；需要延长答复期限的，将另行书面告知。{excluded}不计算在答复期限内。",
        ]
        closing = "请妥善保存本回执，凭登记编号查询办理进度。"
    elif kind is DocumentKind.CORRECTION_NOTICE:
        _need(inp, "applicant_name", "description", "received", "correction_items")
        items = [_sentence(f"{i}. {item}") for i, item in enumerate(inp.correction_items, 1)]
        by_when = _by_when(inp.correction_deadline, inp.correction_period_days, "本告知书")
        if reg is Regulation.R2019:
            paras = [
                _received_sentence(inp),
                f"经审查，您的申请需要补正。根据{cite(CORRECTION[reg])}的规定，现一次性告知您需要补正的事项如下：",
                *items,
                f"请您{by_when}向本机关提交补正后的申请。"
                "答复期限自本机关收到补正的申请之日起计算。"
                "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
            ]
        else:
            paras = [
                _received_sentence(inp),
                f"经审查，您的申请内容不明确。根据{cite(CORRECTION[reg])}的规定，请您对申请作出以下更改、补充：",
                *items,
                f"请您{by_when}向本机关提交更改、补充后的申请。",
            ]
    elif kind is DocumentKind.EXTENSION_NOTICE:
        _need(inp, "applicant_name", "description", "received", "extension_days", "extension_reason", "new_due")
        assert inp.new_due is not None
        paras = [
            _received_sentence(inp),
            f"因{inp.extension_reason}，本机关不能在规定期限内作出答复。根据{cite(EXTENSION[reg])}的规定，"
            f"经政府信息公开工作机构负责人同意，答复期限延长{inp.extension_days}个工作日，"
            f"本机关将于{chinese_date(inp.new_due)}前作出答复。",
        ]
    elif kind is DocumentKind.LONGER_PERIOD_NOTICE:
        if reg not in LONGER_PERIOD:
            msg = "a longer reply period for excessive requests (Art 35) exists only under the 2019 Regulations"
            raise DocumentInputError(msg)
        _need(inp, "applicant_name", "description", "received", "extension_days", "extension_reason", "new_due")
        assert inp.new_due is not None
        paras = [
            _received_sentence(inp),
            f"因{inp.extension_reason}，您申请公开政府信息的数量、频次明显超过合理范围，本机关不能在规定期限内作出答复。"
            f"根据{cite(LONGER_PERIOD[reg])}的规定，本机关确定延迟答复的合理期限为{inp.extension_days}个工作日，"
            f"将于{chinese_date(inp.new_due)}前作出答复。",
        ]
    elif kind is DocumentKind.CONSULTATION_LETTER:
        paras, addressee = _consultation(inp, cite)
    elif kind is DocumentKind.FEE_NOTICE:
        paras = _fee_notice(inp, cite)
    elif kind is DocumentKind.REPLY:
        _need(inp, "applicant_name", "description", "received", "outcome")
        assert inp.outcome is not None
        if inp.outcome not in (Outcome.ALREADY_PUBLIC, Outcome.DISCLOSED, Outcome.WITHDRAWN) and not inp.reasons:
            msg = f"a reply with outcome {inp.outcome.value} needs its reason codes (the legal ground)"
            raise DocumentInputError(msg)
        paras = [_received_sentence(inp), *_reply_paragraphs(inp, cite, strict=strict)]
        remedies = remedies_paragraph(inp.outcome, inp.issued_on, inp.reconsideration_body, inp.remedy_rules)
    elif kind is DocumentKind.REFERRAL_NOTICE:
        _need(inp, "applicant_name", "description", "received")
        paras = [_received_sentence(inp), *_not_ours_paragraphs(inp, cite(REFERRAL[reg]))]
        remedies = remedies_paragraph(Outcome.CANNOT_PROVIDE, inp.issued_on, inp.reconsideration_body, inp.remedy_rules)
    else:  # SERVICE_RECEIPT
        _need(inp, "applicant_name", "served_title", "delivery")
        assert inp.delivery is not None
        served = f"《{inp.served_title}》" + (f"（{inp.served_number}）" if inp.served_number else "")
        table = [
            TableRow(label="送达文书", value=served),
            TableRow(label="受送达人", value=inp.applicant_name or ""),
            TableRow(label="送达地址", value=inp.delivery_address or ""),
            TableRow(label="送达方式", value=DELIVERY_LABELS[inp.delivery]),
            TableRow(label="送达机关", value=inp.agency),
            TableRow(label="送达人（签名）", value=""),
            TableRow(label="受送达人（签名或者盖章）", value="        年    月    日"),
            TableRow(label="备注", value=""),
        ]
        paras, addressee, closing = [], None, None
    number = inp.number if kind in NUMBERED_KINDS else None
    if kind in NUMBERED_KINDS and strict and not number:
        msg = f"a {kind.value} carries a document number (文号): allocate one and pass it as number"
        raise DocumentInputError(msg)
    return DocumentContent(
        kind=kind,
        regulation=reg,
        case_id=inp.case_id,
        issuer=inp.agency,
        title=title,
        number=number,
        addressee=addressee,
        paragraphs=paras,
        remedies=remedies,
        closing=closing,
        table=table,
        contact=inp.contact,
        signature=Signature(agency=inp.agency, date=inp.issued_on, date_text=chinese_date(inp.issued_on)),
        articles=cite.cited,
        outcome=inp.outcome if kind is DocumentKind.REPLY else None,
    )


def _consultation(inp: DocumentInput, cite: _Citer) -> tuple[list[str], str | None]:
    """A consultation letter to a third party (Art 32) or another agency (Art 34); never names the applicant."""
    _need(inp, "consultation_kind", "consultation_party", "description", "received")
    assert inp.received is not None
    reg = inp.regulation
    # Counted from the party's receipt of the letter: a date only where the case fixed one when it wrote.
    answer_by = chinese_date(inp.consultation_answer_by) if inp.consultation_answer_by else None
    within = f"自收到本函之日起{inp.consultation_days}个工作日内" + (f"（{answer_by}前）" if answer_by else "")
    opening = f"本机关于{chinese_date(inp.received)}收到一份政府信息公开申请，申请公开的信息为：“{_description(inp)}”。"
    if inp.consultation_kind == "third_party":
        law = cite(CONSULT_THIRD_PARTY[reg])
        if reg is Regulation.R2019:
            rule = (
                "逾期未提出意见的，由本机关依照《条例》的规定决定是否公开。贵方不同意公开且有合理理由的，本机关不予公开；"
                "本机关认为不公开可能对公共利益造成重大影响的，可以决定予以公开，并将决定公开的政府信息内容和理由书面告知贵方。"
            )
            when = within
        else:
            rule = (
                "贵方不同意公开的，本机关不予公开；但本机关认为不公开可能对公共利益造成重大影响的，将予以公开，"
                "并将决定公开的政府信息内容和理由书面通知贵方。"
            )
            when = f"于{answer_by}前" if answer_by else within
        return [
            opening,
            f"经审查，该信息可能涉及贵方的商业秘密、个人隐私等合法权益，公开后可能损害贵方合法权益。根据{law}的规定，现书面征求贵方意见。",
            f"请贵方{when}书面提出是否同意公开的意见；不同意公开的，请说明理由。{rule}",
        ], inp.consultation_party
    if inp.consultation_kind == "agency":
        law = cite(CONSULT_AGENCY[reg])
        if reg is Regulation.R2019:
            ask = f"请贵机关{within}书面提出意见，逾期未提出意见的，视为同意公开。"
        else:
            ask = f"请贵机关于{answer_by}前书面提出意见。" if answer_by else f"请贵机关{within}书面提出意见。"
        return [
            opening,
            f"经审查，该信息涉及贵机关（由贵机关参与制作或者涉及贵机关职责）。根据{law}的规定，现征求贵机关意见。",
            ask,
        ], inp.consultation_party
    msg = f"consultation_kind must be third_party or agency, not {inp.consultation_kind!r}"
    raise DocumentInputError(msg)


def _fee_notice(inp: DocumentInput, cite: _Citer) -> list[str]:
    """A fee notice: basis, standard, amount, how and by when to pay, and what non-payment means."""
    _need(inp, "applicant_name", "description", "received", "fee_amount")
    assert inp.fee_amount is not None
    reg = inp.regulation
    pay_by = f"（{chinese_date(inp.fee_pay_by)}前）" if inp.fee_pay_by else ""
    basis = inp.fee_basis
    if basis is None and reg is Regulation.R2019 and inp.fee_method is not None and inp.fee_quantity is not None:
        basis = fee_basis(inp.fee_method, inp.fee_quantity)  # 109号 methods implement the 2019 Art 42 only
    amount = f"应缴纳费用：人民币{inp.fee_amount:,}元。"
    reference = inp.number or inp.case_id
    if reg is Regulation.R2019:
        if not basis:
            msg = "a fee notice states its basis and standard: give fee_basis, or fee_method and fee_quantity"
            raise DocumentInputError(msg)
        pause = "缴费期间不计算在答复期限内。" if inp.fee_pauses_clock else ""
        return [
            _received_sentence(inp),
            f"根据{cite(FEE[reg], Basis(source=FEE_MEASURES))}的规定，您的申请应当缴纳信息处理费。{basis}。",
            amount,
            f"请您自收到本通知次日起{inp.fee_payment_days}个工作日内{pay_by}{inp.fee_payment}缴纳，并注明编号{reference}。"
            f"逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。{pause}",
        ]
    law = cite(FEE[reg])
    waiver = cite(FEE_WAIVER_2008)
    return [
        _received_sentence(inp),
        f"根据{law}的规定，本机关依申请提供政府信息，收取检索、复制、邮寄等成本费用。"
        + (f"{basis}。" if basis else ""),
        amount,
        f"请您{_by_when(inp.fee_pay_by, inp.fee_payment_days, '本通知')}{inp.fee_payment}缴纳，并注明编号{reference}。"
        f"根据{waiver}的规定，您确有经济困难的，可以申请减免相关费用。",
    ]


def _by_when(deadline: date | None, days: int | None, document: str) -> str:
    """``于2026年12月18日前（15个工作日内）``; counted from receipt of ``document`` when no date is fixed yet."""
    if deadline is None:
        return f"自收到{document}之日起{days}个工作日内" if days else f"自收到{document}之日起在合理期限内"
    return f"于{chinese_date(deadline)}前" + (f"（{days}个工作日内）" if days else "")


def regulation_for_profile(profile: str) -> Regulation:
    """The version of the Regulations a rule profile stands for: ``2008…`` profiles the 2008 text, others 2019."""
    return Regulation.R2008 if profile.startswith("2008") else Regulation.R2019


def reply_text(inp: DocumentInput) -> str:
    """The plain text of a reply, lenient where the workflow of earlier cases lacks an input.

    For ``domain.reply.render_reply``: a repeated-request reply without the earlier reply's number says
    only that one was given, and a reply without a 文号 shows none; ``build_document`` refuses both.
    """
    return _build(inp, strict=False).text()
