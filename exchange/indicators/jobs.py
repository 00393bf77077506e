"""The nightly roll-up: a few GROUP BY queries per day, stored per region.

Definitions (docs/jobs.md):
* registered seekers — seeker profiles created by the end of the day and not departed by then;
* on the register — those with a centre registration open at the end of the day;
* registered employers — active employer organisations created by the end of the day;
* employed (year to date) — employment records of seekers started from 1 January to the day;
  "through the platform" — those attributed to an application or referral on the exchange
  (hires confirmed on the platform, or pension matches with a prior application to that BIN);
* share = employed through the platform / employed, per cent (the programme's table 8).
Regions are KATO level 1 (the first two digits of the person's or organisation's code).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from exchange.app import state
from exchange.db import utcnow
from exchange.employment.models import Employment
from exchange.indicators.models import UNKNOWN_REGION, IndicatorSnapshot
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.seekers.models import Registration, SeekerProfile
from exchange.timeutil import end_of_local_day, local_today

BACKFILL_DAYS = 90
COUNTERS = ("registered_seekers", "on_register", "registered_employers", "employed_ytd", "employed_through_platform_ytd")


def _region(column) -> Any:
    return sa.func.coalesce(sa.func.substr(column, 1, 2, type_=sa.String) + "0000000", UNKNOWN_REGION)


def compute(session: Session, day: dt.date) -> dict[str, dict[str, int]]:
    """Indicator values per region at the end of ``day`` (local)."""
    end = end_of_local_day(day)
    values: dict[str, dict[str, int]] = {}

    def put(rows, name: str) -> None:
        for region, count in rows:
            values.setdefault(region or UNKNOWN_REGION, dict.fromkeys(COUNTERS, 0))[name] = int(count)

    present = sa.and_(
        SeekerProfile.created_at <= end,
        sa.or_(SeekerProfile.departed_at.is_(None), SeekerProfile.departed_at > end),
    )
    region = _region(SeekerProfile.kato_code)
    put(session.execute(sa.select(region, sa.func.count()).where(present).group_by(region)), "registered_seekers")
    put(session.execute(
        sa.select(region, sa.func.count(sa.distinct(Registration.seeker_id)))
        .join(SeekerProfile, SeekerProfile.id == Registration.seeker_id)
        .where(Registration.registered_at <= end,
               sa.or_(Registration.deregistered_at.is_(None), Registration.deregistered_at > end))
        .group_by(region)
    ), "on_register")
    org_region = _region(Organisation.kato_code)
    put(session.execute(
        sa.select(org_region, sa.func.count())
        .where(Organisation.kind == OrganisationKind.EMPLOYER, Organisation.active.is_(True), Organisation.created_at <= end)
        .group_by(org_region)
    ), "registered_employers")
    job_region = _region(sa.func.coalesce(Employment.kato_code, SeekerProfile.kato_code))
    employed = (
        sa.select(job_region, sa.func.count(), sa.func.sum(sa.case((Employment.through_platform, 1), else_=0)))
        .join(SeekerProfile, SeekerProfile.id == Employment.seeker_id)
        .where(Employment.started_on >= day.replace(month=1, day=1), Employment.started_on <= day,
               Employment.created_at <= end)
        .group_by(job_region)
    )
    for region_code, total, through in session.execute(employed):
        row = values.setdefault(region_code or UNKNOWN_REGION, dict.fromkeys(COUNTERS, 0))
        row["employed_ytd"], row["employed_through_platform_ytd"] = int(total), int(through or 0)
    return values


def store(session: Session, day: dt.date, values: dict[str, dict[str, int]]) -> int:
    """Replace the day's rows (re-running a day gives the same rows, not more)."""
    session.execute(sa.delete(IndicatorSnapshot).where(IndicatorSnapshot.day == day))
    now = utcnow()
    rows = [{"day": day, "region_code": region, "computed_at": now, **counts} for region, counts in sorted(values.items())]
    if rows:
        session.execute(sa.insert(IndicatorSnapshot), rows)
    return len(rows)


def rollup(app: Flask, day: dt.date | None = None) -> dict[str, Any]:
    """Nightly: recompute the day that just ended, and fill any missing day of the last 90."""
    db = state(app).db
    today = local_today()
    target = day or today - dt.timedelta(days=1)
    with db.unit_of_work() as session:
        have = set(session.scalars(
            sa.select(IndicatorSnapshot.day).where(IndicatorSnapshot.day >= today - dt.timedelta(days=BACKFILL_DAYS)).distinct()
        ))
    days = sorted({target} | {today - dt.timedelta(days=n) for n in range(1, BACKFILL_DAYS + 1)} - (have - {target}))
    if day is not None:
        days = [day]
    for each in days:
        with db.unit_of_work() as session:
            store(session, each, compute(session, each))
    return {"days": len(days), "latest": target.isoformat()}
