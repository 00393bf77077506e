"""Forecast jobs: employers report planned jobs; centres turn them into training needs.

"No report means no jobs planned" (R-FLOW-8), so the figures count submitted reports
only. An employer files one report per district and period: either a year or its
quarters, never both, so the year view can add yearly and quarterly reports without
counting a job twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from marshmallow import fields as mm_fields
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.auth import Actor, deny, require_org
from exchange.db import utcnow
from exchange.errors import Conflict, DomainError, NotFound, ValidationFailed
from exchange.forecasts.models import ForecastEvent, ForecastLine, ForecastReport, PeriodKind
from exchange.i18n import lazy_gettext as _l
from exchange.layoffs.models import FilingStatus
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.reports import scope
from exchange.reports.history import differences, snapshot
from exchange.resumes.models import Resume, Visibility
from exchange.seekers.models import Registration
from exchange.timeutil import local_today

MAX_LINES = 200
MAX_JOBS = 100_000
REPORT_FIELDS = ("period_kind", "year", "quarter", "kato_code", "note")


class LineSchema(schemas.InputSchema):
    occupation_code = schemas.code(required=True, max_len=4)
    count = schemas.integer(required=True, minimum=1, maximum=MAX_JOBS)
    qualification = schemas.text(max_len=300)


class ForecastSchema(schemas.InputSchema):
    period_kind = schemas.enum(PeriodKind, required=True)
    year = schemas.integer(required=True, minimum=2000, maximum=2100)
    quarter = schemas.integer(minimum=1, maximum=4)
    kato_code = schemas.code(required=True, max_len=9)
    note = schemas.text(max_len=3000)
    lines = mm_fields.List(mm_fields.Nested(LineSchema), load_default=list)


def period_end(year: int, quarter: int | None) -> dt.date:
    if quarter is None:
        return dt.date(year, 12, 31)
    next_start = dt.date(year + (quarter == 4), 1 if quarter == 4 else quarter * 3 + 1, 1)
    return next_start - dt.timedelta(days=1)


def _check(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list] = {}
    message = scope.district_error(session, values["kato_code"])
    if message:
        errors["kato_code"] = [message]
    kind = PeriodKind(values["period_kind"])
    if kind == PeriodKind.YEAR:
        values["quarter"] = None
    elif values.get("quarter") is None:
        errors["quarter"] = [_l("Choose the quarter.")]
    today = local_today()
    if "quarter" not in errors:
        if period_end(values["year"], values.get("quarter")) < today:
            errors["year"] = [_l("This period is over; forecasts are for the current or future periods.")]
        elif values["year"] > today.year + 5:
            errors["year"] = [_l("Forecasts reach at most five years ahead.")]
    if len(values["lines"]) > MAX_LINES:
        errors["lines"] = [_l("At most %(n)s lines.", n=MAX_LINES)]
    seen: set[str] = set()
    for index, line in enumerate(values["lines"]):
        message = scope.occupation_error(session, line["occupation_code"])
        if message:
            errors[f"lines.{index}.occupation_code"] = [message]
        elif line["occupation_code"] in seen:
            errors[f"lines.{index}.occupation_code"] = [_l("This occupation is already in the list; add up the counts.")]
        seen.add(line["occupation_code"])
    if errors:
        raise ValidationFailed(errors)
    return values


def _state(report: ForecastReport) -> dict[str, Any]:
    state = snapshot(report, REPORT_FIELDS)
    state["lines"] = [snapshot(line, ("occupation_code", "count", "qualification")) for line in report.lines]
    return state


def _event(session: Session, actor: Actor, report: ForecastReport, action: str, changes: dict[str, Any] | None = None) -> None:
    session.add(ForecastEvent(report_id=report.id, user_id=actor.user_id, organisation_id=actor.organisation_id,
                              action=action, changes=changes or {}))
    session.flush()
    outbox.emit(session, f"forecast.{action}", "forecast_report", report.id,
                {"organisation_id": report.organisation_id, "kato_code": report.kato_code, "status": report.status.value},
                actor.user_id)


def _require_employer(session: Session, actor: Actor, organisation_id: int | None) -> None:
    if actor.is_admin:
        return
    if organisation_id is None or not actor.in_org_kind(OrganisationKind.EMPLOYER):
        raise deny(_l("Forecast jobs are reported by employers."))
    require_org(session, actor, organisation_id)


def _apply(report: ForecastReport, values: dict[str, Any]) -> None:
    for name in REPORT_FIELDS:
        setattr(report, name, values.get(name))
    report.period_kind = PeriodKind(values["period_kind"])
    report.lines = [ForecastLine(**line) for line in values["lines"]]


def create_forecast(session: Session, actor: Actor, data: dict[str, Any]) -> ForecastReport:
    organisation_id = data.get("organisation_id") if actor.is_admin else actor.organisation_id
    _require_employer(session, actor, organisation_id)
    if organisation_id is None:
        raise ValidationFailed({"organisation_id": [_l("This field is required.")]})
    values = _check(session, schemas.load(ForecastSchema(), data))
    report = ForecastReport(organisation_id=organisation_id, status=FilingStatus.DRAFT, created_by_user_id=actor.user_id)
    _apply(report, values)
    session.add(report)
    session.flush()
    _event(session, actor, report, "created", {"state": _state(report)})
    return report


def can_view(session: Session, actor: Actor, report: ForecastReport) -> bool:
    if actor.is_admin:
        return True
    if actor.organisation_id == report.organisation_id:
        try:
            require_org(session, actor, report.organisation_id)
            return True
        except DomainError:
            return False
    return report.status != FilingStatus.DRAFT and scope.can_see_district(actor, report.kato_code)


def get_forecast(session: Session, actor: Actor, report_id: int) -> ForecastReport:
    report = session.get(ForecastReport, report_id)
    if report is None:
        raise NotFound(_l("No such forecast."))
    if not can_view(session, actor, report):
        raise deny()
    return report


def get_editable(session: Session, actor: Actor, report_id: int) -> ForecastReport:
    report = session.get(ForecastReport, report_id)
    if report is None:
        raise NotFound(_l("No such forecast."))
    _require_employer(session, actor, report.organisation_id)
    if report.status == FilingStatus.WITHDRAWN:
        raise Conflict(_l("This forecast is withdrawn and can no longer be changed."))
    return report


def _overlapping(session: Session, report: ForecastReport) -> ForecastReport | None:
    """Another submitted report of the same employer, district and an overlapping period."""
    stmt = sa.select(ForecastReport).where(
        ForecastReport.id != report.id,
        ForecastReport.organisation_id == report.organisation_id,
        ForecastReport.kato_code == report.kato_code,
        ForecastReport.year == report.year,
        ForecastReport.status == FilingStatus.SUBMITTED,
    )
    if report.quarter is not None:
        stmt = stmt.where(sa.or_(ForecastReport.quarter.is_(None), ForecastReport.quarter == report.quarter))
    return session.scalars(stmt.limit(1)).first()


def _check_complete(session: Session, report: ForecastReport) -> None:
    if not report.lines:
        raise ValidationFailed({"lines": [_l("Add at least one occupation with the number of jobs.")]})
    if _overlapping(session, report) is not None:
        raise Conflict(_l("You already submitted a forecast for this district and period; amend that one instead."))


def update_forecast(session: Session, actor: Actor, report_id: int, data: dict[str, Any]) -> ForecastReport:
    report = get_editable(session, actor, report_id)
    values = _check(session, schemas.load(ForecastSchema(), data))
    before = _state(report)
    _apply(report, values)
    session.flush()
    if report.status == FilingStatus.SUBMITTED:
        _check_complete(session, report)
    changes = differences(before, _state(report))
    if changes:
        _event(session, actor, report, "updated", changes)
    return report


def submit_forecast(session: Session, actor: Actor, report_id: int) -> ForecastReport:
    report = get_editable(session, actor, report_id)
    if report.status != FilingStatus.DRAFT:
        raise Conflict(_l("This forecast is already submitted."))
    _check_complete(session, report)
    if period_end(report.year, report.quarter) < local_today():
        raise ValidationFailed({"year": [_l("This period is over; forecasts are for the current or future periods.")]})
    report.status = FilingStatus.SUBMITTED
    report.submitted_at = utcnow()
    _event(session, actor, report, "submitted")
    return report


def withdraw_forecast(session: Session, actor: Actor, report_id: int) -> ForecastReport:
    report = get_editable(session, actor, report_id)
    report.status = FilingStatus.WITHDRAWN
    _event(session, actor, report, "withdrawn")
    return report


def organisation_forecasts(session: Session, actor: Actor, organisation_id: int) -> list[ForecastReport]:
    _require_employer(session, actor, organisation_id)
    return list(session.scalars(
        sa.select(ForecastReport).where(ForecastReport.organisation_id == organisation_id)
        .order_by(ForecastReport.year.desc(), ForecastReport.quarter.desc(), ForecastReport.id.desc())
    ))


def _period_filter(stmt, year: int, quarter: int | None):
    stmt = stmt.where(ForecastReport.year == year)
    if quarter is not None:
        stmt = stmt.where(ForecastReport.quarter == quarter)
    return stmt


def centre_forecasts(session: Session, actor: Actor, year: int, quarter: int | None = None,
                     area: str | None = None) -> list[ForecastReport]:
    districts = scope.visible_districts(session, actor, area)
    if districts is not None and not districts:
        raise deny()
    stmt = _period_filter(sa.select(ForecastReport).where(ForecastReport.status == FilingStatus.SUBMITTED), year, quarter)
    if districts is not None:
        stmt = stmt.where(ForecastReport.kato_code.in_(sorted(districts)))
    return list(session.scalars(stmt.order_by(ForecastReport.kato_code, ForecastReport.id)))


@dataclass
class NeedRow:
    """One line of the training-needs table."""

    area_code: str  # district or region
    occupation_code: str
    planned: int  # jobs in submitted forecasts
    employers: int  # employers planning them
    available: int  # registered seekers in the area whose resume names this occupation

    @property
    def gap(self) -> int:
        """People to train: the planned jobs the registered seekers cannot fill."""
        return max(self.planned - self.available, 0)


class NeedsQuerySchema(schemas.InputSchema):
    year = schemas.integer(required=True, minimum=2000, maximum=2100)
    quarter = schemas.integer(minimum=1, maximum=4)
    area = schemas.code(max_len=9)
    group = schemas.text(max_len=10)


def training_needs(session: Session, actor: Actor, params: dict[str, Any]) -> list[NeedRow]:
    """Planned jobs against available registered seekers, by occupation and district or region.

    ``params``: ``year``, optional ``quarter`` (a quarter counts quarterly reports only;
    a year counts yearly and quarterly ones), ``area`` (administrators: a region or
    district), ``group`` ``district`` (default) or ``region``.
    """
    values = schemas.load(NeedsQuerySchema(), params)
    group = values.get("group") or "district"
    if group not in ("district", "region"):
        raise ValidationFailed({"group": [_l("Choose one of: {choices}.").format(choices="district, region")]})
    districts = scope.visible_districts(session, actor, values.get("area"))
    if districts is not None and not districts:
        raise deny()

    def area_of(district: str) -> str:
        return (scope.region_of(session, district) or district) if group == "region" else district

    stmt = _period_filter(
        sa.select(ForecastReport.kato_code, ForecastLine.occupation_code, ForecastReport.organisation_id, ForecastLine.count)
        .join(ForecastLine, ForecastLine.report_id == ForecastReport.id)
        .where(ForecastReport.status == FilingStatus.SUBMITTED),
        values["year"], values.get("quarter"),
    )
    if districts is not None:
        stmt = stmt.where(ForecastReport.kato_code.in_(sorted(districts)))
    planned: dict[tuple[str, str], int] = {}
    employers: dict[tuple[str, str], set[int]] = {}
    for district, occupation, organisation_id, count in session.execute(stmt):
        key = (area_of(district), occupation)
        planned[key] = planned.get(key, 0) + count
        employers.setdefault(key, set()).add(organisation_id)
    if not planned:
        return []
    occupations = sorted({occupation for _, occupation in planned})
    supply = (
        sa.select(Organisation.kato_code, Resume.occupation_code, Registration.seeker_id).distinct()
        .join(Organisation, Organisation.id == Registration.centre_id)
        .join(Resume, Resume.seeker_id == Registration.seeker_id)
        .where(Registration.deregistered_at.is_(None), Resume.visibility != Visibility.ARCHIVED,
               Resume.occupation_code.in_(occupations))
    )
    if districts is not None:
        supply = supply.where(Organisation.kato_code.in_(sorted(districts)))
    available: dict[tuple[str, str], set[int]] = {}
    for district, occupation, seeker_id in session.execute(supply):
        available.setdefault((area_of(district), occupation), set()).add(seeker_id)
    rows = [
        NeedRow(area, occupation, count, len(employers[(area, occupation)]), len(available.get((area, occupation), ())))
        for (area, occupation), count in planned.items()
    ]
    return sorted(rows, key=lambda r: (-r.gap, r.area_code, r.occupation_code))
