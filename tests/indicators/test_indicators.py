"""Daily roll-up of the platform indicators and the public statistics page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa
import time_machine

from exchange.employment.models import Employment, EmploymentSource
from exchange.indicators.jobs import rollup
from exchange.indicators.models import IndicatorSnapshot
from exchange.seekers import operations as seekers
from exchange.timeutil import ALMATY
from tests import factories as f

ALMATY_CITY, ASTANA_CITY = "750000000", "710000000"
DAY = dt.date(2025, 6, 10)


def build(db):
    with time_machine.travel(dt.datetime(2025, 6, 1, 12, 0, tzinfo=ALMATY), tick=False):
        _centre, centre_actor = f.centre(db)
        f.employer(db)
        f.employer(db, kato_code=f.ASTANA_DISTRICT)
        hired, _, _ = f.registered_seeker(db, centre_actor)
        registered, _, _ = f.registered_seeker(db, centre_actor)
        f.seeker(db, kato_code=f.ASTANA_DISTRICT)
    with time_machine.travel(dt.datetime(2025, 6, 5, 12, 0, tzinfo=ALMATY), tick=False):
        seekers.deregister(db, centre_actor, hired.id, {"reason": "employed"})
        db.add_all([
            Employment(seeker_id=hired.id, employer_bin=f.bin_(), employer_name="ТОО", started_on=dt.date(2025, 6, 5),
                       source=EmploymentSource.HIRE, through_platform=True, kato_code=f.ALMATY_DISTRICT),
            Employment(seeker_id=registered.id, employer_bin=f.bin_(), employer_name="ТОО", started_on=dt.date(2025, 6, 4),
                       source=EmploymentSource.REPORTED, through_platform=False, kato_code=f.ALMATY_DISTRICT),
        ])
        db.flush()


def test_rollup_by_region(app, db):
    build(db)
    with time_machine.travel(dt.datetime(2025, 6, 11, 0, 15, tzinfo=ALMATY), tick=False):
        result = rollup(app)
    assert result["latest"] == DAY.isoformat()
    rows = {r.region_code: r for r in db.scalars(sa.select(IndicatorSnapshot).where(IndicatorSnapshot.day == DAY))}
    almaty, astana = rows[ALMATY_CITY], rows[ASTANA_CITY]
    # The hired person departed on 5 June; the other is still registered.
    assert (almaty.registered_seekers, almaty.on_register, almaty.registered_employers) == (1, 1, 1)
    assert (almaty.employed_ytd, almaty.employed_through_platform_ytd, almaty.share_through_platform) == (2, 1, 50.0)
    assert (astana.registered_seekers, astana.on_register, astana.registered_employers) == (1, 0, 1)
    assert astana.share_through_platform is None
    # Before the hire, both people were registered; days are rebuilt, never duplicated.
    with time_machine.travel(dt.datetime(2025, 6, 11, 0, 20, tzinfo=ALMATY), tick=False):
        rollup(app, dt.date(2025, 6, 3))
        rollup(app, dt.date(2025, 6, 3))
    earlier = db.scalars(sa.select(IndicatorSnapshot).where(IndicatorSnapshot.day == dt.date(2025, 6, 3),
                                                             IndicatorSnapshot.region_code == ALMATY_CITY)).all()
    assert len(earlier) == 1 and earlier[0].on_register == 2 and earlier[0].employed_ytd == 0


def test_statistics_page_and_csv(app, db, client):
    assert "No statistics yet" in client.get("/statistics?lang=en").get_data(as_text=True)
    build(db)
    with time_machine.travel(dt.datetime(2025, 6, 11, 0, 15, tzinfo=ALMATY), tick=False):
        rollup(app)
    page = client.get("/statistics?lang=ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "г.Алматы" in html and "data-chart=" in html and "js/indicators.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)
    trend = json.loads(html.split('id="trend-chart"')[1].split('data-chart="')[1].split('"')[0].replace("&#34;", '"'))
    assert trend["labels"][-1] == DAY.isoformat()

    export = client.get(f"/statistics.csv?from={DAY.isoformat()}&to={DAY.isoformat()}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    almaty = next(r for r in rows if r["region_code"] == ALMATY_CITY)
    assert almaty["share_through_platform_percent"] == "50.0" and almaty["registered_employers"] == "1"
    assert client.get("/statistics.csv?from=2025-13-01").status_code == 422
