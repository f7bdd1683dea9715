"""The import template (``ogi import --template``, ``examples/import-template.xlsx``): the sheet and its instructions.

Pure: two grids, written by ``service.spreadsheets``. The first sheet has the header row and example
rows (原编号 ``示例-…``, which the import refuses, so an example never becomes a case); the second
documents each column: its machine name, when it is needed, what it holds and the words it takes.
"""

from __future__ import annotations

from datetime import date

from domain.import_sheet import COLUMNS, DATE_KEYS
from domain.import_words import (
    CHANNEL_WORDS,
    CONSULTATION_WORDS,
    DELIVERY_WORDS,
    FEE_WORDS,
    IMPORTABLE_STAGES,
    KIND_WORDS,
    OUTCOME_WORDS,
    REASON_LABELS,
    STAGE_WORDS,
)
from domain.outcomes import REASONS
from domain.sheets import Cell, Grid

CASES_SHEET = "案件"

EXAMPLES: tuple[dict[str, Cell], ...] = (
    {
        "agency": "六安市民政局",
        "external_ref": "示例-1",
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "张三",
        "phone": "13800000000",
        "address": "安徽省六安市金安区某路1号",
        "description": "申请公开2025年度城乡最低生活保障资金发放情况",
        "received": date(2026, 3, 2),
        "stage": "已办结",
        "outcome": "予以公开",
        "closed_on": date(2026, 3, 20),
        "handler": "li",
        "secrecy_reviewer": "wang",
    },
    {
        "agency": "六安市民政局",
        "external_ref": "示例-2",
        "channel": "互联网渠道",
        "applicant_kind": "商业企业",
        "applicant_name": "某某商贸有限公司",
        "email": "gongsi@example.com",
        "description": "申请公开某项目招标文件",
        "received": date(2026, 3, 5),
        "stage": "已办结",
        "outcome": "部分公开",
        "reasons": "商业秘密",
        "closed_on": date(2026, 4, 20),
        "handler": "li",
        "extended_on": date(2026, 3, 30),
        "extension_reason": "需征求第三方意见",
        "consulted_on": date(2026, 3, 10),
        "consultation_kind": "第三方",
        "consultation_answered_on": date(2026, 3, 20),
    },
    {
        "agency": "六安市民政局",
        "external_ref": "示例-3",
        "channel": "平常信函",
        "applicant_kind": "自然人",
        "applicant_name": "李四",
        "address": "安徽省六安市裕安区某路2号",
        "description": "申请公开某文件",
        "received": date(2026, 3, 9),
        "stage": "已办结",
        "outcome": "其他处理",
        "reasons": "逾期不补正",
        "correction_requested_on": date(2026, 3, 11),
    },
    {
        "agency": "六安市民政局",
        "external_ref": "示例-4",
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "王五",
        "phone": "13900000000",
        "description": "申请公开某街道2025年度低保审批名单",
        "received": date(2026, 11, 16),
        "stage": "办理中",
        "handler": "li",
    },
)
"""Example rows: a disclosure, a partial disclosure after a consultation and an extension, an application
abandoned after a correction request (closed when its period ran out), and an open case."""


def template_grid() -> Grid:
    """The first sheet: the header row, then the example rows."""
    grid = Grid()
    grid.add([c.header for c in COLUMNS], header=True)
    for example in EXAMPLES:
        grid.add([example.get(c.key) for c in COLUMNS])
    return grid


def _accepted(key: str) -> str:
    words = {
        "channel": CHANNEL_WORDS.describe(codes=True),
        "applicant_kind": KIND_WORDS.describe(codes=True),
        "stage": STAGE_WORDS.describe(IMPORTABLE_STAGES, codes=True),
        "outcome": OUTCOME_WORDS.describe(codes=True),
        "delivery": DELIVERY_WORDS.describe(codes=True),
        "consultation_kind": CONSULTATION_WORDS.describe(codes=True),
        "fee_method": FEE_WORDS.describe(codes=True),
        "reasons": "；".join(
            f"{label}（{r.value}，{OUTCOME_WORDS.describe([REASONS[r].outcome])}）"
            for r, label in REASON_LABELS.items()
        ),
    }
    if key in words:
        return words[key]
    if key in DATE_KEYS:
        return "YYYY-MM-DD，或设置为日期格式的单元格"
    if key in ("handler", "secrecy_reviewer"):
        return "用户名（与 ogi 中的用户名一致；空白：未记录）"
    return ""


def instructions_grid() -> Grid:
    """The second sheet: one line per column, with its machine name, when it is needed, its meaning and words."""
    grid = Grid()
    grid.add(["存量案件导入表说明（ogi import）"], title=True)
    grid.add(
        [
            "每行一个案件；第一行为列名。已办结的案件进入归档（计入年度报告），未办结的案件在其当前阶段继续办理，"
            "各项日期按规则重新核验。示例行（原编号以“示例”开头）不会被导入，请删除后填写。"
        ],
        title=True,
    )
    grid.add(["列名", "机器名", "何时必填", "含义", "可填写的值"], header=True)
    for column in COLUMNS:
        when = "必填" if column.required else column.when or "选填"
        grid.add([column.header, column.key, when, column.zh, _accepted(column.key)])
    return grid
