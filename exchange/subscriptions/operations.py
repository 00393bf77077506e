"""Saved searches: create, change, pause (mute), delete, one-click unsubscribe (R-EMP-15, R-AG-14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.accounts.models import AccountRole
from exchange.auth import Actor, deny, require_org
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.i18n import gettext
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import OrganisationKind
from exchange.subscriptions.models import Frequency, Subscription, SubscriptionKind

MAX_PER_USER = 50
# The search parameters a saved search keeps (the rest — paging, sorting — make no sense for alerts).
KEPT_PARAMS = (
    "q", "occupation", "region", "salary_from", "salary_to", "with_salary", "employment_type", "schedule",
    "working_regime", "min_experience", "education", "language", "licence", "accessible", "kind", "employer",
    "age_from", "age_to", "relocate", "lat", "lon", "radius_km",
)
SEARCH_KIND = {SubscriptionKind.VACANCIES: "vacancy", SubscriptionKind.RESUMES: "resume"}


class SubscriptionSchema(schemas.InputSchema):
    name = schemas.text(max_len=120)
    kind = schemas.enum(SubscriptionKind, required=True)
    frequency = schemas.enum(Frequency)


def clean_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in KEPT_PARAMS:
        value = (params or {}).get(key)
        if isinstance(value, (list, tuple)):
            value = [str(v).strip() for v in value if str(v).strip()]
        elif isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            out[key] = value
    return out


def validate_params(session: Session, kind: SubscriptionKind, params: dict[str, Any]) -> None:
    """The same validation as the search page, so a saved search always runs."""
    from search import params as search_params

    try:
        search_params.parse(session, SEARCH_KIND[kind], params)
    except ValidationFailed as exc:
        raise ValidationFailed({f"params.{k}": v for k, v in exc.fields.items()}) from None


def _check_may_subscribe(session: Session, actor: Actor, kind: SubscriptionKind) -> int | None:
    """Returns the organisation the subscription is for (resume searches belong to one)."""
    if actor.user is None:
        raise deny()
    if kind == SubscriptionKind.VACANCIES:
        if actor.role not in (AccountRole.SEEKER, AccountRole.ADMIN):
            raise deny(_l("Vacancy alerts are for job seekers."))
        return None
    if actor.organisation is None or actor.organisation.kind not in (
        OrganisationKind.EMPLOYER, OrganisationKind.AGENCY, OrganisationKind.CENTRE,
    ):
        raise deny(_l("Resume alerts are for employers, agencies and employment centres."))
    require_org(session, actor, actor.organisation_id)
    return actor.organisation_id


def default_name(params: dict[str, Any], kind: SubscriptionKind) -> str:
    if params.get("q"):
        return str(params["q"])[:120]
    return gettext("All new vacancies") if kind == SubscriptionKind.VACANCIES else gettext("All new resumes")


def create_subscription(session: Session, actor: Actor, data: Mapping[str, Any]) -> Subscription:
    values = schemas.load(SubscriptionSchema(), data)
    kind = SubscriptionKind(values["kind"])
    organisation_id = _check_may_subscribe(session, actor, kind)
    params = clean_params(data.get("params"))
    validate_params(session, kind, params)
    count = session.scalar(sa.select(sa.func.count()).select_from(Subscription).where(Subscription.user_id == actor.user_id)) or 0
    if count >= MAX_PER_USER:
        raise Conflict(_l("You have %(n)s saved searches, the most allowed. Delete one first.", n=MAX_PER_USER))
    subscription = Subscription(
        user_id=actor.user_id, organisation_id=organisation_id, kind=kind, params=params,
        name=values.get("name") or default_name(params, kind),
        frequency=Frequency(values.get("frequency") or Frequency.INSTANT),
    )
    session.add(subscription)
    session.flush()
    outbox.emit(session, "subscription.created", "subscription", subscription.id, {"kind": kind.value}, actor.user_id)
    return subscription


def get_own(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound(_l("No such saved search."))
    if not (actor.is_admin or subscription.user_id == actor.user_id):
        raise deny()
    return subscription


def update_subscription(session: Session, actor: Actor, subscription_id: int, data: Mapping[str, Any]) -> Subscription:
    subscription = get_own(session, actor, subscription_id)
    values = schemas.load(SubscriptionSchema(), {**data, "kind": subscription.kind.value})
    params = clean_params(data.get("params"))
    validate_params(session, subscription.kind, params)
    subscription.params = params
    subscription.name = values.get("name") or default_name(params, subscription.kind)
    if values.get("frequency"):
        subscription.frequency = Frequency(values["frequency"])
    return subscription


def set_active(session: Session, actor: Actor, subscription_id: int, active: bool) -> Subscription:
    """Mute (pause) or resume alerts; the search itself is kept."""
    subscription = get_own(session, actor, subscription_id)
    subscription.active = active
    return subscription


def delete_subscription(session: Session, actor: Actor, subscription_id: int) -> None:
    subscription = get_own(session, actor, subscription_id)
    session.delete(subscription)
    session.flush()


def subscriptions_of(session: Session, actor: Actor) -> list[Subscription]:
    if actor.user_id is None:
        raise deny()
    return list(session.scalars(
        sa.select(Subscription).where(Subscription.user_id == actor.user_id).order_by(Subscription.created_at.desc(), Subscription.id.desc())
    ))


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="birzha.subscriptions.unsubscribe")


def unsubscribe_token(secret_key: str, subscription_id: int) -> str:
    return _serializer(secret_key).dumps(subscription_id)


def unsubscribe(session: Session, token: str, secret_key: str) -> Subscription:
    """One-click unsubscribe from an alert e-mail: the signed token is the authority; alerts stop."""
    try:
        subscription_id = int(_serializer(secret_key).loads(token))
    except (BadSignature, ValueError, TypeError):
        raise ValidationFailed({"token": [_l("This link is not valid.")]}) from None
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound(_l("This saved search no longer exists."))
    subscription.active = False
    return subscription
