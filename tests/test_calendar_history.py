"""The State Council holiday notices 2008-2018: historical cases are timed on official, not predicted, days.

The days pinned here are read off each year's notice (国务院办公厅关于YYYY年部分节假日安排的通知), not
off the shipped data file, so a wrong day in the file fails a test.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import holidays
import pytest

from domain.calendar import load_calendar
from domain.case import ClockFacts
from domain.clock import compute_clock
from tests.workflow_support import DATA

CAL = load_calendar()
HISTORICAL = range(2008, 2019)
SHIPPED: dict[str, Any] = json.loads((DATA / "official_calendar.json").read_text("utf-8"))["years"]

# (day, open for work?, what the notice says about it)
NOTICE_DAYS = [
    (date(2008, 2, 2), True, "2008 春节: 2月2日（星期六）上班"),
    (date(2008, 2, 3), True, "2008 春节: 2月3日（星期日）上班"),
    (date(2008, 2, 11), False, "2008 春节: 2月6日至12日放假"),
    (date(2008, 5, 2), False, "2008 劳动节: 5月4日公休日调至5月2日"),
    (date(2008, 5, 4), True, "2008 劳动节: 5月4日（星期日）上班"),
    (date(2008, 6, 9), False, "2008 端午节: 6月8日（星期日）公休日调至6月9日"),
    (date(2008, 9, 15), False, "2008 中秋节: 9月14日（星期日）公休日调至9月15日"),
    (date(2008, 9, 27), True, "2008 国庆节: 9月27日（星期六）上班"),
    (date(2008, 9, 30), False, "2008 国庆节: 9月29日至10月5日放假"),
    (date(2009, 1, 2), False, "2009 元旦: 1月4日公休日调至1月2日"),
    (date(2009, 1, 4), True, "2009 元旦: 1月4日（星期日）上班"),
    (date(2009, 1, 24), True, "2009 春节: 1月24日（星期六）上班"),
    (date(2009, 1, 30), False, "2009 春节: 1月25日至31日放假"),
    (date(2009, 2, 1), True, "2009 春节: 2月1日（星期日）上班"),
    (date(2009, 5, 29), False, "2009 端午节: 5月31日公休日调至5月29日"),
    (date(2009, 5, 31), True, "2009 端午节: 5月31日（星期日）上班"),
    (date(2009, 10, 8), False, "2009 国庆节、中秋节: 10月1日至8日放假"),
    (date(2009, 10, 10), True, "2009 国庆节: 10月10日（星期六）上班"),
    (date(2010, 2, 19), False, "2010 春节: 2月13日至19日放假调休"),
    (date(2010, 2, 20), True, "2010 春节: 2月20日（星期六）上班"),
    (date(2010, 2, 21), True, "2010 春节: 2月21日（星期日）上班"),
    (date(2010, 6, 12), True, "2010 端午节: 6月12日（星期六）上班"),
    (date(2010, 6, 16), False, "2010 端午节: 6月14日至16日放假调休"),
    (date(2010, 9, 19), True, "2010 中秋节: 9月19日（星期日）上班"),
    (date(2010, 9, 24), False, "2010 中秋节: 9月22日至24日放假调休"),
    (date(2010, 9, 26), True, "2010 国庆节: 9月26日（星期日）上班"),
    (date(2010, 10, 9), True, "2010 国庆节: 10月9日（星期六）上班"),
    (date(2011, 1, 3), False, "2011 元旦: 1月1日至3日放假公休"),
    (date(2011, 1, 30), True, "2011 春节: 1月30日（星期日）上班"),
    (date(2011, 2, 8), False, "2011 春节: 2月2日至8日放假调休"),
    (date(2011, 2, 12), True, "2011 春节: 2月12日（星期六）上班"),
    (date(2011, 4, 2), True, "2011 清明节: 4月2日（星期六）上班"),
    (date(2011, 4, 4), False, "2011 清明节: 4月3日至5日放假调休"),
    (date(2011, 12, 31), True, "2012 元旦: 2011年12月31日（星期六）上班"),
    (date(2012, 1, 3), False, "2012 元旦: 1月1日至3日放假调休"),
    (date(2012, 1, 21), True, "2012 春节: 1月21日（星期六）上班"),
    (date(2012, 1, 29), True, "2012 春节: 1月29日（星期日）上班"),
    (date(2012, 3, 31), True, "2012 清明节: 3月31日（星期六）上班"),
    (date(2012, 4, 1), True, "2012 清明节: 4月1日（星期日）上班"),
    (date(2012, 4, 30), False, "2012 劳动节: 4月29日至5月1日放假调休"),
    (date(2012, 6, 22), False, "2012 端午节: 6月22日至24日放假公休"),
    (date(2012, 9, 29), True, "2012 中秋节、国庆节: 9月29日（星期六）上班"),
    (date(2013, 1, 5), True, "2013 元旦: 1月5日（星期六）上班"),
    (date(2013, 2, 15), False, "2013 春节: 2月9日至15日放假调休"),
    (date(2013, 2, 16), True, "2013 春节: 2月16日（星期六）上班"),
    (date(2013, 2, 17), True, "2013 春节: 2月17日（星期日）上班"),
    (date(2013, 4, 27), True, "2013 劳动节: 4月27日（星期六）上班"),
    (date(2013, 6, 8), True, "2013 端午节: 6月8日（星期六）上班"),
    (date(2013, 6, 12), False, "2013 端午节: 6月10日至12日放假调休"),
    (date(2013, 9, 22), True, "2013 中秋节: 9月22日（星期日）上班"),
    (date(2013, 10, 12), True, "2013 国庆节: 10月12日（星期六）上班"),
    (date(2014, 1, 26), True, "2014 春节: 1月26日（星期日）上班"),
    (date(2014, 2, 6), False, "2014 春节: 1月31日至2月6日放假调休"),
    (date(2014, 2, 8), True, "2014 春节: 2月8日（星期六）上班"),
    (date(2014, 4, 7), False, "2014 清明节: 4月7日（星期一）补休"),
    (date(2014, 5, 4), True, "2014 劳动节: 5月4日（星期日）上班"),
    (date(2014, 9, 28), True, "2014 国庆节: 9月28日（星期日）上班"),
    (date(2014, 10, 11), True, "2014 国庆节: 10月11日（星期六）上班"),
    (date(2015, 1, 2), False, "2015 元旦: 1月1日至3日放假调休"),
    (date(2015, 1, 4), True, "2015 元旦: 1月4日（星期日）上班"),
    (date(2015, 2, 15), True, "2015 春节: 2月15日（星期日）上班"),
    (date(2015, 2, 24), False, "2015 春节: 2月18日至24日放假调休"),
    (date(2015, 2, 28), True, "2015 春节: 2月28日（星期六）上班"),
    (date(2015, 6, 22), False, "2015 端午节: 6月22日（星期一）补休"),
    (date(2015, 9, 3), False, "国发明电〔2015〕1号: 9月3日（星期四）放假"),
    (date(2015, 9, 4), False, "国发明电〔2015〕1号: 9月4日（星期五）调休"),
    (date(2015, 9, 6), True, "国发明电〔2015〕1号: 9月6日（星期日）上班"),
    (date(2015, 10, 10), True, "2015 国庆节: 10月10日（星期六）上班"),
    (date(2016, 2, 6), True, "2016 春节: 2月6日（星期六）上班"),
    (date(2016, 2, 12), False, "2016 春节: 2月7日至13日放假调休"),
    (date(2016, 2, 14), True, "2016 春节: 2月14日（星期日）上班"),
    (date(2016, 5, 2), False, "2016 劳动节: 5月2日（星期一）补休"),
    (date(2016, 6, 12), True, "2016 端午节: 6月12日（星期日）上班"),
    (date(2016, 9, 18), True, "2016 中秋节: 9月18日（星期日）上班"),
    (date(2016, 10, 9), True, "2016 国庆节: 10月9日（星期日）上班"),
    (date(2017, 1, 2), False, "2017 元旦: 1月2日（星期一）补休"),
    (date(2017, 1, 22), True, "2017 春节: 1月22日（星期日）上班"),
    (date(2017, 2, 2), False, "2017 春节: 1月27日至2月2日放假调休"),
    (date(2017, 2, 4), True, "2017 春节: 2月4日（星期六）上班"),
    (date(2017, 4, 1), True, "2017 清明节: 4月1日（星期六）上班"),
    (date(2017, 5, 27), True, "2017 端午节: 5月27日（星期六）上班"),
    (date(2017, 5, 30), False, "2017 端午节: 5月28日至30日放假调休"),
    (date(2017, 9, 30), True, "2017 中秋节、国庆节: 9月30日（星期六）上班"),
    (date(2017, 10, 6), False, "2017 中秋节、国庆节: 10月1日至8日放假调休"),
    (date(2018, 2, 11), True, "2018 春节: 2月11日（星期日）上班"),
    (date(2018, 2, 21), False, "2018 春节: 2月15日至21日放假调休"),
    (date(2018, 2, 24), True, "2018 春节: 2月24日（星期六）上班"),
    (date(2018, 4, 6), False, "2018 清明节: 4月5日至7日放假调休"),
    (date(2018, 4, 8), True, "2018 清明节: 4月8日（星期日）上班"),
    (date(2018, 4, 28), True, "2018 劳动节: 4月28日（星期六）上班"),
    (date(2018, 4, 30), False, "2018 劳动节: 4月29日至5月1日放假调休"),
    (date(2018, 9, 29), True, "2018 国庆节: 9月29日（星期六）上班"),
    (date(2018, 10, 5), False, "2018 国庆节: 10月1日至7日放假调休"),
    (date(2018, 12, 29), True, "2019 元旦: 2018年12月29日（星期六）上班"),
    (date(2018, 12, 31), False, "2019 元旦: 2018年12月30日至2019年1月1日放假调休"),
]


@pytest.mark.parametrize(("day", "working", "notice"), NOTICE_DAYS, ids=[str(d) for d, _, _ in NOTICE_DAYS])
def test_days_the_notices_fix(day: date, working: bool, notice: str) -> None:
    """Every make-up weekend day is open and every weekday off is closed, as the year's notice says."""
    assert CAL.is_working_day(day) is working, notice


