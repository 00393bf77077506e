"""Reading the stored indicators for the statistics page and the CSV export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.indicators.models import IndicatorSnapshot

# The programme's targets for the platform (table 8): year → (share %, seekers, employers).
PROGRAMME_TARGETS: dict[int, tuple[int, int, int]] = {
    2017: (43, 50_000, 11_000),
    2018: (45, 54_000, 14_000),
    2019: (50, 61_000, 20_000),
    2020: (55, 68_000, 26_000),
    2021: (59, 75_000, 32_000),
}


@dataclass(frozen=True)
class Totals:
    day: dt.date
    registered_seekers: int
    on_register: int
    registered_employers: int
    employed_ytd: int
    employed_through_platform_ytd: int

    @property
    def share_through_platform(self) -> float | None:
        if not self.employed_ytd:
            return None
        return round(100.0 * self.employed_through_platform_ytd / self.employed_ytd, 1)


def latest_day(session: Session) -> dt.date | None:
    return session.scalar(sa.select(sa.func.max(IndicatorSnapshot.day)))


def regions_on(session: Session, day: dt.date) -> list[IndicatorSnapshot]:
    return list(session.scalars(
        sa.select(IndicatorSnapshot).where(IndicatorSnapshot.day == day).order_by(IndicatorSnapshot.region_code)
    ))


def national_series(session: Session, start: dt.date, end: dt.date) -> list[Totals]:
    s = IndicatorSnapshot
    rows = session.execute(
        sa.select(s.day, sa.func.sum(s.registered_seekers), sa.func.sum(s.on_register), sa.func.sum(s.registered_employers),
                  sa.func.sum(s.employed_ytd), sa.func.sum(s.employed_through_platform_ytd))
        .where(s.day >= start, s.day <= end)
        .group_by(s.day)
        .order_by(s.day)
    )
    return [Totals(day, *(int(v or 0) for v in values)) for day, *values in rows]


def rows_between(session: Session, start: dt.date, end: dt.date, region: str | None = None) -> list[IndicatorSnapshot]:
    stmt = (sa.select(IndicatorSnapshot).where(IndicatorSnapshot.day >= start, IndicatorSnapshot.day <= end)
            .order_by(IndicatorSnapshot.day, IndicatorSnapshot.region_code))
    if region:
        stmt = stmt.where(IndicatorSnapshot.region_code == region)
    return list(session.scalars(stmt))
