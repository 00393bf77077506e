"""Bulk import through the API: NDJSON and CSV, per-line errors, external ids update, progress, export."""

from __future__ import annotations

import json
import os

import pytest

from tests import factories
from tests.api.conftest import error_of


def vacancy_line(n: int, **extra) -> dict:
    return {"external_id": f"ext-{n}", "title": f"Оператор линии {n}", "occupation_code": "8189",
            "kato_code": factories.ALMATY_DISTRICT, "description": "Работа на производственной линии, обучение на месте.",
            "salary_from": 200000 + n, "status": "published", **extra}


def ndjson(lines) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines).encode()


def test_ndjson_import_reports_bad_lines_and_updates_by_external_id(employer_api):
    lines = [vacancy_line(1), vacancy_line(2), "{not json", {"title": "без внешнего номера"}, vacancy_line(3, kato_code="000")]
    response = employer_api.post("/imports?kind=vacancies", data=ndjson(lines), headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 202, response.get_json()
    job = employer_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert job["status"] == "finished" and job["processed_lines"] == job["total_lines"] == 5
    assert (job["created_count"], job["updated_count"], job["failed_count"]) == (2, 0, 3)
    errors = {e["line"]: e for e in job["errors"]}
    assert set(errors) == {3, 4, 5}
    assert errors[3]["code"] == "bad_request"
    assert "external_id" in errors[4]["fields"] and "kato_code" in errors[5]["fields"]
    listed = employer_api.get("/vacancies?status=published").get_json()["items"]
    assert sorted(v["external_id"] for v in listed) == ["ext-1", "ext-2"]
    again = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(1, title="Оператор станка")]))
    job2 = employer_api.get(f"/imports/{again.get_json()['id']}").get_json()
    assert (job2["created_count"], job2["updated_count"]) == (0, 1)
    items = employer_api.get("/vacancies?external_id=ext-1").get_json()["items"]
    assert len(items) == 1 and items[0]["title"] == "Оператор станка"
    assert [i["id"] for i in employer_api.get("/imports").get_json()][:2] == [job2["id"], job["id"]]


def test_csv_resume_import_creates_people_and_resumes(agency_api):
    iin = factories.iin()
    csv_text = (
        "external_id,title,occupation_code,kato_code,skills,seeker.iin,seeker.last_name,seeker.first_name,seeker.kato_code,publish,consent_publish\n"
        f"c-1,Бухгалтер,2411,{factories.ALMATY_DISTRICT},1С;Excel,{iin},Омарова,Дина,{factories.ALMATY_DISTRICT},true,true\n"
        f"c-2,Бухгалтер,2411,{factories.ALMATY_DISTRICT},,123,Ким,Олег,{factories.ALMATY_DISTRICT},false,false\n"
    )
    response = agency_api.post("/imports?kind=resumes", data=csv_text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 202, response.get_json()
    job = agency_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert (job["created_count"], job["failed_count"]) == (1, 1)
    assert "seeker.iin" in job["errors"][0]["fields"] and job["errors"][0]["line"] == 3
    resume = agency_api.get("/resumes?external_id=c-1").get_json()["items"][0]
    assert resume["skills"] == ["1С", "Excel"] and resume["published_at"] and resume["seeker"]["last_name"] == "Омарова"


def test_import_refuses_wrong_input(employer_api, make_caller, employer):
    assert employer_api.post("/imports?kind=vacancies", data=b"x", headers={"Content-Type": "text/plain"}).status_code == 400
    assert "kind" in error_of(employer_api.post("/imports", data=b"{}", headers={"Content-Type": "application/x-ndjson"}))["fields"]
    assert employer_api.post("/imports?kind=vacancies&format=ndjson", data=b"\n\n").status_code == 422
    assert employer_api.post("/imports?kind=vacancies&format=ndjson", data=b"\xff\xfe").status_code == 400
    read_only = make_caller(employer[1], ["vacancies:read"])
    assert read_only.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(1)])).status_code == 403
    assert employer_api.get("/imports/999999").status_code == 404