@pytest.mark.parametrize("year", HISTORICAL)
def test_no_year_2008_2018_is_provisional(year: int) -> None:
    """Each year 2008-2018 is official and its source names its notice; a deadline within it is exact."""
    assert CAL.status(year) == "official"
    assert f"国务院办公厅关于{year}年部分节假日安排的通知" in CAL.years[year].source
    due = CAL.due(date(year, 6, 1), 15)
    assert not due.provisional and due.provisional_reason is None


@pytest.mark.parametrize("year", HISTORICAL)
def test_shipped_and_test_copies_agree_with_holidays_china(year: int) -> None:
    """Cross-check: the test copy equals the shipped year, and every day's status matches holidays.China."""
    assert SHIPPED[str(year)]["holidays"] == [d.isoformat() for d in CAL.years[year].holidays]
    assert SHIPPED[str(year)]["weekend_workdays"] == [d.isoformat() for d in CAL.years[year].weekend_workdays]
    cn = holidays.country_holidays("CN", years=year)
    makeup = set(getattr(cn, "weekend_workdays", ()))
    day = date(year, 1, 1)
    disagree = []
    while day.year == year:
        theirs = (day.weekday() < 5 and day not in cn) or day in makeup
        if CAL.is_working_day(day) is not theirs:
            disagree.append(day)
        day += timedelta(days=1)
    assert disagree == []


