"""Administrator operations: centres with staff accounts, account (de)activation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import audit, outbox
from exchange.accounts import operations as accounts
from exchange.accounts.models import AccountRole, User
from exchange.auth import Actor, deny
from exchange.errors import Conflict, NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import MemberRole, Membership, Organisation, OrganisationKind


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise deny(_l("Only administrators can do this."))


def create_centre_staff(session: Session, actor: Actor, centre_id: int, data: dict[str, Any]) -> User:
    """Create a staff account and make it a member of the employment centre in one step."""
    _require_admin(actor)
    centre = session.get(Organisation, centre_id)
    if centre is None or centre.kind != OrganisationKind.CENTRE:
        raise NotFound(_l("No such employment centre."))
    user = accounts.create_staff_account(session, actor, {**data, "role": AccountRole.CENTRE.value})
    role = MemberRole.MANAGER if data.get("manager") else MemberRole.MEMBER
    session.add(Membership(user_id=user.id, organisation_id=centre.id, role=role))
    session.flush()
    audit.record(session, actor, "create", "user", user.id, centre_id=centre.id)
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.user_id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    user.active = active
    audit.record(session, actor, "activate" if active else "deactivate", "user", user.id)
    outbox.emit(session, "account.activated" if active else "account.deactivated", "user", user.id, {}, actor.user_id)
    return user


def list_organisations(session: Session, actor: Actor, kind: str | None = None, query: str = "", limit: int = 100) -> list[Organisation]:
    _require_admin(actor)
    stmt = sa.select(Organisation).order_by(Organisation.kind, Organisation.name).limit(limit)
    if kind in {k.value for k in OrganisationKind}:
        stmt = stmt.where(Organisation.kind == kind)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(sa.or_(Organisation.name.ilike(like), Organisation.bin.like(like), Organisation.kato_code.like(like)))
    return list(session.scalars(stmt))


def find_users(session: Session, actor: Actor, query: str = "", limit: int = 50) -> list[User]:
    _require_admin(actor)
    stmt = sa.select(User).order_by(User.created_at.desc()).limit(limit)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(sa.or_(User.email.like(like), User.full_name.ilike(like)))
    return list(session.scalars(stmt))


def counts(session: Session, actor: Actor) -> dict[str, int]:
    _require_admin(actor)
    from exchange.resumes.models import Resume
    from exchange.seekers.models import Registration
    from exchange.vacancies.models import Vacancy, VacancyStatus

    def count(stmt) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0

    return {
        "users": count(sa.select(User.id)),
        "employers": count(sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.EMPLOYER)),
        "agencies": count(sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.AGENCY)),
        "centres": count(sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.CENTRE)),
        "published_vacancies": count(sa.select(Vacancy.id).where(Vacancy.status == VacancyStatus.PUBLISHED)),
        "resumes": count(sa.select(Resume.id)),
        "registered": count(sa.select(Registration.id).where(Registration.deregistered_at.is_(None))),
    }
