"""The report page and its downloads: centre staff and administrators only."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from exchange.reports import export
from exchange.seekers import operations as seekers
from tests import factories as f


@pytest.fixture()
def centre_with_data(db):
    _, centre = f.centre(db)
    profile, actor = f.seeker(db)
    f.resume(db, profile, actor, occupation_code="7212")
    seekers.register(db, centre, profile.id, {"category": "unemployed"})
    return centre


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_report_page_renders(db, client, sign_in, centre_with_data, lang):
    sign_in(centre_with_data.user)
    response = client.get(f"/cabinet/reports/?lang={lang}")
    assert response.status_code == 200
    assert "/cabinet/reports/export.xlsx" in response.get_data(as_text=True)


def test_bad_period_is_a_field_error(db, client, sign_in, centre_with_data):
    sign_in(centre_with_data.user)
    response = client.get("/cabinet/reports/?period_start=2024-05-01&period_end=2024-04-01")
    assert response.status_code == 422 and 'id="period_end-error"' in response.get_data(as_text=True)


def test_downloads_read_back(db, client, sign_in, centre_with_data):
    sign_in(centre_with_data.user)
    response = client.get("/cabinet/reports/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [(r["area_code"], r["occupation_code"], r["registered"]) for r in rows] == [(f.ALMATY_DISTRICT, "7212", "1")]
    xlsx = client.get("/cabinet/reports/export.xlsx?lang=kk")
    sheet = load_workbook(io.BytesIO(xlsx.get_data()))["report"]
    assert sheet.max_row == 3 and sheet.max_column == len(export.COLUMN_KEYS)  # headings, one row, totals
    agencies = client.get("/cabinet/reports/export.agencies.csv")
    assert agencies.status_code == 200
    assert client.get("/cabinet/reports/export.pdf").status_code == 422


@pytest.mark.parametrize("kind", ["employer", "agency"])
def test_not_for_employers_or_agencies(db, client, sign_in, kind):
    _, member = f.organisation(db, kind)
    db.flush()
    sign_in(member.user)
    assert client.get("/cabinet/reports/").status_code == 403
    assert client.get("/cabinet/reports/export.csv").status_code == 403


def test_not_for_anonymous_visitors(db, client):
    assert client.get("/cabinet/reports/export.csv").status_code == 302
