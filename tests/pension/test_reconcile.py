"""Reconciliation on a hand-built case set: who leaves the register, and what is attributed to the platform."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from exchange.applications.models import Application, ApplicationEvent, ApplicationState
from exchange.employment.models import Employment, EmploymentSource
from exchange.outbox import OutboxEvent
from exchange.pension import jobs
from exchange.pension import reconcile as sql
from exchange.pension.models import PensionMatch, PensionRun, RunStatus
from exchange.resumes.models import Visibility
from exchange.seekers import operations as seekers
from exchange.seekers.models import DeregistrationReason, Registration
from exchange.timeutil import ALMATY
from tests import factories as f

REGISTERED = dt.datetime(2025, 3, 3, 10, 0, tzinfo=ALMATY)


@pytest.fixture()
def world(db):
    centre, centre_actor = f.centre(db)
    employer, employer_actor = f.employer(db)
    vacancy = f.vacancy(db, employer_actor)
    return {"centre": centre, "centre_actor": centre_actor, "employer": employer, "vacancy": vacancy}


def registered(db, world, when: dt.datetime = REGISTERED):
    with time_machine.travel(when, tick=False):
        profile, actor, resume = f.registered_seeker(db, world["centre_actor"])
    return profile, actor, resume


def contribution(profile, employer_bin: str, paid_on: str, period: str | None = None, **extra) -> dict:
    return {"iin": profile.iin, "employer_bin": employer_bin, "employer_name": "ТОО «Жұмыс беруші»",
            "period": period or paid_on[:7], "amount": "42000.00", "paid_on": paid_on, **extra}


def run(app, db) -> dict:
    report = jobs.run_reconciliation(app, trigger="test")
    db.expire_all()
    return report


def open_registration(db, profile) -> Registration | None:
    return db.scalar(sa.select(Registration).where(Registration.seeker_id == profile.id, Registration.deregistered_at.is_(None)))


def test_contribution_before_registration_does_nothing(app, db, world):
    profile, _, _ = registered(db, world)
    f.pension_feed(db, [
        contribution(profile, world["employer"].bin, "2025-02-25", "2025-02"),  # paid before registering
        contribution(profile, world["employer"].bin, "2025-03-10", "2025-02"),  # for a month before registering
        contribution(profile, world["employer"].bin, "2025-03-03", "2025-03"),  # on the day of registering
    ])
    report = run(app, db)
    assert (report["matched"], report["seekers_deregistered"]) == (0, 0)
    assert open_registration(db, profile) is not None
    assert report["rows_read"] == 3 and report["feeds"] == 1


def test_contribution_after_registration_deregisters(app, db, world):
    profile, _, resume = registered(db, world)
    bystander, _, other_resume = registered(db, world)
    other_bin = f.bin_()
    f.pension_feed(db, [
        contribution(profile, other_bin, "2025-04-20", "2025-03"),
        contribution(profile, world["employer"].bin, "2025-05-20", "2025-04"),  # later: the earliest wins
    ])
    report = run(app, db)
    assert (report["matched"], report["seekers_deregistered"], report["employments_created"]) == (1, 1, 1)
    assert report["resumes_archived"] == 1 and report["through_platform"] == 0
    assert report["by_centre"] == [{"centre_id": world["centre"].id, "deregistered": 1, "through_platform": 0}]

    registration = db.scalar(sa.select(Registration).where(Registration.seeker_id == profile.id))
    assert registration.deregistration_reason == DeregistrationReason.PENSION_CONTRIBUTIONS
    assert db.get(type(profile), profile.id).departed_at is not None
    [job] = db.scalars(sa.select(Employment).where(Employment.seeker_id == profile.id)).all()
    assert (job.employer_bin, job.started_on, job.source, job.through_platform) == (
        other_bin, dt.date(2025, 3, 1), EmploymentSource.PENSION_CONTRIBUTIONS, False)
    assert db.get(type(resume), resume.id).visibility == Visibility.ARCHIVED
    assert db.get(type(other_resume), other_resume.id).visibility == Visibility.ACTIVE
    assert open_registration(db, bystander) is not None

    topics = {e.topic: e for e in db.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.topic.in_(["seeker.deregistered", "resume.archived", "pension.reconciled"]),
        OutboxEvent.created_at >= registration.deregistered_at))}
    assert topics["seeker.deregistered"].aggregate_id == profile.id
    assert topics["seeker.deregistered"].payload["centre_id"] == world["centre"].id
    assert topics["seeker.deregistered"].payload["reason"] == "pension_contributions"
    assert topics["resume.archived"].aggregate_id == resume.id
    assert topics["resume.archived"].payload["public"] in (False, 0)
    assert topics["pension.reconciled"].payload == {"run_id": report["run_id"]}


def test_attribution_inside_and_outside_90_days(app, db, world):
    inside, _, inside_resume = registered(db, world)
    outside, _, outside_resume = registered(db, world)
    with time_machine.travel(dt.datetime(2025, 4, 1, 11, 0, tzinfo=ALMATY), tick=False):
        referral = f.referral(db, world["centre_actor"], inside_resume.id, world["vacancy"].id)
    with time_machine.travel(dt.datetime(2025, 3, 5, 11, 0, tzinfo=ALMATY), tick=False):
        old = f.referral(db, world["centre_actor"], outside_resume.id, world["vacancy"].id)
    bin_ = world["employer"].bin
    f.pension_feed(db, [
        contribution(inside, bin_, "2025-06-20", "2025-05"),   # 80 days after the referral
        contribution(outside, bin_, "2025-07-10", "2025-06"),  # 127 days after
    ])
    report = run(app, db)
    assert (report["seekers_deregistered"], report["through_platform"]) == (2, 1)
    matches = {m.seeker_id: m for m in db.scalars(sa.select(PensionMatch))}
    assert matches[inside.id].through_platform and matches[inside.id].application_id == referral.id
    assert matches[inside.id].employer_organisation_id == world["employer"].id
    assert matches[inside.id].vacancy_id == world["vacancy"].id
    assert not matches[outside.id].through_platform and matches[outside.id].application_id is None
    jobs_by_seeker = {e.seeker_id: e for e in db.scalars(sa.select(Employment))}
    assert jobs_by_seeker[inside.id].through_platform and jobs_by_seeker[inside.id].application_id == referral.id
    assert not jobs_by_seeker[outside.id].through_platform
    # Open referrals of people who found work are closed with the reason.
    for application in (referral, old):
        closed = db.get(Application, application.id)
        assert closed.state == ApplicationState.WITHDRAWN
        assert closed.closed_reason == "pension_contributions"
    assert report["applications_closed"] == 2


def test_someone_already_employed(app, db, world):
    left, _, _ = registered(db, world)
    seekers.deregister(db, world["centre_actor"], left.id, {"reason": "employed"})
    hired, _, _ = registered(db, world)
    db.add(Employment(seeker_id=hired.id, employer_bin=world["employer"].bin, employer_name="ТОО", source=EmploymentSource.HIRE,
                      started_on=dt.date(2025, 4, 1), through_platform=True, employer_organisation_id=world["employer"].id))
    db.flush()
    f.pension_feed(db, [
        contribution(left, world["employer"].bin, "2025-05-10", "2025-04"),
        contribution(hired, world["employer"].bin, "2025-05-10", "2025-04"),
    ])
    report = run(app, db)
    # Only the still-registered person leaves the register; their hire is not recorded twice.
    assert (report["matched"], report["seekers_deregistered"], report["employments_created"]) == (1, 1, 0)
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment).where(Employment.seeker_id == hired.id)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment).where(Employment.seeker_id == left.id)) == 0


def test_rerun_changes_nothing(app, db, world):
    profile, _, _ = registered(db, world)
    f.pension_feed(db, [contribution(profile, world["employer"].bin, "2025-04-15", "2025-03")])
    first = run(app, db)
    events_after_first = db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))
    second = run(app, db)
    assert first["seekers_deregistered"] == 1
    assert {k: second[k] for k in ("feeds", "matched", "seekers_deregistered", "employments_created", "resumes_archived")} == {
        "feeds": 0, "matched": 0, "seekers_deregistered": 0, "employments_created": 0, "resumes_archived": 0}
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1
    # Only the run's own summary event is new.
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == events_after_first + 1


def test_a_run_killed_midway_leaves_nothing_and_a_rerun_one_outcome(app, db, world, monkeypatch):
    profile, _, resume = registered(db, world)
    f.pension_feed(db, [contribution(profile, world["employer"].bin, "2025-04-15", "2025-03")])
    real = sql.archive_resumes

    def crash(*args, **kwargs):
        real(*args, **kwargs)
        raise ConnectionError("worker lost its database connection")

    monkeypatch.setattr(sql, "archive_resumes", crash)
    with pytest.raises(ConnectionError):
        jobs.run_reconciliation(app, trigger="test")
    db.expire_all()
    failed = db.scalar(sa.select(PensionRun).order_by(PensionRun.id.desc()))
    assert failed.status == RunStatus.FAILED and "ConnectionError" in failed.error
    assert open_registration(db, profile) is not None
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment)) == 0
    assert db.get(type(resume), resume.id).visibility == Visibility.ACTIVE

    monkeypatch.setattr(sql, "archive_resumes", real)
    report = run(app, db)
    assert (report["seekers_deregistered"], report["employments_created"], report["feeds"]) == (1, 1, 1)
    assert db.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(PensionMatch)) == 1


def test_weekly_job_runs_once_a_week(app, db, world):
    profile, _, _ = registered(db, world)
    f.pension_feed(db, [contribution(profile, world["employer"].bin, "2025-04-15", "2025-03")])
    with time_machine.travel(dt.datetime(2025, 6, 2, 3, 0, tzinfo=ALMATY), tick=False):
        first = jobs.weekly_reconciliation(app)
        second = jobs.weekly_reconciliation(app)
    assert first["seekers_deregistered"] == 1 and first["week_start"] == "2025-06-02"
    assert second == {"skipped": "already_done", "run_id": first["run_id"], "feed": None}


# The payloads exactly as stored: jsonb's own text on PostgreSQL (keys by length, then bytes),
# SQLite's json_object text (keys in the order built). A change of a key, a value's JSON type
# (SQLite writing 0 for false, a number as a string) or the order SQLite writes them fails here.
STORED_PAYLOADS = {
    "sqlite": {
        "resume.archived": '{{"version":{version},"seeker_id":{seeker},"public":false,"reason":"pension_contributions"}}',
        "seeker.deregistered": (
            '{{"centre_id":{centre},"reason":"pension_contributions","run_id":{run},"employer_bin":"{bin}",'
            '"employer_name":"ТОО «Жұмыс беруші»","registration_id":{registration}}}'
        ),
        "application.changed": (
            '{{"application_id":{application},"origin":"referral","vacancy_id":{vacancy},"resume_id":{resume},'
            '"seeker_id":{seeker},"organisation_id":{employer},"centre_id":{centre},"from_state":"new",'
            '"to_state":"withdrawn","reason":"pension_contributions"}}'
        ),
        "history": "{{}}",
    },
    "postgresql": {
        "resume.archived": '{{"public": false, "reason": "pension_contributions", "version": {version}, "seeker_id": {seeker}}}',
        "seeker.deregistered": (
            '{{"reason": "pension_contributions", "run_id": {run}, "centre_id": {centre}, "employer_bin": "{bin}", '
            '"employer_name": "ТОО «Жұмыс беруші»", "registration_id": {registration}}}'
        ),
        "application.changed": (
            '{{"origin": "referral", "reason": "pension_contributions", "to_state": "withdrawn", "centre_id": {centre}, '
            '"resume_id": {resume}, "seeker_id": {seeker}, "from_state": "new", "vacancy_id": {vacancy}, '
            '"application_id": {application}, "organisation_id": {employer}}}'
        ),
        "history": "{{}}",
    },
}


def test_event_payloads_are_stored_exactly_so(app, db, world):
    profile, _, resume = registered(db, world)
    with time_machine.travel(dt.datetime(2025, 4, 1, 11, 0, tzinfo=ALMATY), tick=False):
        referral = f.referral(db, world["centre_actor"], resume.id, world["vacancy"].id)
    version = db.get(type(resume), resume.id).version
    f.pension_feed(db, [contribution(profile, world["employer"].bin, "2025-05-20", "2025-04")])
    report = run(app, db)
    assert report["applications_closed"] == 1

    registration = db.scalar(sa.select(Registration).where(Registration.seeker_id == profile.id))
    values = {
        "version": version + 1, "seeker": profile.id, "centre": world["centre"].id, "run": report["run_id"],
        "bin": world["employer"].bin, "registration": registration.id, "application": referral.id,
        "vacancy": world["vacancy"].id, "resume": resume.id, "employer": world["employer"].id,
    }
    expected = {k: v.format(**values) for k, v in STORED_PAYLOADS[db.get_bind().dialect.name].items()}

    def stored(topic: str, aggregate_id: int) -> str:
        return db.scalar(sa.select(sa.cast(OutboxEvent.payload, sa.Text)).where(
            OutboxEvent.topic == topic, OutboxEvent.aggregate_id == aggregate_id,
            OutboxEvent.created_at >= registration.deregistered_at))

    assert stored("resume.archived", resume.id) == expected["resume.archived"]
    assert stored("seeker.deregistered", profile.id) == expected["seeker.deregistered"]
    assert stored("application.changed", referral.id) == expected["application.changed"]
    history = db.scalar(sa.select(sa.cast(ApplicationEvent.data, sa.Text)).where(
        ApplicationEvent.application_id == referral.id, ApplicationEvent.to_state == ApplicationState.WITHDRAWN))
    assert history == expected["history"]
