"""Sign-up, sign-in, password reset and profile changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from exchange import outbox, schemas
from exchange.accounts.models import AccountRole, User
from exchange.auth import Actor, deny
from exchange.db import utcnow
from exchange.errors import NotFound, ValidationFailed, field_error
from exchange.i18n import LOCALES
from exchange.i18n import lazy_gettext as _l

PUBLIC_ROLES = (AccountRole.SEEKER, AccountRole.EMPLOYER, AccountRole.AGENCY)
MIN_PASSWORD = 10


class SignUpSchema(schemas.InputSchema):
    email = schemas.email(required=True)
    password = schemas.text(required=True, max_len=200, min_len=MIN_PASSWORD)
    full_name = schemas.text(required=True, max_len=200, min_len=2)
    phone = schemas.phone()
    role = schemas.enum(AccountRole, required=True)
    locale = schemas.text(max_len=2)


class ProfileSchema(schemas.InputSchema):
    full_name = schemas.text(required=True, max_len=200, min_len=2)
    phone = schemas.phone()
    locale = schemas.text(max_len=2)


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def _check_password_strength(password: str) -> None:
    if password.isdigit() or (password.lower() == password and password.isalpha()):
        raise field_error("password", _l("Mix letters with digits or symbols."))


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def sign_up(session: Session, data: dict[str, Any], *, allow_roles: tuple[AccountRole, ...] = PUBLIC_ROLES) -> User:
    """Create an account; staff and admin accounts are made by administrators, not here."""
    values = schemas.load(SignUpSchema(), data)
    if values["role"] not in allow_roles:
        raise field_error("role", _l("This kind of account cannot be created here."))
    _check_password_strength(values["password"])
    email = values["email"].lower()
    if find_by_email(session, email) is not None:
        raise field_error("email", _l("An account with this e-mail already exists."))
    locale = values.get("locale") if values.get("locale") in LOCALES else "ru"
    user = User(
        email=email,
        password_hash=hash_password(values["password"]),
        full_name=values["full_name"],
        phone=values.get("phone"),
        role=AccountRole(values["role"]),
        locale=locale,
    )
    session.add(user)
    session.flush()
    outbox.emit(session, "account.created", "user", user.id, {"role": user.role.value}, user.id)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user for these credentials, or None; the same answer for unknown e-mail and bad password."""
    user = find_by_email(session, email or "")
    if user is None:
        # Spend the same time as a real check so response time does not reveal accounts.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_user_from_session_id(session: Session, session_id: str) -> User | None:
    try:
        user_id, stamp = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = session.get(User, user_id)
    if user is None or int(user.password_changed_at.timestamp()) != stamp:
        return None
    return user


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="birzha.password-reset")


def make_reset_token(user: User, secret_key: str) -> str:
    # The token carries the password-change stamp: once used (password changed) it stops working.
    return _reset_serializer(secret_key).dumps([user.id, int(user.password_changed_at.timestamp())])


def request_password_reset(session: Session, email: str, secret_key: str) -> str | None:
    """Queue a reset e-mail if the account exists; returns the token (None for unknown e-mail)."""
    user = find_by_email(session, email or "")
    if user is None or not user.active:
        return None
    # The e-mail consumer makes its own token when it sends; secrets never sit in the outbox.
    outbox.emit(session, "account.password_reset_requested", "user", user.id, {}, user.id)
    return make_reset_token(user, secret_key)


def reset_password(session: Session, token: str, new_password: str, secret_key: str, max_age: int) -> User:
    try:
        user_id, stamp = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed({"token": [_l("This link has expired. Ask for a new one.")]}) from None
    except BadSignature:
        raise ValidationFailed({"token": [_l("This link is not valid.")]}) from None
    user = session.get(User, user_id)
    if user is None or int(user.password_changed_at.timestamp()) != stamp:
        raise ValidationFailed({"token": [_l("This link has already been used.")]})
    set_password(session, user, new_password)
    return user


def set_password(session: Session, user: User, new_password: str) -> None:
    if not new_password or len(new_password) < MIN_PASSWORD:
        raise field_error("password", _l("Use at least %(n)s characters.", n=MIN_PASSWORD))
    if len(new_password) > 200:
        raise field_error("password", _l("Use at most %(n)s characters.", n=200))
    _check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    # Whole seconds, strictly later: invalidates other sessions and used reset links.
    now = utcnow().replace(microsecond=0)
    previous = user.password_changed_at
    if previous is not None and now <= previous:
        now = previous.replace(microsecond=0) + dt.timedelta(seconds=1)
    user.password_changed_at = now
    outbox.emit(session, "account.password_changed", "user", user.id, {}, user.id)


def update_profile(session: Session, actor: Actor, user_id: int, data: dict[str, Any]) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not (actor.is_admin or actor.user_id == user.id):
        raise deny()
    values = schemas.load(ProfileSchema(), data)
    user.full_name = values["full_name"]
    user.phone = values.get("phone")
    if values.get("locale") in LOCALES:
        user.locale = values["locale"]
    return user


def create_staff_account(session: Session, actor: Actor, data: dict[str, Any]) -> User:
    """Administrators create centre staff and other administrators."""
    if not actor.is_admin:
        raise deny()
    return sign_up(session, data, allow_roles=tuple(AccountRole))
