"""Two people hiring into the last position at once: exactly one succeeds (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import g

from exchange.app import state
from exchange.applications import operations as ops
from exchange.applications.models import Application, ApplicationState
from exchange.auth import Actor
from exchange.employment.models import Employment
from exchange.errors import Conflict
from exchange.organisations.models import Organisation
from exchange.vacancies.models import Vacancy, VacancyStatus
from tests import factories as f


@pytest.mark.postgres
def test_concurrent_last_position_hire(committed_app):
    db = state(committed_app).db
    with db.unit_of_work() as s:
        employer, employer_actor = f.employer(s)
        vacancy = f.vacancy(s, employer_actor, positions=1)
        app_ids = []
        for _ in range(2):
            profile, actor = f.seeker(s)
            app_ids.append(ops.apply(s, actor, f.resume(s, profile, actor).id, vacancy.id).id)
        user_id, org_id, vacancy_id = employer_actor.user_id, employer.id, vacancy.id

    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def hire(application_id: int) -> None:
        with committed_app.app_context():
            g.locale_override = "en"
            session = db.new_session()
            try:
                from exchange.accounts.models import User

                actor = Actor(user=session.get(User, user_id), organisation=session.get(Organisation, org_id))
                ops.get_application(session, application_id)  # both load the vacancy before either locks it
                session.get(Vacancy, vacancy_id)
                barrier.wait(timeout=10)
                ops.transition(session, actor, application_id, "hired", {})
                session.commit()
                outcomes[application_id] = "hired"
            except Conflict as error:
                session.rollback()
                outcomes[application_id] = str(error.message)
            finally:
                session.close()

    threads = [threading.Thread(target=hire, args=(i,)) for i in app_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes.values(), key=lambda v: v != "hired")[0] == "hired"
    refused = [v for v in outcomes.values() if v != "hired"]
    assert len(refused) == 1 and "already filled" in refused[0]
    with db.unit_of_work() as s:
        vacancy = s.get(Vacancy, vacancy_id)
        assert vacancy.positions_filled == 1 and vacancy.status == VacancyStatus.CLOSED
        states = sorted(s.scalars(sa.select(Application.state).where(Application.id.in_(app_ids))))
        assert states.count(ApplicationState.HIRED) == 1 and states.count(ApplicationState.NEW) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1
