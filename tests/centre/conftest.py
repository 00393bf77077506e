"""Shared set-up for the hiring pipeline: an employer with a vacancy, a centre, seekers."""

from __future__ import annotations

from dataclasses import dataclass

import flask_babel
import pytest
from flask import g

from exchange.auth import Actor
from exchange.organisations.models import Organisation
from exchange.vacancies.models import Vacancy
from tests import factories as f


@dataclass
class World:
    employer: Organisation
    employer_actor: Actor
    vacancy: Vacancy
    centre: Organisation
    centre_actor: Actor


@pytest.fixture(autouse=True)
def english(request):
    """Messages are asserted in English: outside requests through the locale override, in
    requests through the signed-in person's language (see ``sign_in`` below)."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        g.locale_override = "en"
        flask_babel.refresh()


@pytest.fixture()
def sign_in(sign_in, db):
    def _sign_in(person, password: str = f.PASSWORD):
        person.locale = "en"
        db.flush()
        return sign_in(person, password)

    return _sign_in


@pytest.fixture()
def world(db) -> World:
    employer, employer_actor = f.employer(db)
    vacancy = f.vacancy(db, employer_actor, positions=2)
    centre, centre_actor = f.centre(db)
    return World(employer, employer_actor, vacancy, centre, centre_actor)
