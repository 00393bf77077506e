"""API keys: issue (the token is shown once), revoke, and authenticate a presented token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError, validate, validates
from marshmallow import fields as mm_fields
from sqlalchemy.orm import Session

from exchange import audit, outbox, schemas
from exchange.api.models import SCOPES, ApiKey, granted_scopes
from exchange.auth import LEGACY_SCOPES, Actor, deny, require_org
from exchange.db import utcnow
from exchange.errors import Conflict, NotFound, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import OrganisationKind
from exchange.timeutil import end_of_local_day

TOKEN_MARK = "bzk"  # noqa: S105 - a visible marker, not a secret
MAX_LIFETIME_DAYS = 730
# Writing last_used_at on every call would turn reads into writes; once a minute is enough to see use.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
RATE_LIMIT_PATTERN = r"^\d{1,6} per (second|minute|hour|day)$"


# What each scope opens, as the key form and the OpenAPI document explain it.
SCOPE_DESCRIPTIONS = {
    "vacancies:read": _l("Published vacancies, vacancy search and feed, organisations' public profiles"),
    "vacancies:write": _l("Create, change, publish and close your vacancies; vacancy import and export"),
    "resumes:read": _l("Public resumes, resume search and feed, candidate matches, people's data you are entitled to"),
    "resumes:write": _l("Register people, create and manage the resumes you brought; resume import and export"),
    "applications:read": _l("Read the applications of your vacancies and those you submitted for people"),
    "applications:write": _l("Apply, invite, refer and move applications through their stages"),
    "webhooks:manage": _l("Webhook endpoints and their deliveries"),
}


class KeySchema(schemas.InputSchema):
    name = schemas.text(required=True, max_len=100, min_len=2)
    scopes = mm_fields.List(
        schemas.Text(validate=validate.Length(max=40)),
        required=True,
        validate=validate.Length(min=1, max=len(SCOPES), error=_l("Choose at least one scope.")),
    )
    expires_on = schemas.date()
    rate_limit = schemas.Text(
        allow_none=True,
        validate=[validate.Length(max=40), validate.Regexp(RATE_LIMIT_PATTERN, error=_l("Write it like “120 per minute”."))],
    )

    @validates("scopes")
    def _known_scopes(self, value: list[str], **_kwargs: Any) -> None:
        for scope in value:
            if scope in SCOPES:
                continue
            if scope in LEGACY_SCOPES:
                raise ValidationError(str(_l(
                    "“%(old)s” is the former name; choose %(new)s.",
                    old=scope, new=", ".join(f"“{s}”" for s in LEGACY_SCOPES[scope]),
                )))
            raise ValidationError(str(_l(
                "Unknown scope “%(scope)s”; choose from: %(choices)s.", scope=scope[:40], choices=", ".join(SCOPES),
            )))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(5)
    return prefix, f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(token: str) -> str | None:
    """The public prefix of a well-formed token (used as the rate-limit key before any database look-up)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_MARK or len(parts[1]) != 10:
        return None
    return parts[1]


def _require_key_manager(session: Session, actor: Actor, organisation_id: int | None) -> int:
    if organisation_id is None or actor.via == "api":
        raise deny(_l("API keys are managed in the organisation's cabinet."))
    require_org(session, actor, organisation_id, manage=True)
    if not actor.is_admin and actor.organisation.kind not in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY):
        raise deny(_l("API keys are for employers and private employment agencies."))
    return organisation_id


def issue_key(session: Session, actor: Actor, data: dict[str, Any]) -> tuple[ApiKey, str]:
    """Create a key for the actor's organisation; returns the key and the token (never stored)."""
    organisation_id = _require_key_manager(session, actor, actor.organisation_id)
    values = schemas.load(KeySchema(), data)
    expires_at = None
    if values.get("expires_on") is not None:
        expires_at = end_of_local_day(values["expires_on"])
        if expires_at <= utcnow():
            raise field_error("expires_on", _l("Choose a day in the future."))
        if expires_at > utcnow() + dt.timedelta(days=MAX_LIFETIME_DAYS):
            raise field_error("expires_on", _l("A key lives at most two years."))
    prefix, token = _new_token()
    key = ApiKey(
        organisation_id=organisation_id,
        name=values["name"],
        prefix=prefix,
        secret_hash=hash_token(token),
        scopes=sorted(set(values["scopes"])),
        rate_limit=values.get("rate_limit"),
        expires_at=expires_at,
        created_by_user_id=actor.user_id,
    )
    session.add(key)
    session.flush()
    audit.record(session, actor, "issue_api_key", "api_key", key.id, scopes=key.scopes)
    outbox.emit(session, "api_key.issued", "api_key", key.id, {"organisation_id": organisation_id}, actor.user_id)
    return key, token


def revoke_key(session: Session, actor: Actor, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(_l("No such API key."))
    _require_key_manager(session, actor, key.organisation_id)
    if actor.organisation_id != key.organisation_id and not actor.is_admin:
        raise deny()
    if key.revoked_at is not None:
        raise Conflict(_l("This key is already revoked."))
    key.revoked_at = utcnow()
    audit.record(session, actor, "revoke_api_key", "api_key", key.id)
    outbox.emit(session, "api_key.revoked", "api_key", key.id, {"organisation_id": key.organisation_id}, actor.user_id)
    return key


def organisation_keys(session: Session, actor: Actor) -> list[ApiKey]:
    organisation_id = _require_key_manager(session, actor, actor.organisation_id)
    return list(session.scalars(sa.select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(ApiKey.id.desc())))


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The usable key for a token, or None; the comparison takes the same time for any wrong secret."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    key = session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, hash_token(token)):
        return None
    if not key.is_usable() or not key.organisation.active:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        session.execute(sa.update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return key


def effective_scopes(scopes: list[str]) -> frozenset[str]:
    """The scopes a stored key grants, in current names (keys issued with the old names keep their access)."""
    return granted_scopes(scopes)


def actor_for_key(key: ApiKey, ip: str | None) -> Actor:
    """The API acts for the key's organisation only, never with a person's (possibly wider) rights."""
    return Actor(user=None, organisation=key.organisation, via="api", scopes=effective_scopes(key.scopes), ip=ip)
