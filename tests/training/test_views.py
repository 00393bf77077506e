"""Training pages for seekers, employers and centres, in kk/ru/en."""

from __future__ import annotations

import pytest

from exchange.training.models import TrainingApplication, TrainingStatus
from tests import factories as f


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_seeker_applies_through_the_form(db, client, sign_in, lang):
    profile, seeker = f.seeker(db)
    db.flush()
    sign_in(seeker.user)
    assert client.get(f"/cabinet/training/new?lang={lang}").status_code == 200
    bad = client.post(f"/cabinet/training/new?lang={lang}", data={"occupation_code": "", "form": "short_course",
                                                                  "preferred_kato_code": f.ALMATY_DISTRICT})
    assert bad.status_code == 422 and 'id="occupation_code-error"' in bad.get_data(as_text=True)
    response = client.post("/cabinet/training/new", data={"occupation_code": "7212", "form": "tve",
                                                          "preferred_kato_code": f.ALMATY_DISTRICT, "action": "submit"})
    assert response.status_code == 302
    item = db.query(TrainingApplication).filter_by(seeker_id=profile.id).one()
    assert item.status == TrainingStatus.SUBMITTED
    assert client.get(f"/cabinet/training/?lang={lang}").status_code == 200
    assert client.get(f"/cabinet/training/{item.id}?lang={lang}").status_code == 200


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_centre_refuses_with_a_reason(db, client, sign_in, lang):
    _, centre = f.centre(db)
    _, employer = f.employer(db)
    item = f.training_application(db, employer, submit=True)
    db.flush()
    sign_in(centre.user)
    assert client.get(f"/cabinet/training/?lang={lang}").status_code == 200
    assert client.get(f"/cabinet/training/{item.id}?lang={lang}").status_code == 200
    missing = client.post(f"/cabinet/training/{item.id}/decide?lang={lang}", data={"decision": "refuse"})
    assert missing.status_code == 422 and 'id="reason-error"' in missing.get_data(as_text=True)
    done = client.post(f"/cabinet/training/{item.id}/decide", data={"decision": "refuse", "reason": "Группа набрана"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(TrainingApplication, item.id).status == TrainingStatus.REFUSED


def test_employer_pages_render(db, client, sign_in):
    _, employer = f.employer(db)
    item = f.training_application(db, employer)
    db.flush()  # the membership must be visible to the request's session
    sign_in(employer.user)
    for url in ("/cabinet/training/", "/cabinet/training/new", f"/cabinet/training/{item.id}",
                f"/cabinet/training/{item.id}/edit", "/cabinet"):
        assert client.get(url).status_code == 200, url
