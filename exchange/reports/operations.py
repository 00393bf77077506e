"""Centre and agency reporting per period, district or region, and occupation (R-DATA-5, R-AG-4, R-MON-4).

Every figure counts events in the period (a person registered twice counts twice),
so rows add up to the totals. The period is a range of local (Asia/Almaty) days,
both ends included. Where each event is counted:

=================  =========================================  ==================================================
measure            event                                      district / occupation
=================  =========================================  ==================================================
registered         a registration opened at a centre          the centre's district / the person's latest resume
responses          a seeker applied to a vacancy              the vacancy's district / the vacancy's occupation
referred           a centre referred a seeker to a vacancy    the referring centre's district / the vacancy's
employed_*         an employment began (through the platform  the centre where the person was registered, else
                   or otherwise: pension data, reports)       the person's district / the job's occupation
deregistered_*     a registration closed, by reason           the centre's district / the person's latest resume
agency_*           an agency's own reported figures whose     the agency's district / the reported occupation
                   period lies inside the report's period
=================  =========================================  ==================================================

Only centre staff (their own district) and administrators see these reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, schemas
from exchange.api.models import AgencyReport
from exchange.applications.models import Application, ApplicationOrigin, ApplicationState
from exchange.auth import Actor, deny
from exchange.employment.models import Employment
from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.reports import scope
from exchange.resumes.models import Resume, Visibility
from exchange.seekers.models import DeregistrationReason, Registration, SeekerProfile
from exchange.timeutil import ALMATY
from exchange.vacancies.models import Vacancy

MAX_DAYS = 3 * 366
REASONS = tuple(r.value for r in DeregistrationReason)
UNSPECIFIED = ""  # occupation unknown


class ReportQuerySchema(schemas.InputSchema):
    period_start = schemas.date(required=True)
    period_end = schemas.date(required=True)
    area = schemas.code(max_len=9)
    group = schemas.text(max_len=10)
    occupation_code = schemas.code(max_len=4)


@dataclass
class ReportRow:
    area_code: str
    occupation_code: str
    registered: int = 0
    responses: int = 0
    referred: int = 0
    employed_platform: int = 0
    employed_other: int = 0
    deregistered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    agency_applied: int = 0
    agency_employed: int = 0

    @property
    def employed_total(self) -> int:
        return self.employed_platform + self.employed_other

    @property
    def deregistered_total(self) -> int:
        return sum(self.deregistered.values())

    def add(self, other: ReportRow) -> None:
        for name in ("registered", "responses", "referred", "employed_platform", "employed_other",
                     "agency_applied", "agency_employed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.deregistered.items():
            self.deregistered[reason] += count


@dataclass
class AgencyRow:
    """An agency's own reported figures beside what the platform saw of it."""

    organisation_id: int
    name: str
    area_code: str
    reported_applied: int = 0
    reported_employed: int = 0
    platform_responses: int = 0  # applications to vacancies it posted, and seekers it invited
    platform_hired: int = 0  # hires confirmed on those applications


