"""Organisations and their teams."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.accounts.models import AccountRole, User
from exchange.accounts.operations import find_by_email
from exchange.auth import Actor, deny, require_org
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.errors import Conflict, NotFound, ValidationFailed, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import MemberRole, Membership, Organisation, OrganisationKind

# Which account role may belong to which kind of organisation.
ROLE_FOR_KIND = {
    OrganisationKind.EMPLOYER: AccountRole.EMPLOYER,
    OrganisationKind.AGENCY: AccountRole.AGENCY,
    OrganisationKind.CENTRE: AccountRole.CENTRE,
}


class OrganisationSchema(schemas.InputSchema):
    kind = schemas.enum(OrganisationKind, required=True)
    name = schemas.text(required=True, max_len=300, min_len=2)
    bin = schemas.bin_()
    registry_number = schemas.text(max_len=40)
    kato_code = schemas.code(required=True, max_len=9)
    address = schemas.text(max_len=300)
    phone = schemas.phone()
    email = schemas.email()
    website = schemas.text(max_len=300)
    description = schemas.text(max_len=5000)


def _validate(session: Session, values: dict[str, Any], kind: OrganisationKind) -> None:
    errors: dict[str, list] = {}
    if kind in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY) and not values.get("bin"):
        errors["bin"] = [_l("Employers and agencies are identified by their BIN.")]
    if kind == OrganisationKind.AGENCY and not values.get("registry_number"):
        errors["registry_number"] = [_l("Private employment agencies must give their registry number.")]
    entry = classifiers.get(session, Scheme.KATO, values.get("kato_code"))
    if entry is None:
        errors["kato_code"] = [_l("Choose a region or district from the list.")]
    elif kind == OrganisationKind.CENTRE and entry.level < 2:
        errors["kato_code"] = [_l("An employment centre serves a district or city: choose one, not a whole region.")]
    if errors:
        raise ValidationFailed(errors)


def create_organisation(session: Session, actor: Actor, data: dict[str, Any]) -> Organisation:
    """Create an organisation with the acting person as its owner.

    Employers and agencies register themselves; employment centres are created by
    administrators.
    """
    values = schemas.load(OrganisationSchema(), data)
    kind = OrganisationKind(values["kind"])
    if kind == OrganisationKind.CENTRE:
        if not actor.is_admin:
            raise deny(_l("Employment centres are registered by administrators."))
    elif not actor.is_admin and (actor.user is None or actor.user.role != ROLE_FOR_KIND[kind]):
        raise deny()
    _validate(session, values, kind)
    if values.get("bin") and session.scalar(
        sa.select(Organisation.id).where(Organisation.kind == kind, Organisation.bin == values["bin"])
    ):
        raise field_error("bin", _l("An organisation with this BIN is already registered. Ask its owner to add you."))
    organisation = Organisation(**values)
    session.add(organisation)
    session.flush()
    if actor.user is not None and not actor.is_admin:
        session.add(Membership(user_id=actor.user.id, organisation_id=organisation.id, role=MemberRole.OWNER))
    outbox.emit(session, "organisation.created", "organisation", organisation.id, {"kind": kind.value}, actor.user_id)
    return organisation


def update_organisation(session: Session, actor: Actor, organisation_id: int, data: dict[str, Any]) -> Organisation:
    organisation = get_organisation(session, organisation_id)
    require_org(session, actor, organisation_id, manage=True)
    values = schemas.load(OrganisationSchema(), {**data, "kind": organisation.kind.value})
    values.pop("kind")
    _validate(session, values, organisation.kind)
    if values.get("bin") != organisation.bin and not actor.is_admin:
        # The BIN identifies the legal entity; changing it would move its history to another one.
        raise field_error("bin", _l("The BIN cannot be changed; contact an administrator."))
    for key, value in values.items():
        setattr(organisation, key, value)
    outbox.emit(session, "organisation.updated", "organisation", organisation.id, {}, actor.user_id)
    return organisation


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_l("No such organisation."))
    return organisation


def add_member(session: Session, actor: Actor, organisation_id: int, email: str, role: str = "member") -> Membership:
    organisation = get_organisation(session, organisation_id)
    require_org(session, actor, organisation_id, manage=True)
    try:
        member_role = MemberRole(role)
    except ValueError:
        raise field_error("role", _l("Choose one of: {choices}.").format(choices=", ".join(MemberRole))) from None
    user = find_by_email(session, email or "")
    if user is None:
        raise field_error("email", _l("No account with this e-mail. Ask the person to sign up first."))
    if user.role != ROLE_FOR_KIND[organisation.kind] and user.role != AccountRole.ADMIN:
        raise field_error("email", _l("This account is of another kind and cannot join this organisation."))
    if session.scalar(
        sa.select(Membership.id).where(Membership.user_id == user.id, Membership.organisation_id == organisation_id)
    ):
        raise Conflict(_l("This person is already a member."))
    member = Membership(user_id=user.id, organisation_id=organisation_id, role=member_role)
    session.add(member)
    session.flush()
    outbox.emit(session, "organisation.member_added", "organisation", organisation_id, {"user_id": user.id}, actor.user_id)
    return member


def remove_member(session: Session, actor: Actor, organisation_id: int, user_id: int) -> None:
    require_org(session, actor, organisation_id, manage=True)
    member = session.scalar(
        sa.select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    )
    if member is None:
        raise NotFound()
    owners = session.scalar(
        sa.select(sa.func.count()).where(
            Membership.organisation_id == organisation_id, Membership.role == MemberRole.OWNER
        )
    )
    if member.role == MemberRole.OWNER and owners <= 1:
        raise Conflict(_l("An organisation must keep at least one owner."))
    session.delete(member)
    outbox.emit(session, "organisation.member_removed", "organisation", organisation_id, {"user_id": user_id}, actor.user_id)


def members(session: Session, actor: Actor, organisation_id: int) -> list[tuple[Membership, User]]:
    require_org(session, actor, organisation_id)
    return list(
        session.execute(
            sa.select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == organisation_id)
            .order_by(Membership.role, User.full_name)
        ).tuples()
    )


def centres_for_district(session: Session, kato_code: str) -> list[Organisation]:
    return list(
        session.scalars(
            sa.select(Organisation).where(Organisation.kind == OrganisationKind.CENTRE, Organisation.kato_code == kato_code)
        )
    )