WORKING_DAYS = {2008: 251, 2009: 250, 2010: 250, 2011: 250, 2012: 249, 2013: 250}
WORKING_DAYS |= {2014: 250, 2015: 249, 2016: 250, 2017: 249, 2018: 250}


@pytest.mark.parametrize(("year", "working_days"), sorted(WORKING_DAYS.items()))
def test_working_days_per_year(year: int, working_days: int) -> None:
    """The number of working days in each year (the 9·3 day off makes 2015 short; 2011 gains 31 Dec)."""
    days = (date(year, 1, 1) + timedelta(n) for n in range(366))
    assert sum(CAL.is_working_day(d) for d in days if d.year == year) == working_days


def test_sunday_email_of_2017_is_due_on_10_july() -> None:
    """DOMAIN.md §3: an e-mail received Sunday 2017-06-18 counts from Monday; 15 working days end 2017-07-10."""
    view = compute_clock(ClockFacts(received=date(2017, 6, 18), reply_days=15), CAL, date(2017, 6, 19))
    assert view.effective_receipt == date(2017, 6, 19)
    assert view.due == date(2017, 7, 10)
    assert not view.provisional


def test_national_day_2008_is_counted_on_the_notice() -> None:
    """Received Friday 2008-09-26: the make-up weekend 27-28 Sep counts, 29 Sep-5 Oct does not; due 22 Oct."""
    assert CAL.add_working_days(date(2008, 9, 26), 2) == date(2008, 9, 28)
    assert CAL.add_working_days(date(2008, 9, 26), 15) == date(2008, 10, 22)