@dataclass
class Report:
    period_start: dt.date
    period_end: dt.date
    group: str
    area: str | None
    rows: list[ReportRow]
    agencies: list[AgencyRow]

    @property
    def totals(self) -> ReportRow:
        total = ReportRow(area_code="", occupation_code="")
        for row in self.rows:
            total.add(row)
        return total


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight at the start and after the end of the period."""
    low = dt.datetime.combine(start, dt.time(), tzinfo=ALMATY).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=ALMATY).astimezone(dt.UTC)
    return low, high


def _params(session: Session, actor: Actor, params: dict[str, Any]) -> tuple[dict[str, Any], set[str] | None]:
    if not (actor.is_admin or scope.is_centre_staff(actor)):
        raise deny(_l("Reports are for employment-centre staff and administrators."))
    values = schemas.load(ReportQuerySchema(), params)
    errors: dict[str, list] = {}
    if values["period_end"] < values["period_start"]:
        errors["period_end"] = [_l("The end of the period is before its start.")]
    elif (values["period_end"] - values["period_start"]).days >= MAX_DAYS:
        errors["period_end"] = [_l("A report covers at most three years.")]
    group = values.get("group") or "district"
    if group not in ("district", "region"):
        errors["group"] = [_l("Choose one of: {choices}.").format(choices="district, region")]
    values["group"] = group
    if values.get("occupation_code") and scope.occupation_error(session, values["occupation_code"]):
        errors["occupation_code"] = [scope.occupation_error(session, values["occupation_code"])]
    if errors:
        raise ValidationFailed(errors)
    return values, scope.visible_districts(session, actor, values.get("area"))


def _in(column, districts: set[str] | None):
    return sa.true() if districts is None else column.in_(sorted(districts))


def _latest_occupations(session: Session, seeker_ids: Iterable[int]) -> dict[int, str]:
    """Each person's occupation: that of their latest resume, preferring ones not archived."""
    ids = sorted(set(seeker_ids))
    found: dict[int, tuple[bool, int, str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(Resume.seeker_id, Resume.id, Resume.occupation_code, Resume.visibility)
            .where(Resume.seeker_id.in_(ids[start:start + 500]), Resume.occupation_code.is_not(None))
        )
        for seeker_id, resume_id, occupation, visibility in rows:
            rank = (visibility != Visibility.ARCHIVED, resume_id, occupation)
            if seeker_id not in found or rank > found[seeker_id]:
                found[seeker_id] = rank
    return {seeker_id: rank[2] for seeker_id, rank in found.items()}


class _Table:
    """Rows keyed by (area, occupation), created on first use."""

    def __init__(self, session: Session, group: str, occupation: str | None) -> None:
        self.session, self.group, self.occupation = session, group, occupation
        self.rows: dict[tuple[str, str], ReportRow] = {}

    def area(self, district: str | None) -> str:
        if self.group == "region" and district:
            return scope.region_of(self.session, district) or district
        return district or ""

    def row(self, district: str | None, occupation: str | None) -> ReportRow | None:
        occupation = occupation or UNSPECIFIED
        if self.occupation and occupation != self.occupation:
            return None
        key = (self.area(district), occupation)
        if key not in self.rows:
            self.rows[key] = ReportRow(area_code=key[0], occupation_code=occupation)
        return self.rows[key]


def _registrations(session, table, districts, low, high) -> None:
    centre_kato = Organisation.kato_code
    opened = list(session.execute(
        sa.select(Registration.seeker_id, centre_kato)
        .join(Organisation, Organisation.id == Registration.centre_id)
        .where(Registration.registered_at >= low, Registration.registered_at < high, _in(centre_kato, districts))
    ))
    closed = list(session.execute(
        sa.select(Registration.seeker_id, centre_kato, Registration.deregistration_reason)
        .join(Organisation, Organisation.id == Registration.centre_id)
        .where(Registration.deregistered_at >= low, Registration.deregistered_at < high, _in(centre_kato, districts))
    ))
    occupations = _latest_occupations(session, [r[0] for r in opened] + [r[0] for r in closed])
    for seeker_id, district in opened:
        row = table.row(district, occupations.get(seeker_id))
        if row:
            row.registered += 1
    for seeker_id, district, reason in closed:
        row = table.row(district, occupations.get(seeker_id))
        if row and reason is not None:
            row.deregistered[DeregistrationReason(reason).value] += 1


def _applications(session, table, districts, low, high) -> None:
    responses = session.execute(
        sa.select(Vacancy.kato_code, Vacancy.occupation_code)
        .join(Application, Application.vacancy_id == Vacancy.id)
        .where(Application.origin == ApplicationOrigin.RESPONSE, Application.created_at >= low,
               Application.created_at < high, _in(Vacancy.kato_code, districts))
    )
    for district, occupation in responses:
        row = table.row(district, occupation)
        if row:
            row.responses += 1
    sent = sa.func.coalesce(Application.referral_sent_at, Application.created_at)
    referrals = session.execute(
        sa.select(Organisation.kato_code, Vacancy.occupation_code)
        .select_from(Application)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .join(Organisation, Organisation.id == Application.centre_id)
        .where(Application.origin == ApplicationOrigin.REFERRAL, sent >= low, sent < high,
               _in(Organisation.kato_code, districts))
    )
    for district, occupation in referrals:
        row = table.row(district, occupation)
        if row:
            row.referred += 1


def _home_districts(session: Session, seeker_ids: list[int], on: dict[int, dt.datetime]) -> dict[int, str]:
    """The district of the centre each person was last registered at by a moment, else where they live."""
    ids = sorted(set(seeker_ids))
    homes: dict[int, str] = {}
    registered: dict[int, tuple[dt.datetime, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for seeker_id, kato in session.execute(
            sa.select(SeekerProfile.id, SeekerProfile.kato_code).where(SeekerProfile.id.in_(chunk))
        ):
            homes[seeker_id] = kato
        for seeker_id, at, kato in session.execute(
            sa.select(Registration.seeker_id, Registration.registered_at, Organisation.kato_code)
            .join(Organisation, Organisation.id == Registration.centre_id)
            .where(Registration.seeker_id.in_(chunk))
        ):
            if at <= on[seeker_id] and (seeker_id not in registered or at > registered[seeker_id][0]):
                registered[seeker_id] = (at, kato)
    return {seeker_id: registered[seeker_id][1] if seeker_id in registered else homes.get(seeker_id, "")
            for seeker_id in ids}


def _employments(session, table, districts, start, end) -> None:
    rows = list(session.execute(
        sa.select(Employment.seeker_id, Employment.started_on, Employment.through_platform,
                  sa.func.coalesce(Employment.occupation_code, Vacancy.occupation_code))
        .outerjoin(Vacancy, Vacancy.id == Employment.vacancy_id)
        .where(Employment.started_on >= start, Employment.started_on <= end)
    ))
    if not rows:
        return
    # A person counts where they were registered when the job began (end of that local day).
    moments = {}
    for seeker_id, started_on, _, _ in rows:
        moment = _bounds(started_on, started_on)[1]
        moments[seeker_id] = max(moments.get(seeker_id, moment), moment)
    homes = _home_districts(session, [r[0] for r in rows], moments)
    occupations = _latest_occupations(session, [r[0] for r in rows if r[3] is None])
    for seeker_id, _, through_platform, occupation in rows:
        district = homes.get(seeker_id, "")
        if districts is not None and district not in districts:
            continue
        row = table.row(district, occupation or occupations.get(seeker_id))
        if row is None:
            continue
        if through_platform:
            row.employed_platform += 1
        else:
            row.employed_other += 1


def _agencies(session, table, districts, start, end, low, high, occupation) -> list[AgencyRow]:
    reports = session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kato_code, AgencyReport.occupation_code,
                  AgencyReport.applied_count, AgencyReport.employed_count)
        .join(AgencyReport, AgencyReport.organisation_id == Organisation.id)
        .where(AgencyReport.period_start >= start, AgencyReport.period_end <= end, _in(Organisation.kato_code, districts))
    )
    agencies: dict[int, AgencyRow] = {}

    def agency(org_id: int, name: str, kato: str | None) -> AgencyRow:
        if org_id not in agencies:
            agencies[org_id] = AgencyRow(org_id, name, table.area(kato))
        return agencies[org_id]

    for org_id, name, kato, occ, applied, employed in reports:
        row = table.row(kato, occ)
        if row is None:
            continue
        row.agency_applied += applied
        row.agency_employed += employed
        item = agency(org_id, name, kato)
        item.reported_applied += applied
        item.reported_employed += employed
    # An agency's work on the platform: applications to vacancies it posted for employers,
    # and seekers it invited itself.
    by_agency = sa.or_(Organisation.id == Vacancy.source_organisation_id,
                       Organisation.id == Application.initiated_by_organisation_id)
    on_platform = session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kato_code, Application.created_at,
                  Application.state, Application.hired_on, Vacancy.occupation_code)
        .select_from(Application)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .join(Organisation, by_agency)
        .where(Organisation.kind == OrganisationKind.AGENCY, _in(Organisation.kato_code, districts),
               sa.or_(sa.and_(Application.created_at >= low, Application.created_at < high),
                      sa.and_(Application.hired_on >= start, Application.hired_on <= end)))
    )
    for org_id, name, kato, created_at, state, hired_on, occ in on_platform:
        if occupation and occ != occupation:
            continue
        item = agency(org_id, name, kato)
        if low <= created_at < high:
            item.platform_responses += 1
        if state == ApplicationState.HIRED and hired_on is not None and start <= hired_on <= end:
            item.platform_hired += 1
    return sorted(agencies.values(), key=lambda a: (a.area_code, a.name, a.organisation_id))


def build_report(session: Session, actor: Actor, params: dict[str, Any]) -> Report:
    """The centre report: ``period_start``, ``period_end`` (dates), and for administrators
    ``area`` (a region or district) and ``group`` (``district`` or ``region``);
    optionally one ``occupation_code``."""
    values, districts = _params(session, actor, params)
    if districts is not None and not districts:
        raise deny()
    start, end = values["period_start"], values["period_end"]
    low, high = _bounds(start, end)
    table = _Table(session, values["group"], values.get("occupation_code"))
    _registrations(session, table, districts, low, high)
    _applications(session, table, districts, low, high)
    _employments(session, table, districts, start, end)
    agencies = _agencies(session, table, districts, start, end, low, high, values.get("occupation_code"))
    rows = sorted(table.rows.values(), key=lambda r: (r.area_code, r.occupation_code == UNSPECIFIED, r.occupation_code))
    return Report(start, end, values["group"], values.get("area"), rows, agencies)


def record_export(session: Session, actor: Actor, report: Report, fmt: str) -> None:
    """Exports leave the system: say who took which figures."""
    audit.record(session, actor, "export", "report", None, format=fmt, period_start=report.period_start.isoformat(),
                 period_end=report.period_end.isoformat(), area=report.area, group=report.group)
