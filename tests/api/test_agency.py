"""Verification against a local state-registry server, agency reports, classifiers with ETags, limits."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from exchange.api.models import AgencyReport, SeekerVerification
from exchange.app import state
from exchange.audit import AuditEntry
from tests import factories
from tests.api.conftest import error_of


class Registry:
    """A local server speaking the registry contract of exchange.api.verification (bearer token checked)."""

    def __init__(self, people: dict[str, dict], token: str) -> None:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/verify" or self.headers.get("Authorization") != f"Bearer {token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                registry.seen.append(body)
                known = people.get(body["iin"])
                if known is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                matches = {k: known.get(k) == body.get(k) for k in ("last_name", "first_name", "middle_name", "birth_date")}
                answer = json.dumps({"found": True, "matches": matches, "reference": "GBD-FL-42"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.seen: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def person(db, agency):
    profile = factories.seeker(db, with_account=False, consent=True)[0]
    profile.created_by_organisation_id = agency[0].id
    profile.consent_verification_at = profile.created_at
    db.flush()
    return profile


@pytest.fixture()
def registry(app, monkeypatch, person):
    server = Registry({person.iin: {"last_name": person.last_name, "first_name": person.first_name, "middle_name": None,
                                    "birth_date": person.birth_date.isoformat()}}, token="registry-secret")
    monkeypatch.setitem(state(app).settings.values, "STATE_REGISTRY_URL", server.url)
    monkeypatch.setitem(state(app).settings.values, "STATE_REGISTRY_TOKEN", "registry-secret")
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_verification_needs_consent_and_stores_the_answer(db, agency_api, person, registry):
    response = agency_api.post(f"/seekers/{person.id}/verifications")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "verified" and body["matches"]["last_name"] is True and body["checked_at"]
    assert registry.seen[0]["iin"] == person.iin
    assert db.scalar(sa.select(AuditEntry).where(AuditEntry.action == "verify", AuditEntry.subject_id == person.id)) is not None
    person.last_name = "Другая"
    db.flush()
    assert agency_api.post(f"/seekers/{person.id}/verifications").get_json()["status"] == "mismatch"
    assert [v["status"] for v in agency_api.get(f"/seekers/{person.id}/verifications").get_json()] == ["mismatch", "verified"]
    person.consent_verification_at = None
    db.flush()
    assert error_of(agency_api.post(f"/seekers/{person.id}/verifications"))["code"] == "conflict"
    assert db.scalar(sa.select(sa.func.count()).select_from(SeekerVerification)) == 2


def test_verification_of_someone_else_is_refused(db, employer_api, person, registry):
    assert employer_api.post(f"/seekers/{person.id}/verifications").status_code == 403
    assert registry.seen == []


def test_verification_without_a_registry_is_503(agency_api, person):
    response = agency_api.post(f"/seekers/{person.id}/verifications")
    assert response.status_code == 503 and error_of(response)["code"] == "registry_unavailable"


def test_agency_reports_are_validated_and_corrected(db, agency_api, employer_api, agency):
    report = {"period_start": "2024-01-01", "period_end": "2024-03-31", "occupation_code": "7212", "applied_count": 40, "employed_count": 12}
    assert agency_api.post("/agency-reports", report).status_code == 201
    corrected = agency_api.post("/agency-reports", {**report, "employed_count": 15})
    assert corrected.status_code == 201 and corrected.get_json()["employed_count"] == 15
    assert db.scalar(sa.select(sa.func.count()).select_from(AgencyReport).where(AgencyReport.organisation_id == agency[0].id)) == 1
    bad = agency_api.post("/agency-reports", {**report, "employed_count": 50, "period_end": "2023-01-01", "occupation_code": "72"})
    assert set(error_of(bad)["fields"]) == {"employed_count", "period_end", "occupation_code"}
    assert employer_api.post("/agency-reports", report).status_code == 403
    assert [r["employed_count"] for r in agency_api.get("/agency-reports?period_start=2024-02-01").get_json()] == [15]


def test_agency_report_cabinet_form(db, agency, sign_in):
    client = sign_in(agency[1].user)
    empty = client.get("/cabinet/integrations/reports")
    assert empty.status_code == 200 and "<table" not in empty.get_data(as_text=True)
    assert client.post("/cabinet/integrations/reports", data={"period_start": "2024-01-01"}).status_code == 422
    done = client.post("/cabinet/integrations/reports", data={"period_start": "2024-01-01", "period_end": "2024-01-31",
                                                             "occupation_code": "7212", "applied_count": "5", "employed_count": "2"})
    assert done.status_code == 302
    assert db.scalar(sa.select(AgencyReport.employed_count).where(AgencyReport.organisation_id == agency[0].id)) == 2


def test_classifier_etag_gives_304(employer_api):
    first = employer_api.get("/classifiers/licence")
    assert first.status_code == 200 and first.headers["ETag"]
    assert any(i["code"] == "C" for i in first.get_json()["items"])
    again = employer_api.get("/classifiers/licence", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert employer_api.get("/classifiers/kato?level=1").get_json()["items"][0]["level"] == 1
    assert employer_api.get("/classifiers/planets").status_code == 404


def test_rate_limit_answers_429_with_retry_after(employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"], rate_limit="3 per minute")
    statuses = [caller.get("/organisations/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = caller.get("/organisations/me")
    assert int(limited.headers["Retry-After"]) >= 1 and error_of(limited)["code"] == "rate_limited"
    other = make_caller(employer[1], ["vacancies:read"])
    assert other.get("/organisations/me").headers["X-RateLimit-Remaining"]


@pytest.mark.redis
def test_rate_limit_counters_live_in_redis(app, employer, make_caller):
    import redis

    caller = make_caller(employer[1], ["vacancies:read"], rate_limit="5 per minute")
    caller.get("/organisations/me")
    client = redis.Redis.from_url(state(app).settings.REDIS_URL)
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    assert list(client.scan_iter(match=f"*{prefix}*", count=1000))


def test_statistics_and_organisation(employer_api, employer, db):
    factories.vacancy(db, employer[1])
    db.flush()
    stats = employer_api.get("/statistics?days=7").get_json()
    assert stats["overall"]["vacancies_published"] == 1 and stats["daily"][0]["vacancies_created"] == 1
    me = employer_api.get("/organisations/me").get_json()
    assert me["id"] == employer[0].id and me["bin"] == employer[0].bin
    assert employer_api.get("/statistics?days=0").status_code == 422
