"""The import sheet (存量案件导入表): its columns and the reading of one row (its words: ``domain.import_words``).

One row is one case an agency handled before ogi: who applied and how, when it was received, and the
dated steps of its handling so far (correction, consultation, extension, fee, the reply). Headers are
the Chinese ones staff know (the machine names are accepted too); labels are those of ogi's own
sheets and of the annual report's form. Pure: ``service.spreadsheets`` reads a file into cells, and
``domain.import_history`` places the row's history on the rules.

A refusal names the line, the column and the rule, never a cell's content where that could be
personal data (the applicant's name, identity number, contacts, the request's text).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from domain.actor import NameProblem, normalize_name
from domain.application import Application
from domain.fees import FeeMethod
from domain.import_words import (
    CHANNEL_WORDS,
    CONSULTATION_WORDS,
    DELIVERY_WORDS,
    FEE_WORDS,
    IMPORTABLE_STAGES,
    KIND_WORDS,
    OUTCOME_WORDS,
    REASON_WORDS,
    STAGE_WORDS,
    Words,
    normal,
)
from domain.input_problems import input_problem
from domain.listing_sheet import STAGE_LABELS
from domain.messages import Msg, Text
from domain.outcomes import Outcome, Reason
from domain.vocabulary import ApplicantKind, Channel, Delivery, Stage

Cell = str | int | float | date | datetime | bool | None
"""A cell as a reader hands it over: text from a CSV; text, numbers or dates from a workbook."""

MAX_ROWS = 50_000
"""Rows one import takes; a larger register is imported in parts (each part is all-or-nothing)."""


@dataclass(frozen=True)
class Column:
    """One column of the import sheet: its key, the header staff see, what it holds and when it is needed."""

    key: str
    header: str
    doc: str
    """What it holds (English: the API's documentation)."""
    zh: str
    """What it holds, for the template's 说明 sheet."""
    required: bool = False
    """Every row fills it."""
    when: str = ""
    """When else it must be filled (the 说明 sheet's words); empty: optional."""
    aliases: tuple[str, ...] = ()
    personal: bool = False
    """Personal data: never repeated in a message, a log or an error."""


def _col(key: str, header: str, doc: str, zh: str, *aliases: str, **options: Any) -> Column:
    return Column(key, header, doc, zh, aliases=aliases, **options)


COLUMNS: tuple[Column, ...] = (
    _col(
        "agency",
        "机关",
        "the disclosure body, as named in the configuration (or its code)",
        "受理申请的行政机关名称（与配置一致，或其代码）",
        "受理机关",
        required=True,
    ),
    _col(
        "external_ref",
        "原编号",
        "the case's number in the old register; importing the same number again finds the case already imported",
        "原登记台账中的编号；同一编号再次导入时识别为已导入，不重复导入",
        "原登记编号",
        "登记编号",
        required=True,
    ),
    _col(
        "channel",
        "申请渠道",
        "how the application came in (Art 31)",
        "申请的提交渠道（条例第三十一条）",
        "渠道",
        "提交方式",
        required=True,
    ),
    _col(
        "applicant_kind",
        "申请人类型",
        "the applicant column of the annual report",
        "申请人类型，即年度报告的申请人情况列",
        required=True,
    ),
    _col(
        "applicant_name",
        "申请人",
        "name of the person or organisation",
        "申请人姓名或名称",
        "申请人姓名",
        required=True,
        personal=True,
    ),
    _col(
        "id_number",
        "证件号码",
        "identity number or unified social credit code (format the column as text)",
        "身份证件号码或统一社会信用代码（请将该列设为文本格式，以免长数字被改写）",
        "身份证号码",
        personal=True,
    ),
    _col("phone", "联系电话", "phone number", "联系电话", "电话", personal=True),
    _col("email", "电子邮箱", "e-mail address", "电子邮箱", "邮箱", personal=True),
    _col("address", "通讯地址", "postal address", "通讯地址", "地址", personal=True),
    _col(
        "description",
        "申请内容",
        "the information asked for",
        "申请公开的政府信息内容",
        "所需信息",
        required=True,
        personal=True,
    ),
    _col(
        "delivery",
        "获取方式",
        "how the reply goes out; default: e-mail if given, else post if an address, else collected",
        "获取信息的方式；空白时：有电子邮箱为电子邮件，有通讯地址为邮寄，否则为自行领取",
        "送达方式",
    ),
    _col(
        "received",
        "收到日期",
        "receipt date (Art 31): the clock counts from the next day; required unless 待确认收到",
        "收到申请之日（条例第三十一条），答复期限自次日起算",
        "收件日期",
        when="除“待确认收到”外必填",
    ),
    _col("stage", "办理状态", "where the case stands today", "案件目前所处的办理状态", "状态", "阶段", required=True),
    _col(
        "outcome",
        "办理结果",
        "the reply's outcome (已办结), or the answer proposed at the secrecy check (保密审查)",
        "答复结果（已办结），或报送保密审查的拟办结果（保密审查）",
        "答复结果",
        "结果",
        when="已办结、保密审查时必填",
    ),
    _col(
        "reasons",
        "理由",
        "reason codes or the form's sub-row labels, separated by ；",
        "理由：年度报告表格的子项名称或代码，多个用“；”分隔",
        "答复理由",
        when="按办理结果（不予公开、无法提供、不予处理、其他处理、部分公开）",
    ),
    _col(
        "closed_on",
        "办结日期",
        "the day the reply was made (its secrecy check signed), or the withdrawal; empty for an open case",
        "作出答复（保密审查签发）之日，或申请人撤回之日；未办结的留空",
        "答复日期",
        when="已办结时必填（逾期不补正、逾期未缴费的以期限届满为准，可留空）",
    ),
    _col(
        "handler",
        "承办人",
        "user name of the handler: proposes the answer; an open case is assigned to them",
        "承办人用户名：作出拟办意见；未办结的案件分派给此人",
    ),
    _col(
        "secrecy_reviewer",
        "保密审查人",
        "user name of who signed the secrecy check (not the handler)",
        "签发保密审查的人员用户名（不得与承办人为同一人）",
    ),
    _col(
        "correction_requested_on",
        "补正告知日期",
        "day the correction request went out (Art 30)",
        "发出补正告知之日（条例第三十条）",
        "补正日期",
    ),
    _col(
        "correction_received_on",
        "补正收到日期",
        "day the corrected application came in: the period restarts",
        "收到补正后申请之日：答复期限重新起算",
    ),
    _col("extended_on", "延期日期", "day the extension was approved (Art 33)", "延期答复经批准之日（条例第三十三条）"),
    _col("extension_reason", "延期理由", "the reason given to the applicant", "告知申请人的延期理由"),
    _col(
        "consulted_on",
        "征求意见日期",
        "day a consultation went out (Arts 32, 34)",
        "书面征求第三方或其他机关意见之日（条例第三十二条、第三十四条）",
    ),
    _col(
        "consultation_kind",
        "征求意见对象",
        "第三方 or 其他机关",
        "第三方或其他机关",
        when="填写征求意见日期时必填",
    ),
    _col(
        "consultation_answered_on",
        "征求意见答复日期",
        "day the answer came in (empty: the 15 working days run out)",
        "收到意见之日（空白：15个工作日期满视为未答复）",
    ),
    _col("fee_notice_on", "收费通知日期", "day the fee notice went out", "发出收费通知之日"),
    _col(
        "fee_method",
        "收费方式",
        "按件 or 按量 (国办函〔2020〕109号)",
        "按件或按量（国办函〔2020〕109号）",
        when="填写收费通知日期时必填",
    ),
    _col(
        "fee_quantity",
        "收费数量",
        "按量: pages; 按件: the applicant's n-th application that month, as the notice says",
        "按量：页数；按件：收费通知载明的申请人当月第几件申请",
        when="填写收费通知日期时必填",
    ),
    _col("fee_paid_on", "缴费日期", "day the fee was paid", "缴费之日"),
    _col(
        "notes",
        "备注",
        "yours: not imported (free text may hold personal data the archive must not keep)",
        "供自行备注，不导入（自由文本可能含个人信息，归档不予保存）",
    ),
)
"""The sheet's columns in template order."""

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
PERSONAL_LENGTHS = {
    "applicant_name": 200,
    "id_number": 64,
    "phone": 40,
    "email": 200,
    "address": 500,
    "description": 100_000,
}
"""The longest text each personal column takes (the application's own bounds)."""

DATE_KEYS = frozenset(
    {
        "received",
        "closed_on",
        "correction_requested_on",
        "correction_received_on",
        "extended_on",
        "consulted_on",
        "consultation_answered_on",
        "fee_notice_on",
        "fee_paid_on",
    }
)


INSTRUCTIONS_SHEET = "说明"
"""The template's sheet that documents each column, its words and codes."""
CLOSED_LABEL = STAGE_LABELS[Stage.CLOSED]

_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,99}$")
_SEPARATORS = re.compile(r"[；;、,，/\n]+")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class ImportProblem:
    """Why a row (or the file) cannot be imported: the line, the column as the file names it, and the rule.

    The rule is a message said in the reader's language where it is shown (``service.imports``).
    """

    line: int
    column: str | None
    message: Text


