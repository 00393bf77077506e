"""Fixtures for the JSON API tests: organisations with keys and a client that sends them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from exchange.api.models import SCOPES
from tests import factories
from tests.workers.conftest import rq_app  # noqa: F401  (the app in RQ mode, for the import queue tests)


@dataclass
class ApiCaller:
    """The test client with one API key in every request."""

    client: Any
    token: str

    def call(self, method: str, path: str, **kw):
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw):
        return self.call("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw):
        return self.call("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture()
def agency(db):
    made = factories.agency(db)
    db.flush()  # requests use their own sessions on the same connection
    return made


@pytest.fixture()
def employer(db):
    made = factories.employer(db)
    db.flush()
    return made


@pytest.fixture()
def make_caller(db, client):
    def _make(owner_actor, scopes=SCOPES, **data) -> ApiCaller:
        _key, token = factories.api_key(db, owner_actor, scopes, **data)
        db.flush()
        return ApiCaller(client, token)

    return _make


@pytest.fixture()
def agency_api(agency, make_caller) -> ApiCaller:
    return make_caller(agency[1])


@pytest.fixture()
def employer_api(employer, make_caller) -> ApiCaller:
    return make_caller(employer[1])


def error_of(response) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
