"""API keys: issued once, stored hashed, scoped, expiring, revoked at once; cabinet pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from exchange.api import keys
from exchange.api.models import SCOPES, ApiKey
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.timeutil import local_today
from tests import factories
from tests.api.conftest import ApiCaller, error_of


def test_token_is_stored_only_as_a_hash(db, agency):
    key, token = factories.api_key(db, agency[1], ["vacancies:read"])
    assert token.startswith(f"bzk_{key.prefix}_")
    assert key.secret_hash == keys.hash_token(token) and token not in key.secret_hash
    assert keys.authenticate(db, token).id == key.id
    assert keys.authenticate(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert keys.authenticate(db, "not-a-token") is None


def test_issue_validates_scopes_and_expiry(db, agency):
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["read-everything"])
    message = str(exc.value.fields["scopes"][0])  # in the request's language: assert on the names it gives
    assert "read-everything" in message and all(scope in message for scope in SCOPES)
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["vacancies:read", "applications"])
    message = str(exc.value.fields["scopes"][0])
    assert message.count("applications") == 3 and "applications:read" in message and "applications:write" in message
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], [])
    assert "scopes" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["vacancies:read"], expires_on=str(local_today() - dt.timedelta(days=1)))
    assert "expires_on" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["vacancies:read"], rate_limit="lots")
    assert "rate_limit" in exc.value.fields


def test_only_owners_and_managers_issue_keys_and_never_through_the_api(db, agency):
    org, owner = agency
    member = factories.user(db, "agency")
    from exchange.organisations import operations as orgs

    orgs.add_member(db, owner, org.id, member.email, "member")
    with pytest.raises(PermissionDenied):
        factories.api_key(db, factories.actor_for(db, member, org), ["vacancies:read"])
    key, _token = factories.api_key(db, owner, ["vacancies:read"])
    with pytest.raises(PermissionDenied):
        keys.issue_key(db, keys.actor_for_key(key, None), {"name": "x", "scopes": ["vacancies:read"]})


def test_missing_unknown_revoked_and_expired_keys_get_401(db, client, agency, make_caller):
    assert error_of(client.get("/api/v1/organisations/me"))["code"] == "unauthorized"
    caller = make_caller(agency[1], ["vacancies:read"])
    assert caller.get("/organisations/me").status_code == 200
    key = db.scalar(sa.select(ApiKey).where(ApiKey.organisation_id == agency[0].id))
    keys.revoke_key(db, agency[1], key.id)
    db.flush()
    response = caller.get("/organisations/me")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    expired = make_caller(agency[1], ["vacancies:read"])
    db.execute(sa.update(ApiKey).where(ApiKey.revoked_at.is_(None)).values(expires_at=factories_now() - dt.timedelta(seconds=1)))
    assert expired.get("/organisations/me").status_code == 401
    assert ApiCaller(client, "bzk_0000000000_nothing").get("/organisations/me").status_code == 401


def factories_now():
    from exchange.db import utcnow

    return utcnow()


def test_last_used_is_recorded(db, agency, make_caller):
    caller = make_caller(agency[1], ["vacancies:read"])
    caller.get("/organisations/me")
    key = db.scalar(sa.select(ApiKey).where(ApiKey.organisation_id == agency[0].id))
    db.refresh(key)
    assert key.last_used_at is not None


def test_cabinet_creates_a_key_shown_once_and_revokes_it(db, agency, sign_in):
    org, owner = agency
    client = sign_in(owner.user)
    page = client.get("/cabinet/integrations/keys")
    assert page.status_code == 200 and 'id="new-token"' not in page.get_data(as_text=True)
    bad = client.post("/cabinet/integrations/keys", data={"name": "", "scopes": []})
    assert bad.status_code == 422
    created = client.post("/cabinet/integrations/keys", data={"name": "Наш сайт", "scopes": ["vacancies:read", "vacancies:write"]})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    key = db.scalar(sa.select(ApiKey).where(ApiKey.organisation_id == org.id))
    assert f"bzk_{key.prefix}_" in html and 'id="new-token"' in html
    listing = client.get("/cabinet/integrations/keys").get_data(as_text=True)
    secret_part = html.split(f'value="bzk_{key.prefix}_')[1][:20]
    assert f"bzk_{key.prefix}_…" in listing and secret_part not in listing and 'id="new-token"' not in listing
    assert client.post(f"/cabinet/integrations/keys/{key.id}/revoke").status_code == 302
    db.refresh(key)
    assert key.revoked_at is not None


def test_seekers_cannot_open_the_key_cabinet(db, sign_in):
    person, _actor = factories.seeker(db)
    db.flush()
    client = sign_in(db.get(factories.User, person.user_id))
    assert client.get("/cabinet/integrations/keys").status_code == 403


def test_one_scope_vocabulary_everywhere(client):
    """The key form, the OpenAPI document and every endpoint's check use the same names."""
    from exchange.api.framework import REGISTRY

    assert all(":" in scope for scope in SCOPES)
    used = {ep.scope for ep in REGISTRY if ep.scope}
    assert used <= set(SCOPES), used - set(SCOPES)
    assert used == set(SCOPES)
    document = client.get("/api/v1/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["apiKey"]["description"]
    assert all(f"`{scope}`" in scheme for scope in SCOPES)
    text = json.dumps(document)
    for former in ("read-public", "read-candidates", "write-vacancies", "write-resumes", "`applications`", "`webhooks`"):
        assert former not in text, former


@pytest.mark.parametrize(("stored", "granted"), [
    ("read-public", {"vacancies:read"}),
    ("read-candidates", {"resumes:read"}),
    ("write-vacancies", {"vacancies:write"}),
    ("write-resumes", {"resumes:write"}),
    ("applications", {"applications:read", "applications:write"}),
    ("webhooks", {"webhooks:manage"}),
])
def test_keys_stored_with_former_scope_names_keep_their_access(db, agency, make_caller, stored, granted):
    """A key saved before the rename is read with the new names: it opens exactly what it did before."""
    caller = make_caller(agency[1], ["vacancies:read"])
    key = db.scalar(sa.select(ApiKey).where(ApiKey.organisation_id == agency[0].id))
    db.execute(sa.update(ApiKey).where(ApiKey.id == key.id).values(scopes=[stored]))
    db.flush()
    db.refresh(key)
    assert set(key.granted_scopes) == granted
    assert keys.actor_for_key(key, None).scopes == frozenset(granted)
    probes = {
        "vacancies:read": ("GET", "/snapshot/vacancies"),
        "resumes:read": ("GET", "/changes?types=resume"),
        "vacancies:write": ("GET", "/vacancies"),
        "resumes:write": ("GET", "/resumes"),
        "applications:read": ("GET", "/applications"),
        "webhooks:manage": ("GET", "/webhooks"),
    }
    for scope, (method, path) in probes.items():
        status = caller.call(method, path).status_code
        assert (status == 200) == (scope in granted), (stored, scope, status)
    if "applications:write" in granted:
        assert caller.post("/applications", json={}).status_code == 422
    else:
        refused = caller.post("/applications", json={})
        assert refused.status_code == 403 and "applications:write" in error_of(refused)["message"]


def test_a_check_written_with_a_former_name_asks_for_the_new_one(db, agency):
    from exchange.auth import Actor, canonical_scope, require_scope

    assert canonical_scope("read-resumes") == "resumes:read"
    assert canonical_scope("write-vacancies") == "vacancies:write"
    actor = Actor(user=None, organisation=agency[0], via="api", scopes=frozenset({"resumes:read"}))
    require_scope(actor, "read-resumes")
    with pytest.raises(PermissionDenied) as exc:
        require_scope(actor, "write-vacancies")
    assert "vacancies:write" in str(exc.value.message)
