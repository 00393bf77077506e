"""The three-working-day referral deadline over weekends, holidays, moved days and year ends."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from exchange.timeutil import ALMATY
from exchange.workdays import add_working_days, is_working_day, referral_deadline, working_days_between

UTC = dt.UTC


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ALMATY)


def due(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=ALMATY).astimezone(UTC)


DEADLINES = [
    # (sent, local time), expected due day, why
    (local(2024, 6, 3), due(2024, 6, 6), "Monday: Tue, Wed, Thu"),
    (local(2024, 6, 6), due(2024, 6, 11), "Thursday: Fri, then Mon, Tue over the weekend"),
    (local(2024, 6, 1), due(2024, 6, 5), "sent on a Saturday: day 0 is the Saturday"),
    (local(2024, 6, 13), due(2024, 6, 18), "Kurban Ait 2024 fell on a Sunday and is not moved"),
    (local(2025, 6, 4), due(2025, 6, 10), "Kurban Ait on Friday 6 June 2025"),
    (local(2024, 3, 20), due(2024, 3, 28), "Nauryz 21-23 March 2024 with Monday 25 observed"),
    (local(2025, 3, 20), due(2025, 3, 28), "Nauryz 2025: 21 March plus 24-25 observed"),
    (local(2024, 12, 13), due(2024, 12, 19), "Independence Day Monday 16 December 2024"),
    (local(2021, 12, 15), due(2021, 12, 22), "Independence Day was two days (16-17 Dec) in 2021"),
    (local(2023, 12, 15), due(2023, 12, 21), "Independence Day 2023 on Saturday, observed Monday 18"),
    (local(2024, 12, 30), due(2025, 1, 6), "year end: 1-2 Jan holidays, 3 Jan moved off, Sunday 5 Jan worked"),
    (local(2025, 12, 31), due(2026, 1, 8), "year end 2025: New Year, weekend, Orthodox Christmas 7 Jan"),
    (local(2024, 5, 2), due(2024, 5, 6), "Saturday 4 May 2024 was a working day"),
    (local(2024, 5, 6), due(2024, 5, 14), "7 May holiday, 8 May moved day off, 9 May Victory Day"),
    (local(2023, 6, 30), due(2023, 7, 4), "Saturday 1 July 2023 was a working day"),
    (local(2023, 7, 4), due(2023, 7, 11), "Capital Day 6 July 2023, then 7 July moved day off"),
    (local(2024, 6, 3, 23, 59), due(2024, 6, 6), "late evening still counts as the local day"),
]


@pytest.mark.parametrize(("sent", "expected", "why"), DEADLINES, ids=[case[2] for case in DEADLINES])
def test_referral_deadline_table(sent, expected, why):
    result = referral_deadline(sent.astimezone(UTC))
    assert result == expected, why
    assert result.tzinfo == UTC


def test_deadline_uses_almaty_day_not_utc_day():
    # 19:30 UTC on Monday 3 June 2024 is already 00:30 on Tuesday in Almaty (UTC+5).
    sent = dt.datetime(2024, 6, 3, 19, 30, tzinfo=UTC)
    assert referral_deadline(sent) == due(2024, 6, 7)
    assert referral_deadline(dt.datetime(2024, 6, 3, 18, 59, tzinfo=UTC)) == due(2024, 6, 6)


def test_deadline_is_end_of_day_in_utc():
    assert referral_deadline(local(2024, 6, 3)) == dt.datetime(2024, 6, 6, 18, 59, 59, tzinfo=UTC)


def test_naive_datetime_refused():
    with pytest.raises(ValueError, match="naive"):
        referral_deadline(dt.datetime(2024, 6, 3, 10, 0))


def test_working_day_calendar():
    assert is_working_day(dt.date(2024, 5, 4))  # working Saturday
    assert is_working_day(dt.date(2025, 1, 5))  # working Sunday
    assert not is_working_day(dt.date(2025, 1, 3))  # moved day off
    assert not is_working_day(dt.date(2025, 3, 21))  # Nauryz
    assert not is_working_day(dt.date(2024, 6, 8))  # ordinary Saturday
    assert is_working_day(dt.date(2024, 6, 7))


def test_working_day_arithmetic():
    assert add_working_days(dt.date(2024, 6, 7), 1) == dt.date(2024, 6, 10)
    assert working_days_between(dt.date(2024, 6, 3), dt.date(2024, 6, 10)) == 5
    assert working_days_between(dt.date(2024, 6, 10), dt.date(2024, 6, 3)) == 0
    with pytest.raises(ValueError):
        add_working_days(dt.date(2024, 6, 7), 0)


def test_deadline_with_frozen_clock():
    # The deadline depends only on the sending moment, whatever the clock says now.
    with time_machine.travel(dt.datetime(2025, 1, 1, 12, 0, tzinfo=UTC), tick=False):
        sent = dt.datetime.now(UTC)
        assert referral_deadline(sent) == due(2025, 1, 8)


def test_new_year_2025_from_holiday():
    # Sent on 1 January 2025 (a holiday): 2, 3 Jan off, 4 Sat, 5 Sun worked (1), 6 Mon (2), 7 Tue holiday, 8 Wed (3).
    assert referral_deadline(local(2025, 1, 1)) == due(2025, 1, 8)
