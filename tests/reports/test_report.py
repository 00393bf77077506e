"""Centre and agency reports on a hand-built data set, checked by hand; exports read back."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exchange.api.models import AgencyReport
from exchange.applications.models import Application, ApplicationOrigin, ApplicationState
from exchange.audit import AuditEntry
from exchange.auth import Actor
from exchange.db import utcnow
from exchange.employment.models import Employment, EmploymentSource
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.reports import export
from exchange.reports import operations as reports
from exchange.seekers import operations as seekers
from exchange.seekers.models import Registration
from exchange.timeutil import local_today
from tests import factories as f

ALMATY, ASTANA, ALMATY_CITY = f.ALMATY_DISTRICT, f.ASTANA_DISTRICT, "750000000"
TODAY = local_today()
START, END = TODAY - dt.timedelta(days=10), TODAY
LONG_AGO = utcnow() - dt.timedelta(days=60)


def _application(db, resume, vacancy, origin, *, state=ApplicationState.NEW, centre=None, sent_at=None, hired_on=None,
                 initiated_by=None):
    # Rows are written directly so each timestamp can be placed inside or outside the period.
    now = utcnow()
    item = Application(
        resume_id=resume.id, vacancy_id=vacancy.id, seeker_id=resume.seeker_id, organisation_id=vacancy.organisation_id,
        origin=origin, state=state, centre_id=centre.id if centre else None, created_at=sent_at or now,
        referral_sent_at=sent_at or now if origin == ApplicationOrigin.REFERRAL else None,
        answer_due_at=(sent_at or now) + dt.timedelta(days=3) if origin == ApplicationOrigin.REFERRAL else None,
        hired_on=hired_on, initiated_by_organisation_id=(centre or initiated_by).id if (centre or initiated_by) else None,
    )
    db.add(item)
    db.flush()
    return item


def _employment(db, seeker, started_on, platform, occupation=None, vacancy=None):
    db.add(Employment(seeker_id=seeker.id, employer_bin=f.bin_(), employer_name="ТОО «Работа»", started_on=started_on,
                      source=EmploymentSource.HIRE if platform else EmploymentSource.PENSION_CONTRIBUTIONS,
                      through_platform=platform, occupation_code=occupation, vacancy_id=vacancy.id if vacancy else None))
    db.flush()


@pytest.fixture()
def data_set(db):
    """Almaly district (ALMATY) centre C1, Astana centre C2, one employer, one agency.

    s1 welder (7212): registered at C1 in the period; responded to v1 (driver vacancy, 8332)
       and to v2 (developer vacancy, 2512, posted by the agency for the employer); employed otherwise (pension data), no occupation
       given → counted under the resume's 7212.
    s2 driver (8332): registered at C1 and deregistered "employed" in the period; referred by
       C1 to v1 in the period; invited to v2 by the agency and hired there; employed through the platform, 8332.
    s3 welder (7212): registered at C1 60 days ago (outside), deregistered "moved away" in the period.
    s4 no resume: registered at C2 (Astana) in the period.
    Outside the period: a referral of s3 sent 60 days ago, an employment of s3 begun 60 days ago,
    an agency report for last year.
    Agency (in ALMATY) reports 7212: applied 10, employed 4, for a period inside the report's.
    """
    c1_org, c1 = f.centre(db)
    _c2_org, c2 = f.centre(db, district=ASTANA)
    employer_org, employer = f.employer(db)
    agency_org, agency = f.agency(db)
    v1 = f.vacancy(db, employer, occupation_code="8332")
    v2 = f.vacancy(db, agency, organisation_id=employer_org.id, occupation_code="2512", title="Разработчик Python",
                   driving_licences=[])
    people = {}
    for name, occupation, centre, district in (("s1", "7212", c1, ALMATY), ("s2", "8332", c1, ALMATY),
                                               ("s3", "7212", c1, ALMATY), ("s4", None, c2, ASTANA)):
        profile, actor = f.seeker(db, kato_code=district)
        resume = f.resume(db, profile, actor, occupation_code=occupation, kato_code=district) if occupation else None
        seekers.register(db, centre, profile.id, {"category": "unemployed"})
        people[name] = (profile, resume)
    (s1, r1), (s2, r2), (s3, r3), _ = people.values()
    db.execute(sa.update(Registration).where(Registration.seeker_id == s3.id).values(registered_at=LONG_AGO))
    seekers.deregister(db, c1, s2.id, {"reason": "employed"})
    seekers.deregister(db, c1, s3.id, {"reason": "moved_away"})
    _application(db, r1, v1, ApplicationOrigin.RESPONSE)
    _application(db, r1, v2, ApplicationOrigin.RESPONSE)
    _application(db, r2, v1, ApplicationOrigin.REFERRAL, centre=c1_org)
    _application(db, r2, v2, ApplicationOrigin.INVITATION, state=ApplicationState.HIRED, hired_on=TODAY,
                 initiated_by=agency_org)
    _application(db, r3, v1, ApplicationOrigin.REFERRAL, centre=c1_org, sent_at=LONG_AGO)
    _employment(db, s2, TODAY, True, occupation="8332", vacancy=v1)
    _employment(db, s1, TODAY - dt.timedelta(days=2), False)
    _employment(db, s3, TODAY - dt.timedelta(days=60), False, occupation="7212")
    db.add(AgencyReport(organisation_id=agency_org.id, period_start=START, period_end=END, occupation_code="7212",
                        applied_count=10, employed_count=4))
    db.add(AgencyReport(organisation_id=agency_org.id, period_start=START - dt.timedelta(days=365),
                        period_end=END - dt.timedelta(days=365), occupation_code="2512", applied_count=7, employed_count=7))
    db.flush()
    return {"c1": c1, "c2": c2, "employer": employer, "agency": agency, "agency_org": agency_org}


PERIOD = {"period_start": START.isoformat(), "period_end": END.isoformat()}


def _figures(row):
    return {"registered": row.registered, "responses": row.responses, "referred": row.referred,
            "employed_platform": row.employed_platform, "employed_other": row.employed_other,
            "deregistered": {k: v for k, v in row.deregistered.items() if v}, "agency": (row.agency_applied, row.agency_employed)}


def test_centre_report_figures(db, data_set):
    report = reports.build_report(db, data_set["c1"], PERIOD)
    table = {(r.area_code, r.occupation_code): _figures(r) for r in report.rows}
    assert table == {
        # 7212: s1 registered; s1 employed otherwise (occupation from the resume); s3 moved away; agency 10/4.
        (ALMATY, "7212"): {"registered": 1, "responses": 0, "referred": 0, "employed_platform": 0, "employed_other": 1,
                           "deregistered": {"moved_away": 1}, "agency": (10, 4)},
        # 8332: s2 registered; s1 responded to v1; s2 referred to v1; s2 employed through the platform and deregistered.
        (ALMATY, "8332"): {"registered": 1, "responses": 1, "referred": 1, "employed_platform": 1, "employed_other": 0,
                           "deregistered": {"employed": 1}, "agency": (0, 0)},
        # 2512: s1's response to the agency's vacancy v2 (s2's invitation there is not a response).
        (ALMATY, "2512"): {"registered": 0, "responses": 1, "referred": 0, "employed_platform": 0, "employed_other": 0,
                           "deregistered": {}, "agency": (0, 0)},
    }
    totals = report.totals
    # registered 1+1 = 2, responses 1+1 = 2, referred 1, employed 1 platform + 1 otherwise = 2, deregistered 1+1 = 2.
    assert (totals.registered, totals.responses, totals.referred, totals.employed_total, totals.deregistered_total) == (2, 2, 1, 2, 2)
    # The agency reported 10 applied / 4 employed; on the platform its vacancy got 2 applications
    # (s1's response, s2's invitation) and 1 hire (s2).
    [agency] = report.agencies
    assert (agency.reported_applied, agency.reported_employed, agency.platform_responses, agency.platform_hired) == (10, 4, 2, 1)


def test_admin_sees_every_district_and_can_group_by_region(db, data_set):
    admin = Actor.system("test")
    report = reports.build_report(db, admin, PERIOD)
    assert report.totals.registered == 3  # s1, s2 at C1 and s4 at C2
    assert (ASTANA, "") in {(r.area_code, r.occupation_code) for r in report.rows}
    by_region = reports.build_report(db, admin, {**PERIOD, "group": "region", "area": ALMATY_CITY})
    assert {r.area_code for r in by_region.rows} == {ALMATY_CITY}
    assert by_region.totals.registered == 2
    welders = reports.build_report(db, admin, {**PERIOD, "occupation_code": "7212"})
    assert [(r.area_code, r.registered, r.employed_other) for r in welders.rows] == [(ALMATY, 1, 1)]


def test_a_centre_sees_only_its_district(db, data_set):
    report = reports.build_report(db, data_set["c2"], {**PERIOD, "area": ALMATY_CITY})
    assert [(r.area_code, r.occupation_code, r.registered) for r in report.rows] == [(ASTANA, "", 1)]
    assert report.agencies == []


@pytest.mark.parametrize("who", ["employer", "agency"])
def test_reports_are_not_for_employers_or_agencies(db, data_set, who):
    with pytest.raises(PermissionDenied):
        reports.build_report(db, data_set[who], PERIOD)


def test_seekers_cannot_read_reports(db):
    _, seeker = f.seeker(db)
    with pytest.raises(PermissionDenied):
        reports.build_report(db, seeker, PERIOD)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period_start": "2024-02-01", "period_end": "2024-01-01"}, "period_end"),
        ({"period_start": "2020-01-01", "period_end": "2024-01-01"}, "period_end"),
        ({"period_start": "yesterday", "period_end": "2024-01-01"}, "period_start"),
        ({"period_end": "2024-01-01"}, "period_start"),
        ({**PERIOD, "group": "street"}, "group"),
        ({**PERIOD, "occupation_code": "72"}, "occupation_code"),
    ],
)
def test_bad_report_parameters(db, params, field):
    _, centre = f.centre(db)
    with pytest.raises(ValidationFailed) as caught:
        reports.build_report(db, centre, params)
    assert field in caught.value.fields


def test_csv_export_reads_back_in_the_fixed_layout(db, data_set):
    report = reports.build_report(db, data_set["c1"], PERIOD)
    content = export.to_csv(db, report, "ru")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0].keys()) == export.COLUMN_KEYS
    assert len(export.COLUMN_KEYS) == 25  # documented in docs/reports.md
    drivers = next(r for r in rows if r["occupation_code"] == "8332")
    assert drivers["period_start"] == START.isoformat() and drivers["area_code"] == ALMATY
    assert drivers["area_name"] == "Алатауский район"
    assert drivers["occupation_name"] == "Водители тяжелых грузовых автомобилей"
    assert (drivers["referred"], drivers["employed_total"], drivers["deregistered_employed"]) == ("1", "1", "1")
    assert sum(int(r["registered"]) for r in rows) == 2
    agencies = list(csv.reader(io.StringIO(export.agencies_csv(report).decode("utf-8-sig"))))
    assert agencies[0][:4] == ["period_start", "period_end", "organisation_id", "agency_name"]
    assert agencies[1][-4:] == ["10", "4", "2", "1"]


def test_xlsx_export_reads_back_with_totals(db, data_set):
    report = reports.build_report(db, data_set["c1"], PERIOD)
    book = load_workbook(io.BytesIO(export.to_xlsx(db, report, "kk")))
    assert book.sheetnames == ["report", "agencies"]
    sheet = book["report"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values[0]) == len(export.COLUMN_KEYS)
    assert len(values) == 1 + len(report.rows) + 1  # headings, rows, totals
    total = dict(zip(export.COLUMN_KEYS, values[-1], strict=True))
    assert (total["registered"], total["responses"], total["referred"], total["employed_total"],
            total["deregistered_total"], total["agency_applied"]) == (2, 2, 1, 2, 2, 10)
    welders = dict(zip(export.COLUMN_KEYS, next(v for v in values if v[4] == "7212"), strict=True))
    assert welders["occupation_name"] == "Дәнекерлеушілер және газбен кесушілер"
    assert welders["deregistered_moved_away"] == 1 and welders["employed_other"] == 1
    agencies = list(book["agencies"].iter_rows(values_only=True))
    assert agencies[1][2] == data_set["agency_org"].id and agencies[1][-2:] == (2, 1)


def test_every_deregistration_reason_has_its_own_titled_column():
    from exchange.seekers.models import DeregistrationReason

    titled = {key for key, heading, _ in export.COLUMNS if key.startswith("deregistered_") and str(heading) != key}
    assert titled == {"deregistered_total"} | {f"deregistered_{r.value}" for r in DeregistrationReason}


def test_export_is_audited(db, data_set):
    report = reports.build_report(db, data_set["c1"], PERIOD)
    reports.record_export(db, data_set["c1"], report, "csv")
    entry = db.scalars(sa.select(AuditEntry).where(AuditEntry.subject_type == "report")).one()
    assert entry.action == "export" and entry.detail["format"] == "csv"
