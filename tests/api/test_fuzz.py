"""Schemathesis fuzzes the API against its own OpenAPI document, in-process through the WSGI app.

Checks: no 5xx for any generated input, documented status codes and content types, and
response bodies that match the published schemas. Kept to a bounded number of examples
per operation so the whole run takes well under two minutes.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.api.models import SCOPES
from tests import factories

EXAMPLES = 12
# CI fuzzes with a fixed seed so a run is repeatable; BIRZHA_FUZZ_RANDOM=1 explores new inputs.
RANDOM = os.environ.get("BIRZHA_FUZZ_RANDOM") == "1"


@pytest.fixture()
def api_schema(app, db):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture()
def fuzz_token(db):
    """An agency key with every scope, plus public records for the generated ids to hit sometimes."""
    _org, owner = factories.agency(db)
    _employer, employer_actor = factories.employer(db)
    factories.vacancy(db, employer_actor)
    profile, actor = factories.seeker(db)
    factories.resume(db, profile, actor)
    _key, token = factories.api_key(db, owner, list(SCOPES), rate_limit="99999 per minute")
    db.flush()
    return token


def test_api_conforms_to_its_openapi_document(api_schema, fuzz_token):
    """Every operation in turn, each with its own bounded Hypothesis run."""
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=not RANDOM)
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        run()
