"""Agency reporting (R-AG-4, R-AFLOW-3) and an organisation's own statistics (R-AG-6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.api.models import AgencyReport
from exchange.auth import Actor, deny, require_org
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import utcnow
from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import OrganisationKind
from exchange.resumes.models import Resume, Visibility
from exchange.timeutil import to_local
from exchange.vacancies.models import Vacancy

MAX_PERIOD_DAYS = 366


class AgencyReportSchema(schemas.InputSchema):
    period_start = schemas.date(required=True)
    period_end = schemas.date(required=True)
    occupation_code = schemas.code(required=True, max_len=4)
    applied_count = schemas.integer(required=True, minimum=0, maximum=1_000_000)
    employed_count = schemas.integer(required=True, minimum=0, maximum=1_000_000)


class ReportQuerySchema(schemas.InputSchema):
    period_start = schemas.date()
    period_end = schemas.date()


def _require_agency(session: Session, actor: Actor) -> int:
    if actor.organisation is None or actor.organisation.kind != OrganisationKind.AGENCY:
        raise deny(_l("Only private employment agencies submit these reports."))
    require_org(session, actor, actor.organisation_id)
    return actor.organisation_id


def submit_report(session: Session, actor: Actor, data: dict[str, Any]) -> AgencyReport:
    """Submit, or correct, the counts for one period and occupation (the same key replaces them)."""
    organisation_id = _require_agency(session, actor)
    values = schemas.load(AgencyReportSchema(), data)
    errors: dict[str, list] = {}
    start, end = values["period_start"], values["period_end"]
    if end < start:
        errors["period_end"] = [_l("The period ends before it starts.")]
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = [_l("Report at most one year at a time.")]
    if start > to_local(utcnow()).date():
        errors["period_start"] = [_l("The period has not started yet.")]
    entry = classifiers.get(session, Scheme.ISCO, values["occupation_code"])
    if entry is None or entry.level != 4:
        errors["occupation_code"] = [_l("Choose an occupation from the classifier.")]
    if values["employed_count"] > values["applied_count"]:
        errors["employed_count"] = [_l("More people employed than applied.")]
    if errors:
        raise ValidationFailed(errors)
    report = session.scalar(
        sa.select(AgencyReport).where(
            AgencyReport.organisation_id == organisation_id,
            AgencyReport.period_start == start,
            AgencyReport.period_end == end,
            AgencyReport.occupation_code == values["occupation_code"],
        )
    )
    if report is None:
        report = AgencyReport(organisation_id=organisation_id, period_start=start, period_end=end, occupation_code=values["occupation_code"])
        session.add(report)
    report.applied_count = values["applied_count"]
    report.employed_count = values["employed_count"]
    report.submitted_at = utcnow()
    report.submitted_by_user_id = actor.user_id
    session.flush()
    outbox.emit(session, "agency_report.submitted", "agency_report", report.id, {"organisation_id": organisation_id}, actor.user_id)
    return report


def list_reports(session: Session, actor: Actor, period_start: dt.date | None = None, period_end: dt.date | None = None) -> list[AgencyReport]:
    organisation_id = _require_agency(session, actor)
    stmt = sa.select(AgencyReport).where(AgencyReport.organisation_id == organisation_id)
    if period_start:
        stmt = stmt.where(AgencyReport.period_end >= period_start)
    if period_end:
        stmt = stmt.where(AgencyReport.period_start <= period_end)
    return list(session.scalars(stmt.order_by(AgencyReport.period_start.desc(), AgencyReport.occupation_code)))


def _count(session: Session, stmt) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def statistics(session: Session, actor: Actor, days: int = 30) -> dict[str, Any]:
    """Overall and daily figures for the actor's organisation: vacancies, resumes, applications."""
    if actor.organisation_id is None:
        raise deny()
    require_org(session, actor, actor.organisation_id)
    org = actor.organisation_id
    own_vacancies = sa.select(Vacancy).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org))
    overall: dict[str, int] = {"vacancies_total": _count(session, own_vacancies)}
    for status, n in session.execute(
        sa.select(Vacancy.status, sa.func.count()).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org)).group_by(Vacancy.status)
    ):
        overall[f"vacancies_{getattr(status, 'value', status)}"] = n
    overall["positions_open"] = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Vacancy.positions - Vacancy.positions_filled), 0)).where(
            sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org), Vacancy.status == "published"
        )
    ) or 0
    overall["vacancy_views"] = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Vacancy.view_count), 0)).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org))
    ) or 0
    overall["resumes_total"] = _count(session, sa.select(Resume).where(Resume.source_organisation_id == org))
    overall["resumes_active"] = _count(
        session, sa.select(Resume).where(Resume.source_organisation_id == org, Resume.visibility == Visibility.ACTIVE)
    )
    since = utcnow() - dt.timedelta(days=days)
    daily: dict[str, dict[str, Any]] = {}

    def bump(day: dt.datetime, key: str) -> None:
        local_day = to_local(day).date().isoformat()
        daily.setdefault(local_day, {"date": local_day, "vacancies_created": 0, "resumes_created": 0, "applications_created": 0})
        daily[local_day][key] += 1

    for (created,) in session.execute(
        sa.select(Vacancy.created_at).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org), Vacancy.created_at >= since)
    ):
        bump(created, "vacancies_created")
    for (created,) in session.execute(sa.select(Resume.created_at).where(Resume.source_organisation_id == org, Resume.created_at >= since)):
        bump(created, "resumes_created")
    try:
        from exchange.applications.models import Application
    except ImportError:  # the applications feature is optional in a trimmed install
        Application = None
    if Application is not None:
        applications = sa.select(Application).where(Application.organisation_id == org)
        overall["applications_total"] = _count(session, applications)
        for state, n in session.execute(
            sa.select(Application.state, sa.func.count()).where(Application.organisation_id == org).group_by(Application.state)
        ):
            overall[f"applications_{getattr(state, 'value', state)}"] = n
        for (created,) in session.execute(
            sa.select(Application.created_at).where(Application.organisation_id == org, Application.created_at >= since)
        ):
            bump(created, "applications_created")
    return {"organisation_id": org, "overall": overall, "daily": [daily[k] for k in sorted(daily)]}
