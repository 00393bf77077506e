"""Layoff pages: the employer's form (good, bad, draft, submit), the centre's handling, kk/ru/en."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.layoffs.models import FilingStatus, LayoffNotice
from tests import factories as f


def _form(**extra) -> dict:
    data = {
        "reason": "lower_volume", "planned_date": (dt.date.today() + dt.timedelta(days=35)).isoformat(), "people_count": "2",
        "kato_code": f.ALMATY_DISTRICT, "contact_name": "Ахметов Ерлан",
        "positions.0.title": "Продавец", "positions.0.occupation_code": "5223", "positions.0.count": "2",
        "positions.1.title": "", "positions.1.occupation_code": "", "positions.1.count": "",
        "people.0.iin": f.iin("880808"), "people.0.last_name": "Жанова", "people.0.first_name": "Алия",
        "people.0.consent_publish": "1", "action": "submit",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_employer_pages_render(db, client, sign_in, lang):
    _org, employer = f.employer(db)
    notice = f.layoff_notice(db, employer)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    for url in ("/cabinet/layoffs/", "/cabinet/layoffs/new", f"/cabinet/layoffs/{notice.id}",
                f"/cabinet/layoffs/{notice.id}/edit", "/cabinet"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url


def test_employer_files_and_submits_through_the_form(db, client, sign_in):
    org, employer = f.employer(db)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    response = client.post("/cabinet/layoffs/new", data=_form())
    assert response.status_code == 302
    notice = db.query(LayoffNotice).filter_by(organisation_id=org.id).one()
    assert notice.status == FilingStatus.SUBMITTED and len(notice.positions) == 1  # the blank row is dropped
    assert notice.people[0].consented


def test_bad_form_shows_errors_beside_the_fields(db, client, sign_in):
    org, employer = f.employer(db)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    response = client.post("/cabinet/layoffs/new?lang=en", data=_form(**{"people.0.iin": "123", "people_count": "x"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="people.0.iin-error"' in page and 'id="people_count-error"' in page
    response = client.post("/cabinet/layoffs/new?lang=kk", data=_form(**{"positions.0.occupation_code": "99"}))
    assert response.status_code == 422
    assert 'id="positions.0.occupation_code-error"' in response.get_data(as_text=True)
    assert db.query(LayoffNotice).filter_by(organisation_id=org.id).count() == 0  # nothing half-saved


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_centre_sees_and_publishes(db, client, sign_in, lang):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    notice = f.layoff_notice(db, employer, submit=True)
    db.flush()
    sign_in(centre.user)
    assert client.get(f"/cabinet/layoffs/?lang={lang}").status_code == 200
    page = client.get(f"/cabinet/layoffs/{notice.id}?lang={lang}").get_data(as_text=True)
    assert notice.people[0].iin in page and "convert-form" in page
    response = client.post(f"/cabinet/layoffs/{notice.id}/convert", data={"person_id": str(notice.people[0].id)})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(LayoffNotice, notice.id).people[0].seeker_id is not None


def test_other_employers_and_seekers_are_refused(db, client, sign_in):
    _, employer = f.employer(db)
    _, other = f.employer(db)
    notice = f.layoff_notice(db, employer, submit=True)
    db.flush()
    sign_in(other.user)
    assert client.get(f"/cabinet/layoffs/{notice.id}").status_code == 403
    assert client.post(f"/cabinet/layoffs/{notice.id}/edit", data=_form()).status_code == 403