class ImportRow(BaseModel):
    """One row, read: the case's facts typed and checked one by one (their history is placed later)."""

    line: int
    agency: str
    original_number: str
    channel: Channel
    applicant_kind: ApplicantKind
    applicant_name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    description: str
    delivery: Delivery | None = None
    received: date | None = None
    stage: Stage
    outcome: Outcome | None = None
    reasons: list[Reason] = []
    closed_on: date | None = None
    handler: str | None = None
    secrecy_reviewer: str | None = None
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    extended_on: date | None = None
    extension_reason: str | None = None
    consulted_on: date | None = None
    consultation_kind: Literal["third_party", "agency"] | None = None
    consultation_answered_on: date | None = None
    fee_notice_on: date | None = None
    fee_method: FeeMethod | None = None
    fee_quantity: int | None = None
    fee_paid_on: date | None = None

    @property
    def external_ref(self) -> str:
        """The application's ``external_ref``: the original number, or a digest of it where it has other characters.

        The same number always gives the same reference, so an import run again finds its cases.
        """
        return external_ref_of(self.original_number)

    @property
    def closes_by_lapse(self) -> Reason | None:
        """The reason a closed row's case ended by a period running out (not made in time), if it did."""
        if self.stage is not Stage.CLOSED or self.outcome is not Outcome.OTHER or len(self.reasons) != 1:
            return None
        if self.reasons[0] is Reason.CORRECTION_NOT_MADE and self.correction_received_on is None:
            return Reason.CORRECTION_NOT_MADE
        if self.reasons[0] is Reason.FEE_NOT_PAID and self.fee_paid_on is None:
            return Reason.FEE_NOT_PAID
        return None


