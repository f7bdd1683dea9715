"""Information processing fees (信息处理费), 国办函〔2020〕109号: by count or by volume, never both.

No fee is the rule (Art 42); a fee applies only where one applicant's requests clearly exceed a
reasonable number or frequency, and each application uses exactly one of the two methods.
"""

from __future__ import annotations

from enum import StrEnum


class FeeMethod(StrEnum):
    """The two charging methods (计收方式)."""

    COUNT = "count"  # 按件计收: per applicant per calendar month
    VOLUME = "volume"  # 按量计收: per application, by pages


FEE_METHOD_LABELS: dict[str, str] = {FeeMethod.COUNT: "按件计收", FeeMethod.VOLUME: "按量计收"}


COUNT_FREE = 10
VOLUME_BANDS: tuple[tuple[int, int | None, int], ...] = ((1, 30, 0), (31, 100, 10), (101, 200, 20), (201, None, 40))
"""Pages from, pages to (inclusive, None = no limit), yuan per page (109号 Art 5)."""


def count_fee_for(nth: int) -> int:
    """Fee in yuan for an applicant's n-th request in a calendar month (marginal, 109号 Art 4).

    1–10 free; 11–30 ¥100 each; then bands of ten, each ¥100 dearer (31–40 ¥200, 41–50 ¥300, ...).
    """
    if nth < 1:
        msg = f"a request's place in the month starts at 1, not {nth}"
        raise ValueError(msg)
    if nth <= COUNT_FREE:
        return 0
    if nth <= 30:
        return 100
    return 100 * (2 + (nth - 31) // 10)


def count_fee_total(requests_in_month: int) -> int:
    """Total fee in yuan for a month with this many requests (e.g. 35 → 20 × 100 + 5 × 200 = 3,000)."""
    return sum(count_fee_for(n) for n in range(1, requests_in_month + 1))


def volume_fee(pages: int) -> int:
    """Fee in yuan for one application of this many pages (marginal; 250 pages → 4,700)."""
    if pages < 0:
        msg = f"pages must be 0 or more, not {pages}"
        raise ValueError(msg)
    total = 0
    for first, last, price in VOLUME_BANDS:
        top = pages if last is None else min(pages, last)
        if top >= first:
            total += (top - first + 1) * price
    return total


def fee_basis(method: FeeMethod, quantity: int) -> str:
    """The basis and standard a fee notice must state, in the notice's words."""
    if method is FeeMethod.COUNT:
        return (
            f"依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）按件计收：本申请为您本自然月内第{quantity}件申请，"
            "每月1-10件免费，11-30件每件100元，31件起每10件为一档、每档每件增加100元"
        )
    return (
        f"依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）按量计收：本申请共{quantity}页，"
        "30页以下免费，31-100页每页10元，101-200页每页20元，200页以上每页40元"
    )
