"""Responses, invitations, referrals and the pipeline through the operations."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.applications import operations as ops
from exchange.applications.models import Application, ApplicationEvent, ApplicationState, OrganisationStage
from exchange.employment.models import Employment
from exchange.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.outbox import OutboxEvent
from exchange.resumes import operations as resumes
from exchange.seekers import operations as seekers
from exchange.seekers.models import DeregistrationReason
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import VacancyStatus
from exchange.workdays import referral_deadline
from tests import factories as f


def topics(db, application_id: int) -> list[str]:
    return list(db.scalars(
        sa.select(OutboxEvent.topic).where(OutboxEvent.aggregate_type == "application", OutboxEvent.aggregate_id == application_id)
        .order_by(OutboxEvent.id)
    ))


def counts(db) -> tuple[int, int, int]:
    return (
        db.scalar(sa.select(sa.func.count()).select_from(Application)),
        db.scalar(sa.select(sa.func.count()).select_from(ApplicationEvent)),
        db.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)),
    )


def test_seeker_applies_once(db, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    app = ops.apply(db, actor, resume.id, world.vacancy.id, {"cover_note": "Готов выйти завтра"})
    assert app.state == ApplicationState.NEW and app.origin.value == "response"
    assert app.organisation_id == world.employer.id and app.consent_at is not None
    assert app.answer_due_at is None
    assert [e.kind.value for e in app.events] == ["created"]
    created = db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "application.created", OutboxEvent.aggregate_id == app.id))
    assert created.payload["origin"] == "response" and created.payload["vacancy_id"] == world.vacancy.id
    # The employer now sees the contacts (PRIVATE_DATA_GRANTS).
    assert seekers.can_view_private(db, world.employer_actor, profile)

    before = counts(db)
    with pytest.raises(Conflict, match="already in this vacancy"):
        ops.apply(db, actor, resume.id, world.vacancy.id)
    assert counts(db) == before


def test_apply_refusals_change_nothing(db, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    _other, other_actor = f.seeker(db)
    before = counts(db)
    with pytest.raises(PermissionDenied):
        ops.apply(db, other_actor, resume.id, world.vacancy.id)
    closed = f.vacancy(db, world.employer_actor)
    vacancies.close_vacancy(db, world.employer_actor, closed.id)
    with pytest.raises(Conflict, match="not open"):
        ops.apply(db, actor, resume.id, closed.id)
    resumes.hide_resume(db, actor, resume.id)
    with pytest.raises(ValidationFailed) as hidden:
        ops.apply(db, actor, resume.id, world.vacancy.id)
    assert "hidden" in str(hidden.value.fields["resume_id"][0])
    resumes.unhide_resume(db, actor, resume.id)
    resume.expires_at = resume.published_at + dt.timedelta(seconds=1)
    resume.published_at -= dt.timedelta(days=40)
    resume.expires_at = resume.published_at + dt.timedelta(days=30)
    db.flush()
    with pytest.raises(ValidationFailed) as expired:
        ops.apply(db, actor, resume.id, world.vacancy.id)
    assert "expired" in str(expired.value.fields["resume_id"][0])
    draft = f.resume(db, profile, actor, publish=False, title="Экспедитор")
    with pytest.raises(ValidationFailed) as unpublished:
        ops.apply(db, actor, draft.id, world.vacancy.id)
    assert "not published" in str(unpublished.value.fields["resume_id"][0])
    with pytest.raises(PermissionDenied):
        ops.apply(db, world.centre_actor, resume.id, world.vacancy.id)
    assert counts(db)[0] == before[0]


def test_referral_needs_consent_and_registration(db, world):
    profile, _seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    _other_centre, other_actor = f.centre(db, district=f.ASTANA_DISTRICT)
    before = counts(db)
    with pytest.raises(ValidationFailed) as error:
        ops.refer(db, world.centre_actor, resume.id, world.vacancy.id, {"consent": False})
    assert "consent" in error.value.fields
    with pytest.raises(Conflict, match="registered at your centre"):
        ops.refer(db, other_actor, resume.id, world.vacancy.id, {"consent": True})
    with pytest.raises(PermissionDenied):
        ops.refer(db, world.employer_actor, resume.id, world.vacancy.id, {"consent": True})
    assert counts(db) == before

    app = f.referral(db, world.centre_actor, resume.id, world.vacancy.id, consent_note="в центре, лично")
    assert app.origin.value == "referral" and app.centre_id == world.centre.id
    assert app.answer_due_at == referral_deadline(app.referral_sent_at)
    assert app.consent_at is not None and app.consent_note == "в центре, лично"
    assert topics(db, app.id) == ["application.created"]
    assert seekers.can_view_private(db, world.employer_actor, profile)


def test_referral_of_hidden_resume_is_allowed_with_consent(db, world):
    _profile, seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    resumes.hide_resume(db, seeker_actor, resume.id)
    app = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    assert app.state == ApplicationState.NEW
    resumes.archive_resume(db, seeker_actor, resume.id)
    other = f.vacancy(db, world.employer_actor)
    with pytest.raises(ValidationFailed):
        f.referral(db, world.centre_actor, resume.id, other.id)


def test_bulk_referrals_report_each_refusal(db, world):
    people = [f.registered_seeker(db, world.centre_actor) for _ in range(3)]
    f.referral(db, world.centre_actor, people[0][2].id, world.vacancy.id)
    sent, refused = ops.refer_many(db, world.centre_actor, world.vacancy.id, [p[2].id for p in people], {"consent": True})
    assert [a.resume_id for a in sent] == [people[1][2].id, people[2][2].id]
    assert refused[0][0] == people[0][2].id and "already" in refused[0][1]
    with pytest.raises(ValidationFailed):
        ops.refer_many(db, world.centre_actor, world.vacancy.id, [], {"consent": True})


def test_invitation_shares_contacts_only_when_accepted(db, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    app = ops.invite(db, world.employer_actor, resume.id, world.vacancy.id, {"cover_note": "Приглашаем"})
    assert app.origin.value == "invitation" and app.consent_at is None
    assert not seekers.can_view_private(db, world.employer_actor, profile)
    with pytest.raises(PermissionDenied):
        ops.request_contact(db, world.employer_actor, app.id, {"channel": "sms", "message": "Здравствуйте"})
    ops.answer_invitation(db, actor, app.id, accept=True)
    assert seekers.can_view_private(db, world.employer_actor, profile)
    event = ops.request_contact(db, world.employer_actor, app.id, {"channel": "sms", "message": "Ждём вас в 10:00"})
    assert event.kind.value == "contact"
    contact = db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "candidate.contact_requested"))
    assert contact.payload["channel"] == "sms" and contact.payload["seeker_id"] == profile.id
    with pytest.raises(ValidationFailed):
        ops.request_contact(db, world.employer_actor, app.id, {"channel": "pigeon"})
    with pytest.raises(ValidationFailed):
        ops.request_contact(db, world.employer_actor, app.id, {"channel": "sms", "message": ""})


def test_declining_an_invitation_withdraws_it(db, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    app = ops.invite(db, world.employer_actor, resume.id, world.vacancy.id)
    ops.answer_invitation(db, actor, app.id, accept=False)
    assert app.state == ApplicationState.WITHDRAWN
    with pytest.raises(Conflict):
        ops.answer_invitation(db, actor, app.id, accept=True)


def test_invite_to_foreign_vacancy_refused(db, world):
    _other, other_actor = f.employer(db)
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    with pytest.raises(PermissionDenied):
        ops.invite(db, other_actor, resume.id, world.vacancy.id)


def test_pipeline_history_and_events(db, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    app = ops.apply(db, actor, resume.id, world.vacancy.id)
    ops.mark_viewed(db, world.employer_actor, app.id)
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    ops.transition(db, world.employer_actor, app.id, "interview", {
        "interview_kind": "group", "interview_at": when.isoformat(), "interview_place": "ул. Абая 10, каб. 5", "note": "Первый тур",
    })
    ops.transition(db, world.employer_actor, app.id, "interview", {
        "interview_kind": "testing", "interview_at": when.isoformat(), "interview_place": "https://meet.example.kz/x",
    })
    ops.add_note(db, world.employer_actor, app.id, {"note": "Хорошо прошёл тест"})
    ops.transition(db, world.employer_actor, app.id, "offer", {"note": "Оклад 300 000"})
    assert app.interview_kind.value == "testing" and app.interview_at == when
    history = [(e.kind.value, e.from_state, e.to_state) for e in app.events]
    assert history == [
        ("created", None, "new"), ("transition", "new", "viewed"), ("transition", "viewed", "interview"),
        ("transition", "interview", "interview"), ("note", None, None), ("transition", "interview", "offer"),
    ]
    assert all(e.actor_user_id == world.employer_actor.user_id for e in app.events[1:])
    assert topics(db, app.id) == ["application.created"] + ["application.changed"] * 4


def test_interview_needs_its_details(db, world):
    profile, actor = f.seeker(db)
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    with pytest.raises(ValidationFailed) as error:
        ops.transition(db, world.employer_actor, app.id, "interview", {"interview_at": "2001-01-01T10:00"})
    assert set(error.value.fields) == {"interview_kind", "interview_at", "interview_place"}
    with pytest.raises(ValidationFailed) as error:
        ops.transition(db, world.employer_actor, app.id, "interview", {"interview_at": "not a date"})
    assert "interview_at" in error.value.fields
    assert app.state == ApplicationState.NEW


def test_foreign_organisation_is_refused(db, world):
    profile, actor = f.seeker(db)
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    _other, other_actor = f.employer(db)
    _stranger, stranger_actor = f.seeker(db)
    for who in (other_actor, stranger_actor):
        with pytest.raises(PermissionDenied, match="another organisation"):
            ops.transition(db, who, app.id, "rejected", {})
        with pytest.raises(PermissionDenied):
            ops.add_note(db, who, app.id, {"note": "x"})
    assert app.state == ApplicationState.NEW and len(app.events) == 1


def test_hire_closes_the_loop(db, world):
    vacancy = f.vacancy(db, world.employer_actor, positions=1)
    profile, seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    app = f.referral(db, world.centre_actor, resume.id, vacancy.id)
    other = ops.apply(db, seeker_actor, f.resume(db, profile, seeker_actor, title="Экспедитор").id, world.vacancy.id)
    ops.transition(db, world.employer_actor, app.id, "hired", {"hired_on": dt.date.today().isoformat()})
    assert app.state == ApplicationState.HIRED and app.answered_at is not None and app.closed_at is not None
    employment = db.scalar(sa.select(Employment).where(Employment.application_id == app.id))
    assert employment.seeker_id == profile.id and employment.employer_bin == world.employer.bin
    assert employment.source.value == "hire" and employment.through_platform
    assert vacancy.positions_filled == 1 and vacancy.status == VacancyStatus.CLOSED and vacancy.close_reason == "filled"
    assert profile.current_registration is None
    assert profile.registrations[-1].deregistration_reason == DeregistrationReason.EMPLOYED
    assert profile.departed_at is not None
    assert other.state == ApplicationState.NEW  # the seeker's other applications stay untouched
    assert "application.hired" in topics(db, app.id)
    closed = db.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "vacancy.closed", OutboxEvent.aggregate_id == vacancy.id))
    assert closed.payload["public"] is False

    late, late_actor = f.seeker(db)
    late_app = ops.invite(db, world.employer_actor, f.resume(db, late, late_actor).id, world.vacancy.id)
    late_app.vacancy_id = vacancy.id  # simulate a stale application on the now-full vacancy
    db.flush()
    with pytest.raises(Conflict, match="already filled"):
        ops.transition(db, world.employer_actor, late_app.id, "hired", {})
    assert late_app.state == ApplicationState.NEW and vacancy.positions_filled == 1


def test_hire_keeps_vacancy_open_while_positions_remain(db, world):
    profile, actor = f.seeker(db)
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    ops.transition(db, world.employer_actor, app.id, "hired", {})
    assert world.vacancy.positions_filled == 1 and world.vacancy.status == VacancyStatus.PUBLISHED
    assert app.hired_on == dt.date.today() or app.hired_on is not None
    with pytest.raises(ValidationFailed):
        other, other_actor = f.seeker(db)
        app2 = ops.apply(db, other_actor, f.resume(db, other, other_actor).id, world.vacancy.id)
        ops.transition(db, world.employer_actor, app2.id, "hired", {"hired_on": "1999-01-01"})


def test_withdraw_by_seeker_and_centre_only(db, world):
    _profile, seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    app = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    with pytest.raises(PermissionDenied, match="withdraw"):
        ops.withdraw(db, world.employer_actor, app.id)
    ops.withdraw(db, seeker_actor, app.id, {"reason": "Нашла другую работу"})
    assert app.state == ApplicationState.WITHDRAWN and app.closed_reason == "Нашла другую работу"
    with pytest.raises(Conflict, match="closed"):
        ops.transition(db, world.employer_actor, app.id, "hired", {})


def test_close_open_for_seeker(db, world):
    profile, actor = f.seeker(db)
    a1 = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    a2 = ops.apply(db, actor, f.resume(db, profile, actor, title="Экспедитор").id, f.vacancy(db, world.employer_actor).id)
    ops.transition(db, world.employer_actor, a2.id, "rejected", {"reason": "Нет опыта"})
    closed = ops.close_open_for_seeker(db, profile.id, "death", f.Actor.system("test"))
    assert [a.id for a in closed] == [a1.id]
    assert a1.state == ApplicationState.WITHDRAWN and a2.state == ApplicationState.REJECTED


def test_custom_stages(db, world):
    screening = ops.create_stage(db, world.employer_actor, {"name": "Звонок HR", "state": "viewed"})
    group = ops.create_stage(db, world.employer_actor, {"name": "Групповое собеседование", "state": "interview", "interview_kind": "group"})
    security = ops.create_stage(db, world.employer_actor, {"name": "Проверка СБ", "state": "viewed"})
    assert [s.id for s in ops.stages_for(db, world.employer.id)] == [screening.id, security.id, group.id]
    profile, actor = f.seeker(db)
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    ops.move_to_stage(db, world.employer_actor, app.id, screening.id)
    assert app.state == ApplicationState.VIEWED and app.stage_id == screening.id
    ops.move_to_stage(db, world.employer_actor, app.id, security.id)
    assert app.stage_id == security.id and app.events[-1].kind.value == "stage"
    with pytest.raises(ValidationFailed) as error:
        ops.move_to_stage(db, world.employer_actor, app.id, group.id, {
            "interview_kind": "testing", "interview_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
            "interview_place": "офис",
        })
    assert "interview_kind" in error.value.fields
    _other, other_actor = f.employer(db)
    foreign = ops.create_stage(db, other_actor, {"name": "Чужой", "state": "viewed"})
    with pytest.raises(ValidationFailed):
        ops.move_to_stage(db, world.employer_actor, app.id, foreign.id)
    ops.remove_stage(db, world.employer_actor, security.id)
    db.refresh(app)
    assert app.stage_id is None and not db.get(OrganisationStage, security.id).active
    seeker_stage_attempt = pytest.raises(PermissionDenied)
    with seeker_stage_attempt:
        ops.create_stage(db, actor, {"name": "x", "state": "viewed"})