def external_ref_of(original: str) -> str:
    """The intake reference an original number imports under (see ``ImportRow.external_ref``)."""
    if _REF.match(original):
        return original
    return "imp-" + hashlib.sha256(original.encode()).hexdigest()[:24]


def header_keys(headers: list[Cell], line: int = 1) -> tuple[dict[int, str], list[ImportProblem]]:
    """Which column key each header names (by position), and what is wrong with the header row.

    An unknown header is refused rather than skipped: a misspelt optional column would otherwise drop
    its dates silently and move a deadline.
    """
    words = {normal(word): c.key for c in COLUMNS for word in (c.header, c.key, *c.aliases)}
    keys: dict[int, str] = {}
    problems: list[ImportProblem] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(headers):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        key = words.get(normal(text))
        if key is None:
            known = "、".join(c.header for c in COLUMNS)
            msg = Msg("unknown column; the columns are: {known}", known=known)
            problems.append(ImportProblem(line=line, column=text, message=msg))
            continue
        if key in seen:
            msg = Msg("names the same column as '{other}'; keep one", other=seen[key])
            problems.append(ImportProblem(line=line, column=text, message=msg))
            continue
        seen[key] = text
        keys[index] = key
    for column in COLUMNS:
        if column.required and column.key not in seen:
            problems.append(ImportProblem(line=line, column=column.header, message=Msg("this column is missing")))
    return keys, problems


