"""Fees by count and by volume, against the worked examples of 109号 and DOMAIN.md §6."""

from __future__ import annotations

import pytest

from domain.fees import count_fee_for, count_fee_total, volume_fee


class TestCountMethod:
    @pytest.mark.parametrize(
        ("nth", "fee"),
        [(1, 0), (10, 0), (11, 100), (15, 100), (30, 100), (31, 200), (35, 200), (40, 200), (41, 300), (51, 400)],
    )
    def test_marginal_price_of_the_nth_request(self, nth: int, fee: int) -> None:
        """Requests 1-10 are free, 11-30 cost 100 each, then each band of ten costs 100 more."""
        assert count_fee_for(nth) == fee

    def test_month_of_35_costs_20_at_100_plus_5_at_200(self) -> None:
        """A month of 35 requests = 20 × 100 + 5 × 200 = 3,000 yuan (the reference digest's "2,500" mis-adds)."""
        assert count_fee_total(35) == 20 * 100 + 5 * 200 == 3000

    def test_place_in_month_starts_at_one(self) -> None:
        """A request's place in the month cannot be zero."""
        with pytest.raises(ValueError, match="starts at 1"):
            count_fee_for(0)


class TestVolumeMethod:
    @pytest.mark.parametrize(
        ("pages", "fee"), [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)]
    )
    def test_marginal_price_per_page(self, pages: int, fee: int) -> None:
        """1-30 pages free, 31-100 at 10, 101-200 at 20, over 200 at 40 yuan a page (250 pages = 4,700)."""
        assert volume_fee(pages) == fee

    def test_negative_pages_refused(self) -> None:
        """A negative page count is an error."""
        with pytest.raises(ValueError, match="0 or more"):
            volume_fee(-1)
