"""The reply clock as pure rules: receipt on rest days, pauses, restarts, extension, explanation."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import load_calendar
from domain.case import ClockFacts, Pause
from domain.clock import compute_clock, effective_receipt, excluded_working_days

CAL = load_calendar()
DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 10, 31))


def facts(received: date, **changes: object) -> ClockFacts:
    return ClockFacts.model_validate({"received": received, "reply_days": 20, **changes})


class TestReceipt:
    def test_sunday_email_counts_from_the_next_working_day(self) -> None:
        """An e-mail on a Sunday is treated as received on Monday; the count starts Tuesday."""
        assert effective_receipt(date(2024, 6, 16), CAL) == date(2024, 6, 17)
        view = compute_clock(facts(date(2024, 6, 16)), CAL, date(2024, 6, 16))
        assert view.due == CAL.add_working_days(date(2024, 6, 17), 20)
        assert "treated as received on the next working day, 2024-06-17" in view.explanation

    def test_after_office_hours_counts_from_the_next_working_day(self) -> None:
        """Friday 14 June 2024 after the cut-off: received Monday 17 June, the count starts Tuesday."""
        assert effective_receipt(date(2024, 6, 14), CAL, after_hours=True) == date(2024, 6, 17)
        view = compute_clock(facts(date(2024, 6, 14), after_hours=True), CAL, date(2024, 6, 14))
        assert view.due == CAL.add_working_days(date(2024, 6, 17), 20)
        assert view.explanation[0] == "received 2024-06-14 (after the office-hours cut-off)"
        # A Saturday submission after hours is still Monday's, not Tuesday's.
        assert effective_receipt(date(2024, 6, 15), CAL, after_hours=True) == date(2024, 6, 17)

    def test_make_up_saturday_is_a_working_day_for_receipt(self) -> None:
        """A 调休 Saturday (2024-10-12) is a working day, so receipt stays on it."""
        assert effective_receipt(date(2024, 10, 12), CAL) == date(2024, 10, 12)

    def test_rest_day_rule_can_be_switched_off(self) -> None:
        """With the rule off, a Sunday receipt counts from that Sunday."""
        assert effective_receipt(date(2024, 6, 16), CAL, rest_day_moves=False) == date(2024, 6, 16)

    def test_national_day_backdated_case(self) -> None:
        """Received 2024-09-27, 20 working days run across National Day and both make-up days to 2024-10-30."""
        view = compute_clock(facts(date(2024, 9, 27)), CAL, date(2024, 9, 27))
        assert view.due == date(2024, 10, 30)
        assert view.deadline_at.isoformat() == "2024-10-31T00:00:00+08:00"


class TestPauses:
    def test_overlapping_pauses_count_once(self) -> None:
        """Two consultations at once stop the clock once, not twice."""
        pauses = [
            Pause(kind="c1", key="c1", since=date(2024, 3, 4), until=date(2024, 3, 15)),
            Pause(kind="c2", key="c2", since=date(2024, 3, 8), until=date(2024, 3, 13)),
        ]
        assert excluded_working_days(pauses, date(2024, 4, 1), CAL) == CAL.working_days_between(
            date(2024, 3, 4), date(2024, 3, 15)
        )

    def test_consultation_over_national_day_moves_due_by_working_days_only(self) -> None:
        """A consultation from 2024-09-26 to 2024-10-10 stops the clock for the working days in between."""
        base = facts(date(2024, 9, 20))
        paused = facts(
            date(2024, 9, 20), pauses=[Pause(kind="c1", key="c1", since=date(2024, 9, 26), until=date(2024, 10, 10))]
        )
        a = compute_clock(base, CAL, date(2024, 10, 10))
        b = compute_clock(paused, CAL, date(2024, 10, 10))
        stopped = CAL.working_days_between(date(2024, 9, 26), date(2024, 10, 10))
        assert stopped == 6  # 9-27, 9-29 (make-up Sunday), 9-30, 10-8, 10-9, 10-10
        assert b.due == CAL.add_working_days(a.due, stopped)

    def test_open_pause_shows_paused_and_days_left(self) -> None:
        """While a pause runs the clock is marked paused and days left stop falling."""
        f = facts(date(2024, 3, 1), pauses=[Pause(kind="fee", key="fee", since=date(2024, 3, 8))])
        early = compute_clock(f, CAL, date(2024, 3, 8))
        later = compute_clock(f, CAL, date(2024, 3, 29))
        assert early.paused and later.paused
        assert early.left == later.left == 20 - CAL.working_days_between(date(2024, 3, 1), date(2024, 3, 8))

    @settings(max_examples=200, deadline=None)
    @given(
        received=DAYS,
        start=st.integers(min_value=0, max_value=30),
        length=st.integers(min_value=0, max_value=40),
    )
    def test_a_pause_never_shortens_the_deadline(self, received: date, start: int, length: int) -> None:
        """Adding any closed pause moves the due date later or leaves it."""
        since = received + timedelta(days=start)
        pause = Pause(kind="c1", key="c1", since=since, until=since + timedelta(days=length))
        today = since + timedelta(days=length + 1)
        plain = compute_clock(facts(received), CAL, today)
        paused = compute_clock(facts(received, pauses=[pause]), CAL, today)
        assert paused.due >= plain.due

    def test_a_stop_after_the_period_ran_out_moves_nothing(self) -> None:
        """Received 2024-03-01, due 2024-03-29; a consultation opened on 04-02 is too late to stop the clock.

        The deadline stays, the case is not shown as stopped, and the trace says why.
        """
        plain = compute_clock(facts(date(2024, 3, 1)), CAL, date(2024, 4, 20))
        late = Pause(kind="third_party", key="c1", since=date(2024, 4, 2))
        view = compute_clock(facts(date(2024, 3, 1), pauses=[late]), CAL, date(2024, 4, 20))
        assert plain.due == view.due == date(2024, 3, 29)
        assert not view.paused
        assert "the stop from 2024-04-02 began after the period had run out" in " ".join(view.explanation)

    def test_a_stop_on_the_last_day_still_counts(self) -> None:
        """A consultation opened on the due day itself is in time: the days it runs are not counted."""
        pause = Pause(kind="third_party", key="c1", since=date(2024, 3, 29), until=date(2024, 4, 3))
        view = compute_clock(facts(date(2024, 3, 1), pauses=[pause]), CAL, date(2024, 4, 20))
        assert view.due == CAL.add_working_days(date(2024, 3, 29), CAL.working_days_between(pause.since, pause.until))

    def test_a_late_stop_does_not_ride_in_on_one_that_touches_it(self) -> None:
        """Due Friday 29 Mar; a stop 29-30 Mar (no working day) then a fee stop from Saturday 30 Mar: still 29 Mar."""
        touching = Pause(kind="third_party", key="c1", since=date(2024, 3, 29), until=date(2024, 3, 30))
        fee = Pause(kind="fee", key="fee", since=date(2024, 3, 30), until=date(2024, 4, 12))
        view = compute_clock(facts(date(2024, 3, 1), pauses=[touching, fee]), CAL, date(2024, 5, 1))
        assert view.due == date(2024, 3, 29)
        assert "the stop from 2024-03-30 began after the period had run out" in " ".join(view.explanation)

    def test_an_earlier_stop_can_bring_a_later_one_in_time(self) -> None:
        """A first stop moves the due date; a second stop before that new date counts too."""
        first = Pause(kind="third_party", key="c1", since=date(2024, 3, 20), until=date(2024, 4, 3))
        second = Pause(kind="fee", key="fee", since=date(2024, 4, 8), until=date(2024, 4, 12))
        view = compute_clock(facts(date(2024, 3, 1), pauses=[first, second]), CAL, date(2024, 5, 1))
        stopped = CAL.working_days_between(first.since, first.until) + CAL.working_days_between(
            second.since, second.until
        )
        assert view.due == CAL.add_working_days(date(2024, 3, 1), 20 + stopped)


class TestRestartAndExtension:
    @settings(max_examples=200, deadline=None)
    @given(received=DAYS, later=st.integers(min_value=1, max_value=30))
    def test_restart_counts_from_the_new_receipt_only(self, received: date, later: int) -> None:
        """After a correction the period runs from the corrected application's receipt, as if new."""
        corrected = received + timedelta(days=later)
        restarted = compute_clock(facts(corrected, restarts=1), CAL, corrected)
        fresh = compute_clock(facts(corrected), CAL, corrected)
        assert restarted.due == fresh.due
        assert restarted.used == 0

    @settings(max_examples=200, deadline=None)
    @given(received=DAYS, days=st.integers(min_value=1, max_value=20))
    def test_extension_adds_exactly_its_working_days(self, received: date, days: int) -> None:
        """An extension of N working days moves the due date by exactly N working days."""
        plain = compute_clock(facts(received), CAL, received)
        extended = compute_clock(facts(received, extension_days=days), CAL, received)
        assert CAL.working_days_between(plain.due, extended.due) == days

    def test_reminders_fall_five_and_two_working_days_before(self) -> None:
        """Reminders are at 09:00 Beijing on the 5th and 2nd working day before the due date."""
        view = compute_clock(facts(date(2024, 9, 27)), CAL, date(2024, 9, 27), reminder_days=[5, 2])
        days = [r.date() for r in view.reminders_at]
        assert [CAL.working_days_between(d, view.due) for d in days] == [5, 2]
        assert all(r.hour == 9 for r in view.reminders_at)

    def test_correction_window_is_seven_working_days(self) -> None:
        """The correction request window ends at 24:00 of the 7th working day after receipt."""
        view = compute_clock(facts(date(2024, 9, 27)), CAL, date(2024, 9, 27))
        assert view.correction_notice_by is not None
        assert view.correction_notice_by.isoformat() == "2024-10-13T00:00:00+08:00"  # 7th: make-up Sat 10-12