class _Cells:
    """The cells of one row by key, and the problems found reading them."""

    def __init__(self, line: int, cells: Mapping[str, Cell], headers: Mapping[str, str], today: date) -> None:
        self.line = line
        self.cells = cells
        self.headers = headers
        self.today = today
        self.problems: list[ImportProblem] = []

    def header(self, key: str) -> str:
        """The column's header as the file names it."""
        return self.headers.get(key, BY_KEY[key].header)

    def problem(self, key: str, message: Msg) -> None:
        self.problems.append(ImportProblem(line=self.line, column=self.header(key), message=message))

    def text(self, key: str, *, max_length: int = 200) -> str | None:
        value = self.cells.get(key)
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime):
            value = value.date()
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if not text:
            return None
        if len(text) > max_length:
            self.problem(key, Msg("longer than {n} characters", n=max_length))
            return None
        return text

    def word(self, key: str, words: Words, values: Iterable[str] | None = None) -> str | None:
        text = self.text(key)
        if text is None:
            return None
        found = words.find(text)
        if found is None:
            self.problem(key, Msg("'{text}' is not one of: {choices}", text=text, choices=words.describe(values)))
        return found

    def day(self, key: str) -> date | None:
        value = self.cells.get(key)
        if isinstance(value, datetime):
            found: date | None = value.date()
        elif isinstance(value, date):
            found = value
        else:
            text = self.text(key)
            if text is None:
                return None
            match = _DATE_TEXT.match(text)
            try:
                found = date(int(match[1]), int(match[2]), int(match[3])) if match else None
            except ValueError:
                found = None
            if found is None:
                self.problem(
                    key, Msg("'{text}' is not a date; write YYYY-MM-DD (or format the cell as a date)", text=text)
                )
                return None
        assert found is not None
        if found > self.today:
            self.problem(key, Msg("{day} is in the future (today is {today})", day=found, today=self.today))
            return None
        return found

    def name(self, key: str) -> str | None:
        text = self.text(key, max_length=64)
        if text is None:
            return None
        try:
            return normalize_name(text)
        except NameProblem:
            self.problem(key, Msg("not a usable user name (no spaces or invisible characters); write the user's name"))
            return None

    def quantity(self, key: str) -> int | None:
        text = self.text(key)
        if text is None:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
            self.problem(key, Msg("'{text}' is not a whole number from 1 to 1,000,000", text=text))
            return None
        return int(text)


