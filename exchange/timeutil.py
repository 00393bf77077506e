"""Time helpers: everything is stored in UTC, business rules are read in Asia/Almaty."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    return moment.astimezone(ALMATY)


def local_today() -> dt.date:
    return utcnow().astimezone(ALMATY).date()


def end_of_local_day(day: dt.date) -> dt.datetime:
    """23:59:59 of ``day`` in Asia/Almaty, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ALMATY).astimezone(dt.UTC)


def add_months(moment: dt.datetime, months: int = 1) -> dt.datetime:
    """Same wall-clock time ``months`` later in Asia/Almaty; the 31st of January gives the end of February."""
    local = to_local(moment)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(dt.UTC)
