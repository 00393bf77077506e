"""Who is acting, and the object-level permission checks every operation uses.

An :class:`Actor` is the same for every entry point: a signed-in person in the
portal, an API key (acting for its organisation), a linked Telegram user, the CLI or
a background job. Operations receive an actor and call the ``require_*`` helpers
below before they touch anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.accounts.models import AccountRole, User
from exchange.errors import PermissionDenied
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import MemberRole, Membership, Organisation, OrganisationKind


@dataclass
class Actor:
    user: User | None
    organisation: Organisation | None = None
    via: str = "web"
    scopes: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    is_system: bool = False

    @classmethod
    def system(cls, via: str = "job") -> Actor:
        """Background jobs and the CLI act with full rights, and say so in the audit log."""
        return cls(user=None, via=via, is_system=True)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.id if self.organisation else None

    @property
    def role(self) -> AccountRole | None:
        return self.user.role if self.user else None

    @property
    def is_admin(self) -> bool:
        return self.is_system or (self.user is not None and self.user.role == AccountRole.ADMIN)

    def in_org_kind(self, kind: OrganisationKind) -> bool:
        return self.organisation is not None and self.organisation.kind == kind

    @property
    def is_centre_staff(self) -> bool:
        return self.in_org_kind(OrganisationKind.CENTRE)

    def has_scope(self, scope: str) -> bool:
        # Scopes only narrow API keys; people in the portal act with their role's rights.
        return self.via != "api" or canonical_scope(scope) in self.scopes


def deny(message=None) -> PermissionDenied:
    return PermissionDenied(message or _l("You do not have permission to do this."))


def membership(session: Session, user: User | None, organisation_id: int) -> Membership | None:
    if user is None:
        return None
    return session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation_id)
    )


def user_organisations(session: Session, user: User) -> list[Organisation]:
    return list(
        session.scalars(
            sa.select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Organisation.active.is_(True))
            .order_by(Organisation.id)
        )
    )


def acts_for(actor: Actor, organisation_id: int | None) -> bool:
    """The actor works for this organisation right now (its current organisation)."""
    return actor.is_system or (organisation_id is not None and actor.organisation_id == organisation_id)


def require_org(session: Session, actor: Actor, organisation_id: int, *, manage: bool = False) -> None:
    """The actor acts for the organisation; ``manage`` also needs the owner or manager role."""
    if actor.is_admin:
        return
    if not acts_for(actor, organisation_id):
        raise deny()
    if actor.via == "api":
        return
    member = membership(session, actor.user, organisation_id)
    if member is None:
        raise deny()
    if manage and member.role not in (MemberRole.OWNER, MemberRole.MANAGER):
        raise deny(_l("Only the organisation's owner or a manager can do this."))


def require_scope(actor: Actor, scope: str) -> None:
    if not actor.has_scope(scope):
        raise deny(_l("This API key lacks the scope “%(scope)s”.", scope=canonical_scope(scope)))


# --- the one scope vocabulary of API keys ------------------------------------------
# ``<resource>:<action>``; every ``require_scope`` check, the key form, the OpenAPI
# document and docs/api.md use these names.
SCOPES: tuple[str, ...] = (
    "vacancies:read",
    "vacancies:write",
    "resumes:read",
    "resumes:write",
    "applications:read",
    "applications:write",
    "webhooks:manage",
)

# Names used before the vocabulary was unified. Keys stored with them keep exactly the
# access they had (mapped whenever a key is read), and a check still written with an old
# name asks for the new one, so no key silently loses or gains access.
LEGACY_SCOPES: dict[str, tuple[str, ...]] = {
    "read-public": ("vacancies:read",),
    "read-candidates": ("resumes:read",),
    "read-resumes": ("resumes:read",),
    "write-vacancies": ("vacancies:write",),
    "write-resumes": ("resumes:write",),
    "applications": ("applications:read", "applications:write"),
    "read-applications": ("applications:read",),
    "write-applications": ("applications:write",),
    "webhooks": ("webhooks:manage",),
}


def canonical_scope(scope: str) -> str:
    """The current name of a scope a check asks for (an old single-scope name maps to its successor)."""
    successors = LEGACY_SCOPES.get(scope)
    return successors[0] if successors and len(successors) == 1 else scope


def granted_scopes(stored: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """What a key's stored scope list grants, in current names (old names mapped, unknown ones dropped)."""
    out: set[str] = set()
    for scope in stored:
        if scope in SCOPES:
            out.add(scope)
        else:
            out.update(LEGACY_SCOPES.get(scope, ()))
    return frozenset(out)


def require_role(actor: Actor, *roles: AccountRole) -> None:
    if actor.is_admin:
        return
    if actor.role not in roles:
        raise deny()
