"""Cabinet flows end to end through the portal: seeker, employer board, candidates, statistics."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exchange.applications import operations as ops
from exchange.applications import queries
from exchange.applications.models import Application, ApplicationState
from exchange.outbox import OutboxEvent
from tests import factories as f


def test_seeker_applies_from_the_vacancy_page_and_withdraws(db, client, sign_in, world):
    profile, actor = f.seeker(db)
    resume = f.resume(db, profile, actor)
    anonymous = client.get(f"/vacancies/{world.vacancy.id}?lang=en")
    assert "Sign in to apply" in anonymous.get_data(as_text=True)
    sign_in(actor.user)
    page = client.get(f"/vacancies/{world.vacancy.id}").get_data(as_text=True)
    assert f'value="{resume.id}"' in page
    response = client.post(f"/cabinet/applications/apply/{world.vacancy.id}", data={"resume_id": resume.id, "cover_note": "Здравствуйте"})
    assert response.status_code == 302
    app = db.scalar(sa.select(Application).where(Application.resume_id == resume.id))
    assert app.state == ApplicationState.NEW
    again = client.post(f"/cabinet/applications/apply/{world.vacancy.id}", data={"resume_id": resume.id}, follow_redirects=True)
    assert "already in this vacancy" in again.get_data(as_text=True)
    mine = client.get("/cabinet/applications/").get_data(as_text=True)
    assert world.vacancy.title in mine and "Withdraw" in mine
    client.post(f"/cabinet/applications/{app.id}/withdraw", data={"reason": "Передумала"})
    db.refresh(app)
    assert app.state == ApplicationState.WITHDRAWN


def test_seeker_sees_referral_deadline(db, client, sign_in, world):
    _profile, seeker_actor, resume = f.registered_seeker(db, world.centre_actor)
    f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    sign_in(seeker_actor.user)
    page = client.get("/cabinet/applications/").get_data(as_text=True)
    assert "Answer due by" in page and "Referral from the centre" in page


def test_employer_board_and_decisions(db, client, sign_in, world):
    profile, actor = f.seeker(db, last_name="Жумабаев", first_name="Ерлан")
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    _p, _s, resume = f.registered_seeker(db, world.centre_actor)
    referral = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    sign_in(world.employer_actor.user)
    board = client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}").get_data(as_text=True)
    assert profile.full_name in board and "Answer due by" in board
    detail = client.get(f"/cabinet/applications/{app.id}").get_data(as_text=True)
    assert "tel:+77011234567" in detail
    db.refresh(app)
    assert app.state == ApplicationState.VIEWED
    bad = client.post(f"/cabinet/applications/{app.id}/move", data={"to_state": "interview", "interview_kind": "group"})
    assert bad.status_code == 422 and "Give the date and time" in bad.get_data(as_text=True)
    when = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    ok = client.post(f"/cabinet/applications/{app.id}/move",
                     data={"to_state": "interview", "interview_kind": "group", "interview_at": when, "interview_place": "Абая 1"})
    assert ok.status_code == 302
    client.post(f"/cabinet/applications/{app.id}/note", data={"note": "Пунктуален"})
    client.post(f"/cabinet/applications/{app.id}/contact", data={"channel": "sms", "message": "Ждём вас"})
    assert db.scalar(sa.select(sa.func.count()).where(OutboxEvent.topic == "candidate.contact_requested")) == 1
    client.post(f"/cabinet/applications/{referral.id}/move", data={"to_state": "rejected", "reason": "Нет опыта"})
    client.post(f"/cabinet/applications/{app.id}/move", data={"to_state": "hired", "hired_on": dt.date.today().isoformat()})
    db.refresh(app)
    db.refresh(referral)
    assert app.state == ApplicationState.HIRED and referral.state == ApplicationState.REJECTED
    history = client.get(f"/cabinet/applications/{app.id}").get_data(as_text=True)
    assert "Пунктуален" in history
    work = client.post(f"/cabinet/applications/{app.id}/work-history",
                       data={"employer_name": world.employer.name, "position": "Водитель", "start_date": dt.date.today().isoformat()})
    assert work.status_code == 302
    departed = client.get("/cabinet/applications/candidates?filter=departed").get_data(as_text=True)
    assert profile.full_name in departed
    active = client.get("/cabinet/applications/candidates?filter=active").get_data(as_text=True)
    assert profile.full_name not in active


def test_foreign_employer_is_refused(db, client, sign_in, world):
    profile, actor = f.seeker(db)
    app = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    _other, other_actor = f.employer(db)
    db.flush()  # the owner's membership is pending until something flushes
    sign_in(other_actor.user)
    response = client.get(f"/cabinet/applications/{app.id}")
    assert response.status_code == 403, response.headers.get("Location")
    assert client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}").status_code == 403
    client.post(f"/cabinet/applications/{app.id}/move", data={"to_state": "rejected"})
    db.refresh(app)
    assert app.state == ApplicationState.NEW


def test_stages_and_statistics(db, client, sign_in, world):
    sign_in(world.employer_actor.user)
    assert client.post("/cabinet/applications/stages", data={"name": "", "state": "viewed"}).status_code == 422
    assert client.post("/cabinet/applications/stages", data={"name": "Тестирование", "state": "interview",
                                                             "interview_kind": "testing"}).status_code == 302
    assert "Тестирование" in client.get("/cabinet/applications/stages").get_data(as_text=True)
    profile, actor = f.seeker(db)
    ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    page = client.get("/cabinet/applications/statistics")
    assert page.status_code == 200 and 'data-source="/cabinet/applications/statistics.json' in page.get_data(as_text=True)
    data = client.get("/cabinet/applications/statistics.json?days=7").get_json()
    assert len(data["labels"]) == 7 and data["overall"]["responses"] == 1
    responses = next(s for s in data["series"] if s["key"] == "responses")
    assert responses["data"][-1] == 1
    dashboard = client.get("/cabinet").get_data(as_text=True)
    assert "Hiring" in dashboard


def test_seeker_does_not_see_the_employers_internal_notes(db, client, sign_in, world):
    profile, actor = f.seeker(db)
    application = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    ops.add_note(db, world.employer_actor, application.id, {"note": "Слабое резюме, перезвонить позже"})
    sign_in(world.employer_actor.user)
    assert "Слабое резюме" in client.get(f"/cabinet/applications/{application.id}").get_data(as_text=True)
    sign_in(actor.user)
    mine = client.get("/cabinet/applications/").get_data(as_text=True)
    assert world.vacancy.title in mine and "Слабое резюме" not in mine


def test_statistics_overall_figures(db, world):
    """Each overall figure against the applications it counts; the answer time is averaged in the database."""
    made = []
    for n in range(3):
        profile, actor = f.seeker(db, last_name=f"Откликнулся{n}")
        made.append(ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id))
    profile, actor = f.seeker(db)
    made.append(ops.invite(db, world.employer_actor, f.resume(db, profile, actor).id, world.vacancy.id, {}))
    _p, _s, resume = f.registered_seeker(db, world.centre_actor)
    made.append(f.referral(db, world.centre_actor, resume.id, world.vacancy.id))
    when = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    ops.transition(db, world.employer_actor, made[0].id, "interview",
                   {"interview_kind": "group", "interview_at": when, "interview_place": "Абая 1"})
    ops.transition(db, world.employer_actor, made[1].id, "hired", {"hired_on": dt.date.today().isoformat()})
    ops.transition(db, world.employer_actor, made[4].id, "rejected", {"reason": "Нет опыта"})
    # Known answer times: 2 h, 5 h 30 min and 30 min after the application.
    created = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    for application, hours in zip((made[0], made[1], made[4]), (2, 5.5, 0.5), strict=True):
        db.execute(sa.update(Application).where(Application.id == application.id)
                   .values(created_at=created, answered_at=created + dt.timedelta(hours=hours)))
    db.flush()
    stats = queries.organisation_statistics(db, world.employer_actor, days=7)
    overall = stats["overall"]
    assert {k: overall[k] for k in ("vacancies", "published", "responses", "invitations", "referrals", "interviews", "hires")} == {
        "vacancies": 1, "published": 1, "responses": 3, "invitations": 1, "referrals": 1, "interviews": 1, "hires": 1,
    }
    assert overall["average_answer_hours"] == round((2 + 5.5 + 0.5) / 3, 1)
    assert sum(stats["daily"]["responses"]) == 3 and sum(stats["daily"]["hires"]) == 1
    _other, other_actor = f.employer(db)
    assert queries.organisation_statistics(db, other_actor)["overall"]["average_answer_hours"] is None
