"""Working days in Kazakhstan and the three-working-day referral deadline (R-FLOW-5).

The calendar is the ``holidays`` package's Kazakhstan calendar: public holidays with
their observed (moved) days, days off moved by government decree, and the Saturdays
or Sundays declared working days in exchange (``weekend_workdays``). Business rules
are read in Asia/Almaty: the day a referral is sent is day 0, and the employer's
answer is due at 23:59:59 local time of the third working day after it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from exchange.timeutil import end_of_local_day, to_local

REFERRAL_ANSWER_WORKING_DAYS = 3


@lru_cache(maxsize=32)
def _calendar(year: int) -> holidays.HolidayBase:
    # Two years cover any deadline counted from a day in ``year`` (a few weeks at most).
    # ``expand=False`` keeps the cached object immutable, so threads may share it.
    return holidays.country_holidays("KZ", years=(year, year + 1), expand=False)


def is_working_day(day: dt.date) -> bool:
    """A weekday that is not a holiday or moved day off, or a weekend day declared working."""
    return _calendar(day.year).is_working_day(day)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``day`` (``day`` itself is never counted)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    current = day
    for _ in range(count):
        current += dt.timedelta(days=1)
        while not is_working_day(current):
            current += dt.timedelta(days=1)
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    days, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        days += is_working_day(current)
    return days


def referral_deadline(sent_at: dt.datetime) -> dt.datetime:
    """End (23:59:59 Asia/Almaty) of the third working day after the local day of ``sent_at``, in UTC."""
    if sent_at.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    sent_day = to_local(sent_at).date()
    return end_of_local_day(add_working_days(sent_day, REFERRAL_ANSWER_WORKING_DAYS))
