"""API keys: issued once, stored hashed, scoped, expiring, revoked at once; cabinet pages."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.api import keys
from exchange.api.models import ApiKey
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.timeutil import local_today
from tests import factories
from tests.api.conftest import ApiCaller, error_of


def test_token_is_stored_only_as_a_hash(db, agency):
    key, token = factories.api_key(db, agency[1], ["read-public"])
    assert token.startswith(f"bzk_{key.prefix}_")
    assert key.secret_hash == keys.hash_token(token) and token not in key.secret_hash
    assert keys.authenticate(db, token).id == key.id
    assert keys.authenticate(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert keys.authenticate(db, "not-a-token") is None


def test_issue_validates_scopes_and_expiry(db, agency):
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["read-everything"])
    assert "scopes.0" in exc.value.fields or "scopes" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], [])
    assert "scopes" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["read-public"], expires_on=str(local_today() - dt.timedelta(days=1)))
    assert "expires_on" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        factories.api_key(db, agency[1], ["read-public"], rate_limit="lots")
    assert "rate_limit" in exc.value.fields


def test_only_owners_and_managers_issue_keys_and_never_through_the_api(db, agency):
    org, owner = agency
    member = factories.user(db, "agency")
    from exchange.organisations import operations as orgs

    orgs.add_member(db, owner, org.id, member.email, "member")
    with pytest.raises(PermissionDenied):
        factories.api_key(db, factories.actor_for(db, member, org), ["read-public"])
    key, _token = factories.api_key(db, owner, ["read-public"])
    with pytest.raises(PermissionDenied):
        keys.issue_key(db, keys.actor_for_key(key, None), {"name": "x", "scopes": ["read-public"]})


def test_missing_unknown_revoked_and_expired_keys_get_401(db, client, agency, make_caller):
    assert error_of(client.get("/api/v1/organisations/me"))["code"] == "unauthorized"
    caller = make_caller(agency[1], ["read-public"])
    assert caller.get("/organisations/me").status_code == 200
    key = db.scalar(sa.select(ApiKey).where(ApiKey.organisation_id == agency[0].id))
    keys.revoke_key(db, agency[1], key.id)
    db.flush()
    response = caller.get("/organisations/me")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    expired = make_caller(agency[1], ["read-public"])
    db.execute(sa.update(ApiKey).where(ApiKey.revoked_at.is_(None)).values(expires_at=factories_now() - dt.timedelta(seconds=1)))
    assert expired.get("/organisations/me").status_code == 401
    assert ApiCaller(client, "bzk_0000000000_nothing").get("/organisations/me").status_code == 401


def factories_now():
    from exchange.db import utcnow

    return utcnow()


def test_last_used_is_recorded(db, agency, make_caller):
    caller = make_caller(agency[1], ["read-public"])
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
    created = client.post("/cabinet/integrations/keys", data={"name": "Наш сайт", "scopes": ["read-public", "write-vacancies"]})
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
