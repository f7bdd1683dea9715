"""The annual report's tables 三 and 四 as printed (30号, regulations.md §8): columns, rows and their labels.

Plain data apart from ``domain.report``, so a command's help names a reason's report row without loading
the report's models.
"""

from __future__ import annotations

from domain.vocabulary import ApplicantKind, RemedyResult

COLUMNS: tuple[str, ...] = (*(k.value for k in ApplicantKind), "total")
"""Table 三 columns: the six applicant kinds and the total (R8.3)."""

COLUMN_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institute": "科研机构",
    "social_welfare_organisation": "社会公益组织",
    "legal_service_body": "法律服务机构",
    "other": "其他",
    "total": "总计",
}

_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "not_disclosed",
        "（三）不予公开",
        (
            "1.属于国家秘密",
            "2.其他法律行政法规禁止公开",
            "3.危及“三安全一稳定”",
            "4.保护第三方合法权益",
            "5.属于三类内部事务信息",
            "6.属于四类过程性信息",
            "7.属于行政执法案卷",
            "8.属于行政查询事项",
        ),
    ),
    (
        "cannot_provide",
        "（四）无法提供",
        ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"),
    ),
    (
        "not_handled",
        "（五）不予处理",
        (
            "1.信访举报投诉类申请",
            "2.重复申请",
            "3.要求提供公开出版物",
            "4.无正当理由大量反复申请",
            "5.要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "other",
        "（六）其他处理",
        (
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "3.其他",
        ),
    ),
)

RESULT_ROWS: tuple[str, ...] = (
    "disclosed",
    "partly_disclosed",
    *(f"{group}_{i}" for group, _, items in _GROUPS for i in range(1, len(items) + 1)),
)
"""The leaf result rows, keyed as ``domain.outcomes.report_row`` names them; each closed case counts in one."""

ROW_LABELS: dict[str, str] = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "disclosed": "（一）予以公开",
    "partly_disclosed": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    **{
        key: label
        for group, heading, items in _GROUPS
        for key, label in ((group, heading), *((f"{group}_{i}", item) for i, item in enumerate(items, 1)))
    },
    "total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
"""Row labels as printed on the form (regulations.md §8 R8.4), in form order."""

ROW_ORDER: tuple[str, ...] = tuple(ROW_LABELS)
"""Table 三 row keys in form order; the group rows (三)-(六) carry their subtotals."""


GROUP_OF: dict[str, tuple[str]] = {
    f"{group}_{i}": (group,) for group, _, items in _GROUPS for i in range(1, len(items) + 1)
}
"""The group row (三)-(六) whose subtotal each leaf result row adds to."""

REMEDY_COLUMNS: tuple[str, ...] = (*(r.value for r in RemedyResult), "total")
REMEDY_COLUMN_LABELS: dict[str, str] = {
    "maintained": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
REMEDY_ROW_LABELS: dict[str, str] = {
    "reconsideration": "行政复议",
    "lawsuit": "行政诉讼·未经复议直接起诉",
    "lawsuit_after_reconsideration": "行政诉讼·复议后起诉",
}
