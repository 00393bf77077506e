"""Employment-centre cabinet: matching with reasons, bulk referrals with consent, the deadline board."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from exchange.app import state
from exchange.applications import operations as ops
from exchange.applications import queries
from exchange.applications.models import Application
from exchange.centre import matching
from exchange.timeutil import ALMATY
from tests import factories as f
from tests.support.statements import recorded_statements


def test_matching_ranks_registered_seekers_with_reasons(app, db, world):
    _driver, _a, driver_resume = f.registered_seeker(db, world.centre_actor)
    _cook, _b, cook_resume = f.registered_seeker(db, world.centre_actor, last_name="Ахметов")
    cook_resume.occupation_code = "5120"
    cook_resume.driving_licences = []
    outsider, outsider_actor = f.seeker(db)
    f.resume(db, outsider, outsider_actor)
    db.flush()
    found = matching.matching_seekers(app, db, world.centre_actor, world.vacancy)
    ids = [c.resume.id for c in found]
    assert ids[0] == driver_resume.id
    assert all(c.resume.seeker_id != outsider.id for c in found)  # only the centre's register
    first = found[0]
    assert any(r["condition"] == "occupation" and r["matched"] for r in first.reasons)
    _score, reasons = matching.rank(world.vacancy, cook_resume)
    assert {"occupation", "transport", "licences"} <= {r["condition"] for r in reasons}
    assert not next(r for r in reasons if r["condition"] == "licences")["matched"]


def test_bulk_referral_with_consent_and_deadline_board(db, client, sign_in, world):
    people = [f.registered_seeker(db, world.centre_actor, last_name=name) for name in ("Омаров", "Исаева")]
    sign_in(world.centre_actor.user)
    page = client.get(f"/cabinet/centre/vacancies/{world.vacancy.id}").get_data(as_text=True)
    assert people[0][0].full_name in page and "Same occupation" in page
    ids = [p[2].id for p in people]
    no_consent = client.post(f"/cabinet/centre/vacancies/{world.vacancy.id}/refer", data={"resume_ids": ids}, follow_redirects=True)
    assert "consent" in no_consent.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 0
    sent = client.post(f"/cabinet/centre/vacancies/{world.vacancy.id}/refer",
                       data={"resume_ids": ids, "consent": "1", "consent_note": "лично"}, follow_redirects=True)
    assert "2 referrals are sent" in sent.get_data(as_text=True)
    apps = list(db.scalars(sa.select(Application).order_by(Application.id)))
    assert [a.resume_id for a in apps] == ids and all(a.answer_due_at for a in apps)

    apps[0].answer_due_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    db.flush()
    overdue = client.get("/cabinet/centre/deadlines?bucket=overdue").get_data(as_text=True)
    assert people[0][0].full_name in overdue and "Overdue" in overdue
    waiting = client.get("/cabinet/centre/deadlines?bucket=waiting").get_data(as_text=True)
    due_today = client.get("/cabinet/centre/deadlines?bucket=due_today").get_data(as_text=True)
    assert people[1][0].full_name in waiting + due_today
    assert client.get("/cabinet/centre/").status_code == 200
    assert "Referral deadlines" in client.get("/cabinet").get_data(as_text=True)


def test_deadline_buckets_follow_the_almaty_day(db, world):
    people = [f.registered_seeker(db, world.centre_actor, last_name=n) for n in ("Касымов", "Нурланова", "Бекова")]
    with time_machine.travel(dt.datetime(2024, 6, 3, 10, tzinfo=ALMATY), tick=False):
        due_thursday = f.referral(db, world.centre_actor, people[0][2].id, world.vacancy.id)
        answered = f.referral(db, world.centre_actor, people[1][2].id, world.vacancy.id)
        ops.transition(db, world.employer_actor, answered.id, "rejected", {})
    with time_machine.travel(dt.datetime(2024, 6, 5, 10, tzinfo=ALMATY), tick=False):
        due_monday = f.referral(db, world.centre_actor, people[2][2].id, world.vacancy.id)
    thursday_noon = dt.datetime(2024, 6, 6, 12, tzinfo=ALMATY)
    rows, totals = queries.centre_deadlines(db, world.centre_actor, "due_today", now=thursday_noon)
    assert [a.id for a in rows] == [due_thursday.id]
    assert totals == {"due_today": 1, "overdue": 0, "waiting": 1, "answered": 1}
    assert queries.deadline_status(due_thursday, thursday_noon) == "due_today"
    assert queries.deadline_status(due_monday, thursday_noon) == "pending"
    assert queries.deadline_status(answered, thursday_noon) == "answered"
    friday = dt.datetime(2024, 6, 7, 9, tzinfo=ALMATY)
    rows, totals = queries.centre_deadlines(db, world.centre_actor, "overdue", now=friday)
    assert [a.id for a in rows] == [due_thursday.id] and queries.deadline_status(due_thursday, friday) == "overdue"


def test_employer_cannot_use_centre_cabinet(client, sign_in, world):
    sign_in(world.employer_actor.user)
    assert client.get("/cabinet/centre/").status_code == 403


def _overdue_referrals_on_stages(db, world, names: list[str]) -> None:
    """Referrals past their deadline, each on an own stage of the employer (a badge on the row)."""
    for n, name in enumerate(names):
        stage = ops.create_stage(db, world.employer_actor, {"name": f"Этап {name}", "state": "viewed"})
        _p, _s, resume = f.registered_seeker(db, world.centre_actor, last_name=name)
        referral = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
        ops.move_to_stage(db, world.employer_actor, referral.id, stage.id)
        referral.answer_due_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5 + n)
    db.flush()


def test_deadline_board_runs_the_same_statements_for_few_or_many_rows(app, db, client, sign_in, world):
    _overdue_referrals_on_stages(db, world, ["Омаров", "Исаева"])
    sign_in(world.centre_actor.user)
    client.get("/cabinet/centre/deadlines?bucket=overdue")
    with recorded_statements(state(app).db.engine) as seen:
        few_page = client.get("/cabinet/centre/deadlines?bucket=overdue").get_data(as_text=True)
        few = len(seen)
        _overdue_referrals_on_stages(db, world, ["Нуров", "Ким", "Алиев", "Бекова"])
        seen.clear()
        many_page = client.get("/cabinet/centre/deadlines?bucket=overdue").get_data(as_text=True)
    assert "Этап Исаева" in few_page and "Омаров" in few_page
    assert all(f"Этап {name}" in many_page for name in ("Омаров", "Нуров", "Бекова")) and "Overdue" in many_page
    assert len(seen) == few


def test_deadline_totals_count_each_bucket(db, world):
    _overdue_referrals_on_stages(db, world, ["Омаров", "Исаева"])
    _p, _s, resume = f.registered_seeker(db, world.centre_actor, last_name="Ответили")
    answered = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    ops.transition(db, world.employer_actor, answered.id, "rejected", {"reason": "Нет опыта"})
    _p, _s, resume = f.registered_seeker(db, world.centre_actor, last_name="Ждёт")
    f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
    db.flush()
    now = dt.datetime.now(dt.UTC)
    expected = {bucket: len(queries.centre_deadlines(db, world.centre_actor, bucket, now=now)[0]) for bucket in queries.DEADLINE_BUCKETS}
    _rows, totals = queries.centre_deadlines(db, world.centre_actor, "due_today", now=now, limit=1)
    assert totals == expected and totals["overdue"] == 2 and totals["answered"] == 1
    assert totals["waiting"] + totals["due_today"] == 1