def read_row(
    line: int, cells: Mapping[str, Cell], today: date, headers: Mapping[str, str] | None = None
) -> tuple[ImportRow | None, list[ImportProblem]]:
    """One row's facts typed and checked (each column, then the columns together); the problems otherwise.

    ``cells`` maps column keys to cells; ``headers`` the keys to the headers the file used, for messages.
    """
    c = _Cells(line, cells, headers or {}, today)
    personal = {col.key: c.text(col.key, max_length=PERSONAL_LENGTHS[col.key]) for col in COLUMNS if col.personal}
    stage_text = c.word("stage", STAGE_WORDS, IMPORTABLE_STAGES)
    stage = Stage(stage_text) if stage_text else None
    if stage is Stage.REPLYING:
        c.problem(
            "stage",
            Msg(
                "a reply being sent is not importable: import the case as {closed} once it is made", closed=CLOSED_LABEL
            ),
        )
        stage = None
    reasons: list[Reason] = []
    for part in _SEPARATORS.split(c.text("reasons", max_length=500) or ""):
        if not part.strip():
            continue
        found = REASON_WORDS.find(part)
        if found is None:
            msg = Msg(
                "'{text}' is not a reason; use the codes or labels of the template's sheet {sheet}",
                text=part.strip(),
                sheet=INSTRUCTIONS_SHEET,
            )
            c.problem("reasons", msg)
            continue
        reasons.append(Reason(found))
    values: dict[str, object] = {
        "agency": c.text("agency", max_length=100),
        "original_number": c.text("external_ref", max_length=100),
        "channel": c.word("channel", CHANNEL_WORDS),
        "applicant_kind": c.word("applicant_kind", KIND_WORDS),
        "delivery": c.word("delivery", DELIVERY_WORDS),
        "stage": stage,
        "outcome": c.word("outcome", OUTCOME_WORDS),
        "reasons": reasons,
        "handler": c.name("handler"),
        "secrecy_reviewer": c.name("secrecy_reviewer"),
        "extension_reason": c.text("extension_reason", max_length=1000),
        "consultation_kind": c.word("consultation_kind", CONSULTATION_WORDS),
        "fee_method": c.word("fee_method", FEE_WORDS),
        "fee_quantity": c.quantity("fee_quantity"),
        **{key: c.day(key) for key in sorted(DATE_KEYS)},
    }
    values.update(personal)
    for column in COLUMNS:
        if column.required and values.get(_field(column.key)) is None and not _reported(c, column.key):
            c.problem(column.key, Msg("must be filled"))
    if c.problems:
        return None, c.problems
    row = ImportRow.model_validate({"line": line, **values})
    _check_together(row, c)
    return (None, c.problems) if c.problems else (row, [])


def _field(key: str) -> str:
    return "original_number" if key == "external_ref" else key


def _reported(c: _Cells, key: str) -> bool:
    header = c.header(key)
    return any(p.column == header for p in c.problems)


