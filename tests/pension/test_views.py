"""Pension pages: admins import and start runs; centres see their own people; others are refused."""

from __future__ import annotations

import datetime as dt
import io

import time_machine

from exchange.pension import jobs
from exchange.timeutil import ALMATY
from tests import factories as f


def test_admin_imports_a_feed_and_reconciles_from_the_page(app, db, client, sign_in):
    admin = f.user(db, "admin")
    _centre, centre_actor = f.centre(db)
    with time_machine.travel(dt.datetime(2025, 3, 3, 10, 0, tzinfo=ALMATY), tick=False):
        profile, _, _ = f.registered_seeker(db, centre_actor)
    data = ("iin,employer_bin,employer_name,period,amount,paid_on\n"
            f"{profile.iin},{f.bin_()},ТОО Тест,2025-04,42000,2025-04-20\n"
            "123,456,,2025-04,x,2025-04-20\n").encode()
    sign_in(admin)
    response = client.post("/cabinet/pension/import", data={"file": (io.BytesIO(data), "week.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    feed_page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Not a valid IIN" in feed_page and "week.csv" in feed_page
    again = client.post("/cabinet/pension/import?lang=en", data={"file": (io.BytesIO(data), "copy.csv")},
                        content_type="multipart/form-data")
    assert again.headers["Location"] == response.headers["Location"]  # the same feed, not a new one
    assert "already imported" in client.get(again.headers["Location"]).get_data(as_text=True)

    assert client.post("/cabinet/pension/reconcile").status_code == 302
    runs = client.get("/cabinet/pension/?lang=en").get_data(as_text=True)
    assert "Finished" in runs
    db.expire_all()


def test_centre_sees_only_its_people(app, db, client, sign_in):
    _own, own_actor = f.centre(db)
    _other, other_actor = f.centre(db, district=f.ASTANA_DISTRICT)
    with time_machine.travel(dt.datetime(2025, 3, 3, 10, 0, tzinfo=ALMATY), tick=False):
        mine, _, _ = f.registered_seeker(db, own_actor)
        theirs, _, _ = f.registered_seeker(db, other_actor, last_name="Басқаұлы")
    f.pension_feed(db, [
        {"iin": p.iin, "employer_bin": f.bin_(), "employer_name": "ТОО", "period": "2025-04", "amount": "1000",
         "paid_on": "2025-04-20"} for p in (mine, theirs)
    ])
    report = jobs.run_reconciliation(app, trigger="test")
    sign_in(own_actor.user)
    page = client.get(f"/cabinet/pension/runs/{report['run_id']}?lang=en").get_data(as_text=True)
    assert mine.last_name in page and "Басқаұлы" not in page
    assert "Pension reconciliation" in client.get("/cabinet?lang=en").get_data(as_text=True)
    assert client.post("/cabinet/pension/reconcile").status_code == 403


def test_employers_and_visitors_are_kept_out(app, db, client, sign_in):
    assert client.get("/cabinet/pension/").status_code == 302  # to sign-in
    _employer, employer_actor = f.employer(db)
    sign_in(employer_actor.user)
    assert client.get("/cabinet/pension/").status_code == 403
