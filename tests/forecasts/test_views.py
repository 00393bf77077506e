"""Forecast pages and the training-needs page, in kk/ru/en."""

from __future__ import annotations

import datetime as dt

import pytest

from exchange.forecasts.models import ForecastReport
from exchange.layoffs.models import FilingStatus
from tests import factories as f

NEXT_YEAR = dt.date.today().year + 1


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_pages_render(db, client, sign_in, lang):
    _, employer = f.employer(db)
    report = f.forecast(db, employer, submit=True)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    for url in ("/cabinet/forecasts/", "/cabinet/forecasts/new", f"/cabinet/forecasts/{report.id}",
                f"/cabinet/forecasts/{report.id}/edit"):
        assert client.get(f"{url}?lang={lang}").status_code == 200, url


def test_form_good_and_bad(db, client, sign_in):
    org, employer = f.employer(db)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    good = {"period_kind": "quarter", "year": str(NEXT_YEAR), "quarter": "3", "kato_code": f.ALMATY_DISTRICT,
            "lines.0.occupation_code": "7212", "lines.0.count": "4", "lines.1.occupation_code": "", "lines.1.count": "",
            "action": "save"}
    bad = client.post("/cabinet/forecasts/new", data={**good, "lines.0.count": "0"})
    assert bad.status_code == 422 and 'id="lines.0.count-error"' in bad.get_data(as_text=True)
    bad = client.post("/cabinet/forecasts/new", data={**good, "quarter": ""})
    assert bad.status_code == 422 and 'id="quarter-error"' in bad.get_data(as_text=True)
    assert client.post("/cabinet/forecasts/new", data=good).status_code == 302
    report = db.query(ForecastReport).filter_by(organisation_id=org.id).one()
    assert report.status == FilingStatus.DRAFT and report.total_jobs == 4


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_training_needs_page(db, client, sign_in, lang):
    _, employer = f.employer(db)
    _, centre = f.centre(db)
    f.forecast(db, employer, submit=True)
    db.flush()
    sign_in(centre.user)
    page = client.get(f"/cabinet/forecasts/needs?year={NEXT_YEAR}&lang={lang}")
    assert page.status_code == 200
    assert 'id="needs-chart"' in page.get_data(as_text=True)
    assert client.get("/cabinet/forecasts/needs?year=abc").status_code == 422


def test_employer_cannot_see_training_needs(db, client, sign_in):
    _, employer = f.employer(db)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    assert client.get("/cabinet/forecasts/needs").status_code == 403