def _check_together(row: ImportRow, c: _Cells) -> None:
    """What the columns must say together: the stage's own facts, pairs of dates, nothing before receipt."""
    stage = row.stage
    if row.received is None and stage is not Stage.AWAITING_RECEIPT:
        msg = Msg(
            "must be filled unless {status} is {stage}",
            status=c.header("stage"),
            stage=STAGE_LABELS[Stage.AWAITING_RECEIPT],
        )
        c.problem("received", msg)
    if stage is Stage.AWAITING_RECEIPT:
        steps = [k for k in sorted(DATE_KEYS) if getattr(row, k) is not None and k != "received"]
        if row.received is not None or steps or row.outcome is not None:
            c.problem("stage", Msg("a case awaiting confirmation of receipt has no receipt date, steps or outcome yet"))
    if stage in (Stage.CLOSED, Stage.SECRECY_REVIEW) and row.outcome is None:
        c.problem(
            "outcome",
            Msg("must be filled when {status} is {stage}", status=c.header("stage"), stage=STAGE_LABELS[stage]),
        )
    if stage not in (Stage.CLOSED, Stage.SECRECY_REVIEW) and (row.outcome is not None or row.reasons):
        msg = Msg(
            "an open case at {stage} has no outcome yet; leave {outcome} and {reasons} empty",
            stage=STAGE_LABELS[stage],
            outcome=c.header("outcome"),
            reasons=c.header("reasons"),
        )
        c.problem("outcome", msg)
    if stage is Stage.CLOSED and row.closed_on is None and row.closes_by_lapse is None:
        c.problem(
            "closed_on", Msg("must be filled for a closed case (the day the reply was made, or of the withdrawal)")
        )
    if stage is not Stage.CLOSED and row.closed_on is not None:
        msg = Msg(
            "only a closed case has one; leave it empty or set {status} to {closed}",
            status=c.header("stage"),
            closed=CLOSED_LABEL,
        )
        c.problem("closed_on", msg)
    if stage is Stage.SECRECY_REVIEW and row.outcome is Outcome.WITHDRAWN:
        c.problem("outcome", Msg("a withdrawal is not an answer awaiting the secrecy check"))
    if row.outcome is Outcome.WITHDRAWN and row.reasons:
        c.problem("reasons", Msg("a withdrawal takes no reason"))
    pairs = (
        ("correction_received_on", "correction_requested_on"),
        ("consultation_answered_on", "consulted_on"),
        ("consultation_kind", "consulted_on"),
        ("consulted_on", "consultation_kind"),
        ("extension_reason", "extended_on"),
        ("fee_paid_on", "fee_notice_on"),
        ("fee_notice_on", "fee_method"),
        ("fee_notice_on", "fee_quantity"),
        ("fee_method", "fee_notice_on"),
        ("fee_quantity", "fee_notice_on"),
    )
    for given, needed in pairs:
        if getattr(row, given) is not None and getattr(row, needed) is None:
            c.problem(needed, Msg("must be filled with {column}", column=c.header(given)))
    for earlier, later in (
        ("correction_requested_on", "correction_received_on"),
        ("consulted_on", "consultation_answered_on"),
        ("fee_notice_on", "fee_paid_on"),
    ):
        first, then = getattr(row, earlier), getattr(row, later)
        if first is not None and then is not None and then < first:
            header = c.header(earlier)
            c.problem(later, Msg("{day} is before {column} {earlier}", day=then, column=header, earlier=first))
    if row.received is not None:
        for key in sorted(DATE_KEYS - {"received"}):
            day = getattr(row, key)
            if day is not None and day < row.received:
                c.problem(key, Msg("{day} is before the receipt date {received}", day=day, received=row.received))


APPLICATION_FIELDS: dict[str, str] = {
    "agency": "agency",
    "channel": "channel",
    "received": "received",
    "applicant.kind": "applicant_kind",
    "applicant.name": "applicant_name",
    "applicant.id_number": "id_number",
    "applicant.phone": "phone",
    "applicant.address": "address",
    "description": "description",
    "delivery": "delivery",
    "email": "email",
}
"""Where an application field's problem is reported: the sheet's column."""


def application_of(row: ImportRow) -> tuple[Application | None, ImportProblem | None]:
    """The application a row registers (the intake contract's document), or the problem naming its column.

    The delivery defaults to e-mail when an address is given, else post when a postal address is, else
    collection at the agency.
    """
    delivery = row.delivery or (Delivery.EMAIL if row.email else Delivery.POST if row.address else Delivery.COLLECT)
    data = {
        "external_ref": row.external_ref,
        "agency": row.agency,
        "channel": row.channel,
        "received": row.received,
        "applicant": {
            "kind": row.applicant_kind,
            "name": row.applicant_name,
            **{k: v for k, v in (("id_number", row.id_number), ("phone", row.phone), ("address", row.address)) if v},
        },
        "description": row.description,
        "delivery": delivery,
        "email": row.email,
        "original_number": row.original_number,
    }
    try:
        return Application.model_validate(data), None
    except ValidationError as exc:
        # Only the message and the field: pydantic's own text repeats the input, which may be personal data.
        err = exc.errors()[0]
        english = str(err["msg"]).removeprefix("Value error, ")
        key = APPLICATION_FIELDS.get(".".join(str(p) for p in err["loc"])) or _column_of(english)
        return None, ImportProblem(line=row.line, column=BY_KEY[key].header, message=input_problem(err))


def _column_of(message: str) -> str:
    """The column a problem of the whole application is about, from the field its message names first."""
    named = [(message.find(field), key) for field, key in APPLICATION_FIELDS.items() if field in message]
    return min(named)[1] if named else "delivery"
