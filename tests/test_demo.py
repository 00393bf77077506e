"""`exchange demo load` makes valid, deterministic data that the portal can show."""

import sqlalchemy as sa

from exchange import demo
from exchange.organisations.models import Organisation
from exchange.resumes.models import Resume
from exchange.seekers.models import SeekerProfile
from exchange.vacancies.models import Vacancy, VacancyStatus
from exchange.validators import is_valid_bin, is_valid_iin


def test_demo_data_is_valid_and_visible(app, db, client):
    summary = demo.load(app, vacancies=40, resumes=30, seed=5, progress=False)
    assert summary["vacancies"] == 40 and summary["resumes"] == 30
    db.expire_all()
    assert all(is_valid_iin(iin) for iin in db.scalars(sa.select(SeekerProfile.iin)))
    bins = list(db.scalars(sa.select(Organisation.bin).where(Organisation.bin.is_not(None))))
    assert bins and all(is_valid_bin(b) for b in bins)
    for resume in db.scalars(sa.select(Resume)):
        assert resume.expires_at <= resume.published_at.replace(year=resume.published_at.year + 1)
        assert resume.seeker.created_at <= resume.seeker.updated_at
    published = db.scalars(sa.select(Vacancy).where(Vacancy.status == VacancyStatus.PUBLISHED)).first()
    assert client.get(f"/vacancies/{published.id}").status_code == 200
    # The demo accounts can sign in with the documented password.
    response = client.post("/sign-in", data={"email": demo.DEMO_ACCOUNTS[1], "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302


def _fresh_titles(tmp_path, name: str) -> list[str]:
    """Load demo data into a new embedded database and return the vacancy titles."""
    from exchange import migrate
    from exchange.app import create_app, state
    from tests.conftest import base_overrides

    overrides = {**base_overrides(tmp_path / name), "DATABASE_URL": f"sqlite:///{tmp_path / name}.db",
                 "SEARCH_BACKEND": "sql", "ELASTICSEARCH_URL": "", "REDIS_URL": ""}
    (tmp_path / name).mkdir()
    fresh = create_app(overrides)
    migrate.upgrade(state(fresh).db.url)
    demo.load(fresh, vacancies=8, resumes=8, seed=11, progress=False)
    with state(fresh).db.unit_of_work() as session:
        titles = list(session.scalars(sa.select(Vacancy.title).order_by(Vacancy.id)))
    state(fresh).db.dispose()
    return titles


def test_the_same_seed_gives_the_same_data_in_an_empty_database(tmp_path):
    assert _fresh_titles(tmp_path, "a") == _fresh_titles(tmp_path, "b")