def test_export_by_filter(employer_api):
    employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(n) for n in range(3)]))
    response = employer_api.get("/exports/vacancies?format=ndjson&status=published")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert sorted(r["external_id"] for r in rows) == ["ext-0", "ext-1", "ext-2"]
    csv_text = employer_api.get("/exports/vacancies?format=csv&occupation_code=8189").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("id,") and len(csv_text.strip().splitlines()) == 4
    assert employer_api.get("/exports/vacancies?format=xml").status_code == 422


@pytest.mark.slow
def test_large_import_with_one_percent_bad_lines(employer_api):
    """The issue asks for 100k lines; BIRZHA_IMPORT_TEST_LINES=100000 runs that size (bench/api_import.py too)."""
    count = int(os.environ.get("BIRZHA_IMPORT_TEST_LINES", "200"))
    lines = [vacancy_line(n) if n % 100 else {**vacancy_line(n), "salary_from": -1} for n in range(count)]
    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson(lines))
    job = employer_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert job["status"] == "finished"
    assert job["failed_count"] == count // 100 and job["created_count"] == count - count // 100
    assert all("salary_from" in e["fields"] for e in job["errors"])


def test_a_malformed_csv_is_reported_per_line_never_a_500(app, db):
    """Found by the schemathesis run: a bare carriage return in a CSV body gave a 500."""
    from exchange.api import imports
    from exchange.api.models import ImportFormat

    # A bare CR is a line end to the csv module once it reads the text itself.
    assert list(imports._raw_lines("external_id,title\r0", ImportFormat.CSV)) == [(2, {"external_id": "0"})]
    # A cell over the csv module's field limit cannot be read: reported at its line, reading stops.
    lines = list(imports._raw_lines("external_id,title\nv1,ok\nv2," + "x" * 200_000 + "\nv3,never", ImportFormat.CSV))
    assert lines[0] == (2, {"external_id": "v1", "title": "ok"})
    number, error = lines[-1]
    assert isinstance(error, Exception) and len(lines) == 2
    report = imports._error_entry(number, error, error)
    assert report["line"] == number and report["code"] == "bad_request"


def test_a_line_failing_after_it_wrote_leaves_nothing_and_its_chunk_neighbours_go_in(db, employer_api):
    """Lines run in chunks under one savepoint; a failure replays the chunk line by line (all or nothing per line)."""
    import sqlalchemy as sa

    from exchange.api import imports
    from exchange.outbox import OutboxEvent
    from exchange.vacancies.models import Vacancy

    count = imports.CHUNK * 2 + 3
    lines = [vacancy_line(n) for n in range(count)]
    # Created as a draft, then refused at publishing (too short a description): that line's draft must not stay.
    lines[5] = vacancy_line(5, description="Коротко")
    # The same external id twice in one file: the second line updates what the first created …
    lines[7] = vacancy_line(3, title="Оператор линии 3, смена Б")
    # … and a failing update of it leaves the first line's record in place.
    lines[imports.CHUNK + 1] = vacancy_line(3, salary_from=-5)
    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson(lines))
    job = employer_api.get(f"/imports/{response.get_json()['id']}").get_json()
    assert job["status"] == "finished", job
    assert (job["created_count"], job["updated_count"], job["failed_count"]) == (count - 3, 1, 2)
    assert [(e["line"], sorted(e["fields"])) for e in job["errors"]] == [
        (6, ["description"]), (imports.CHUNK + 2, ["salary_from"])]
    external_ids = db.scalars(sa.select(Vacancy.external_id).where(Vacancy.external_id.like("ext-%"))).all()
    assert "ext-5" not in external_ids and len(external_ids) == count - 3 == len(set(external_ids))
    assert db.scalar(sa.select(Vacancy.title).where(Vacancy.external_id == "ext-3")) == "Оператор линии 3, смена Б"
    # Exactly one "created" event per record that exists: none for the rolled-back lines.
    created_events = db.scalar(sa.select(sa.func.count()).where(OutboxEvent.topic == "vacancy.created"))
    assert created_events == count - 3


def test_processing_again_is_a_no_op(db, employer_api, app):
    from exchange.api import imports
    from exchange.app import state

    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(n) for n in range(3)]))
    import_id = response.get_json()["id"]
    assert imports.process(state(app).db, import_id) == {"skipped": True}
    job = employer_api.get(f"/imports/{import_id}").get_json()
    assert (job["created_count"], job["updated_count"]) == (3, 0)
