"""Every cabinet page renders, in kk, ru and en, for the role that uses it."""

import re

import pytest

from exchange.seekers import operations as seekers
from tests import factories

LOCALES = ("kk", "ru", "en")
# A word from each page's chrome that differs per language proves the catalogue was used.
SIGN_OUT = {"kk": "Шығу", "ru": "Выйти", "en": "Sign out"}


@pytest.fixture()
def world(db):
    _, employer = factories.employer(db)
    vacancy = factories.vacancy(db, employer)
    _, staff = factories.centre(db)
    person, seeker = factories.seeker(db)
    resume = factories.resume(db, person, seeker)
    seekers.register(db, staff, person.id, {"category": "unemployed"})
    _, agency = factories.agency(db)
    admin = factories.user(db, "admin")
    db.flush()
    return {"employer": employer, "staff": staff, "seeker": seeker, "agency": agency, "admin": admin,
            "vacancy": vacancy, "resume": resume, "person": person}


def _pages(world):
    v, r, p = world["vacancy"].id, world["resume"].id, world["person"].id
    common = ["/", "/vacancies", f"/vacancies/{v}", "/cabinet", "/account"]
    return {
        "seeker": [*common, "/cabinet/seekers/me", "/cabinet/resumes/", "/cabinet/resumes/new", f"/cabinet/resumes/{r}",
                   f"/cabinet/resumes/{r}/edit", f"/cabinet/resumes/{r}/publish"],
        "employer": [*common, "/organisation/", "/cabinet/vacancies/", "/cabinet/vacancies/new", f"/cabinet/vacancies/{v}/edit",
                     f"/cabinet/resumes/{r}"],
        "staff": [*common, "/organisation/", "/cabinet/seekers/centre", f"/cabinet/seekers/{p}", "/cabinet/vacancies/"],
        "agency": [*common, "/organisation/", "/cabinet/vacancies/", "/cabinet/vacancies/new"],
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_cabinet_page_renders_in_each_language(app, db, world, locale):
    for role, urls in _pages(world).items():
        client = app.test_client()
        user = world[role].user
        assert client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
        client.get(f"/language/{locale}")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{role} {url}: {response.status_code}"
            page = response.get_data(as_text=True)
            assert f'<html lang="{locale}">' in page, f"{role} {url}"
            assert SIGN_OUT[locale] in page, f"{role} {url} not translated to {locale}"
            # A phone-sized page needs the viewport meta and no fixed-width layout.
            assert 'name="viewport"' in page
            assert not re.search(r"{{|{%|_\(\'", page), f"{role} {url}: unrendered template code"


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_render_for_visitors(app, db, world, locale):
    client = app.test_client()
    for url in ("/", "/vacancies", f"/vacancies/{world['vacancy'].id}", "/sign-in", "/sign-up", "/password/forgot"):
        response = client.get(f"{url}?lang={locale}")
        assert response.status_code == 200, url
        assert f'<html lang="{locale}">' in response.get_data(as_text=True)


def test_cabinet_pages_need_the_right_role(app, db, world):
    client = app.test_client()
    seeker = world["seeker"].user
    client.post("/sign-in", data={"email": seeker.email, "password": factories.PASSWORD})
    assert client.get("/cabinet/vacancies/").status_code == 403
    assert client.get("/cabinet/seekers/centre").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/cabinet").status_code == 302


def test_a_draft_vacancy_is_not_public(app, db, world):
    draft = factories.vacancy(db, world["employer"], publish=False)
    db.flush()
    assert app.test_client().get(f"/vacancies/{draft.id}").status_code == 404


def test_forms_show_field_errors_and_save_nothing(app, db, world, sign_in):
    client = sign_in(world["employer"].user)
    response = client.post("/cabinet/vacancies/new", data={"title": "", "kato_code": "999", "salary_from": "-5", "positions": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("title", "kato_code", "salary_from", "positions"):
        assert f'id="{field}-error"' in page, field


def test_security_headers(app, db):
    response = app.test_client().get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
