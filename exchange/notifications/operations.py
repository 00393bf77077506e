"""Notifications: create them (with their deliveries), the inbox, preferences, Telegram linking,
and organisations contacting candidates (R-EMP-14, R-AG-12, R-AG-13).

Nothing here talks to a provider: :func:`notify` records what to send and emits
``notification.created``; after commit the consumer sends (see :mod:`.sending`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from exchange import outbox, schemas
from exchange.accounts.models import User
from exchange.auth import Actor, deny, require_org
from exchange.db import chunks, utcnow
from exchange.errors import Conflict, NotFound, ValidationFailed, field_error
from exchange.i18n import LOCALES
from exchange.i18n import lazy_gettext as _l
from exchange.notifications.catalogue import CALL, DELIVERY_CHANNELS, EMAIL, EVENT_TYPES, INBOX, SMS, TELEGRAM
from exchange.notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference, TelegramLink
from exchange.organisations.models import Organisation
from exchange.seekers.models import SeekerProfile
from exchange.timeutil import ALMATY, local_today, to_local

DEFAULTS = "*"  # preference row holding the global channel switches and quiet hours
DEFERRED_IN_QUIET_HOURS = (SMS, CALL, TELEGRAM)  # e-mail and the inbox wait silently anyway
LINK_TOKEN_TTL = dt.timedelta(hours=1)


@dataclass
class Addressee:
    user: User | None
    seeker: SeekerProfile | None

    @property
    def key(self) -> str:
        return f"u{self.user.id}" if self.user else f"s{self.seeker.id}"  # type: ignore[union-attr]

    @property
    def locale(self) -> str:
        return self.user.locale if self.user and self.user.locale in LOCALES else "ru"

    def address(self, session: Session, channel: str) -> str | None:
        if channel == EMAIL:
            return (self.user.email if self.user else None) or (self.seeker.email if self.seeker else None)
        if channel in (SMS, CALL):
            return (self.seeker.phone if self.seeker else None) or (self.user.phone if self.user else None)
        if channel == TELEGRAM and self.user is not None:
            chat = session.scalar(
                sa.select(TelegramLink.chat_id).where(TelegramLink.user_id == self.user.id, TelegramLink.linked_at.is_not(None))
            )
            return str(chat) if chat is not None else None
        return None


def resolve(session: Session, user_id: int | None, seeker_id: int | None) -> Addressee:
    seeker = session.get(SeekerProfile, seeker_id) if seeker_id else None
    if seeker_id and seeker is None:
        raise NotFound(_l("No such job seeker."))
    if user_id is None and seeker is None:
        raise ValueError("a notification needs a user or a seeker")
    if user_id is None and seeker is not None and seeker.user_id is not None:
        user_id = seeker.user_id
    user = session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise NotFound()
    if seeker is None and user is not None:
        seeker = session.scalar(sa.select(SeekerProfile).where(SeekerProfile.user_id == user.id))
    return Addressee(user, seeker)


# --- preferences --------------------------------------------------------------------

def _preferences(session: Session, user_id: int) -> dict[str, NotificationPreference]:
    rows = session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    return {row.event_type: row for row in rows}


def channels_from(prefs: dict[str, Any], event_type: str, wanted: tuple[str, ...] | None = None) -> list[str]:
    """The delivery channels (not the inbox) for this event type, given the person's preference rows."""
    event = EVENT_TYPES[event_type]
    chosen = [c for c in (wanted or event.channels) if c != INBOX]
    if not event.configurable:
        return chosen
    own = prefs.get(event_type)
    if own is not None:
        chosen = [c for c in chosen if c in own.channels] if wanted else list(own.channels)
    defaults = prefs.get(DEFAULTS)
    if defaults is not None:
        chosen = [c for c in chosen if c in defaults.channels]
    return [c for c in DELIVERY_CHANNELS if c in chosen]


def effective_channels(session: Session, user_id: int | None, event_type: str, wanted: tuple[str, ...] | None = None) -> list[str]:
    """The delivery channels (not the inbox) a person gets for this event type."""
    event = EVENT_TYPES[event_type]
    if user_id is None or not event.configurable:
        return [c for c in (wanted or event.channels) if c != INBOX]
    return channels_from(_preferences(session, user_id), event_type, wanted)


def quiet_end(row: Any, moment: dt.datetime) -> dt.datetime | None:
    """When quiet hours (a '*' preference row, or None) end, if ``moment`` falls inside them (Asia/Almaty)."""
    if row is None or row.quiet_from is None or row.quiet_until is None or row.quiet_from == row.quiet_until:
        return None
    local = to_local(moment)
    now_t, start, end = local.time(), row.quiet_from, row.quiet_until
    wraps = start > end  # e.g. 22:00–08:00
    inside = (now_t >= start or now_t < end) if wraps else (start <= now_t < end)
    if not inside:
        return None
    end_day = local.date() + dt.timedelta(days=1) if wraps and now_t >= start else local.date()
    return dt.datetime.combine(end_day, end, tzinfo=ALMATY).astimezone(dt.UTC)


def in_quiet_hours(session: Session, user_id: int | None, moment: dt.datetime) -> dt.datetime | None:
    """When the person's quiet hours end, if ``moment`` falls inside them (Asia/Almaty wall clock)."""
    if user_id is None:
        return None
    row = session.scalar(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user_id, NotificationPreference.event_type == DEFAULTS)
    )
    return quiet_end(row, moment)


def _parse_time(value: Any, field: str) -> dt.time | None:
    if value in (None, ""):
        return None
    try:
        hours, minutes = str(value).strip().split(":")[:2]
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise field_error(field, _l("Enter a time as HH:MM, e.g. 22:00.")) from None


def preferences_view(session: Session, actor: Actor, user_id: int) -> dict[str, Any]:
    """What the preferences page shows: each event type's channels, global switches, quiet hours."""
    _require_self(actor, user_id)
    prefs = _preferences(session, user_id)
    defaults = prefs.get(DEFAULTS)
    return {
        "events": {
            key: (list(prefs[key].channels) if key in prefs else [c for c in e.channels if c != INBOX])
            for key, e in EVENT_TYPES.items() if e.configurable
        },
        "enabled": list(defaults.channels) if defaults else list(DELIVERY_CHANNELS),
        "quiet_from": defaults.quiet_from.strftime("%H:%M") if defaults and defaults.quiet_from else "",
        "quiet_until": defaults.quiet_until.strftime("%H:%M") if defaults and defaults.quiet_until else "",
    }


def _require_self(actor: Actor, user_id: int) -> None:
    if not (actor.is_admin or actor.user_id == user_id):
        raise deny()


def allowed_channels(event_type: str) -> tuple[str, ...]:
    # Automatic calls are for messages an organisation sends itself (R-AG-13), not for every alert.
    return DELIVERY_CHANNELS if event_type == "organisation_message" else (EMAIL, SMS, TELEGRAM)


def set_preferences(session: Session, actor: Actor, user_id: int, data: dict[str, Any]) -> None:
    """``data``: {"events": {event_type: [channels]}, "enabled": [channels], "quiet_from", "quiet_until"}."""
    _require_self(actor, user_id)
    errors: dict[str, list] = {}
    events = data.get("events") or {}
    for key, channels in events.items():
        if key not in EVENT_TYPES or not EVENT_TYPES[key].configurable:
            errors[f"events.{key}"] = [_l("Unknown notification type.")]
        elif any(c not in allowed_channels(key) for c in channels):
            errors[f"events.{key}"] = [_l("This channel is not available for this notification.")]
    enabled = list(data.get("enabled", DELIVERY_CHANNELS))
    if any(c not in DELIVERY_CHANNELS for c in enabled):
        errors["enabled"] = [_l("Unknown channel.")]
    quiet_from = quiet_until = None
    try:
        quiet_from = _parse_time(data.get("quiet_from"), "quiet_from")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        quiet_until = _parse_time(data.get("quiet_until"), "quiet_until")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if (quiet_from is None) != (quiet_until is None) and "quiet_from" not in errors and "quiet_until" not in errors:
        errors["quiet_until"] = [_l("Give both the start and the end of quiet hours, or neither.")]
    if errors:
        raise ValidationFailed(errors)
    prefs = _preferences(session, user_id)
    for key, channels in events.items():
        row = prefs.get(key) or NotificationPreference(user_id=user_id, event_type=key)
        row.channels = [c for c in DELIVERY_CHANNELS if c in channels]
        session.add(row)
    defaults = prefs.get(DEFAULTS) or NotificationPreference(user_id=user_id, event_type=DEFAULTS)
    defaults.channels = [c for c in DELIVERY_CHANNELS if c in enabled]
    defaults.quiet_from, defaults.quiet_until = quiet_from, quiet_until
    session.add(defaults)
    session.flush()


def _unsubscribe_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="birzha.notifications.unsubscribe")


def unsubscribe_token(secret_key: str, user_id: int, event_type: str) -> str:
    return _unsubscribe_serializer(secret_key).dumps([user_id, event_type])


def unsubscribe(session: Session, token: str, secret_key: str) -> tuple[User, str]:
    """One-click e-mail unsubscribe for one event type; the signed token is the authority."""
    try:
        user_id, event_type = _unsubscribe_serializer(secret_key).loads(token)
    except (BadSignature, ValueError):
        raise ValidationFailed({"token": [_l("This link is not valid.")]}) from None
    user = session.get(User, user_id)
    if user is None or event_type not in EVENT_TYPES:
        raise ValidationFailed({"token": [_l("This link is not valid.")]})
    current = effective_channels(session, user.id, event_type)
    row = _preferences(session, user.id).get(event_type) or NotificationPreference(user_id=user.id, event_type=event_type)
    row.channels = [c for c in current if c != EMAIL]
    session.add(row)
    session.flush()
    return user, event_type


# --- creating notifications ---------------------------------------------------------------

def notify(
    session: Session,
    recipient_user_id: int | None,
    event_type: str,
    context: dict[str, Any],
    channels: list[str] | tuple[str, ...] | None = None,
    *,
    seeker_id: int | None = None,
    event_id: int | None = None,
    dedupe_key: str | None = None,
    organisation_id: int | None = None,
) -> Notification:
    """Record a notification for a person (by account, or by seeker profile) and queue its deliveries.

    Idempotent per (event, recipient, type): called again for the same outbox event it
    returns the first notification, so a retried consumer never sends twice.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown notification type {event_type!r}")
    event = EVENT_TYPES[event_type]
    person = resolve(session, recipient_user_id, seeker_id)
    if dedupe_key is None:
        dedupe_key = f"e{event_id}:{person.key}:{event_type}" if event_id is not None else f"x{uuid.uuid4().hex}"
    existing = session.scalar(sa.select(Notification).where(Notification.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    notification = Notification(
        user_id=person.user.id if person.user else None,
        seeker_id=person.seeker.id if person.seeker else None,
        event_type=event_type,
        event_id=event_id,
        dedupe_key=dedupe_key,
        locale=person.locale,
        context=dict(context),
        organisation_id=organisation_id,
        # Messages that do not belong in the inbox (password reset), or people without an account, start read.
        read_at=None if (event.inbox and person.user) else utcnow(),
    )
    session.add(notification)
    session.flush()
    now = utcnow()
    quiet_until = in_quiet_hours(session, notification.user_id, now) if event.configurable else None
    for channel in effective_channels(session, notification.user_id, event_type, tuple(channels) if channels else None):
        address = person.address(session, channel)
        session.add(Delivery(
            notification_id=notification.id,
            channel=Channel(channel),
            address=address,
            idempotency_key=f"{dedupe_key}:{channel}",
            status=DeliveryStatus.QUEUED if address else DeliveryStatus.SKIPPED,
            error=None if address else "no address for this channel",
            next_attempt_at=quiet_until if (quiet_until and channel in DEFERRED_IN_QUIET_HOURS) else now,
            organisation_id=organisation_id,
        ))
    session.flush()
    outbox.emit(session, "notification.created", "notification", notification.id, {"notification_id": notification.id})
    return notification


@dataclass(frozen=True)
class Bulk:
    """One notification for :func:`notify_users`: a user, what to say, and its idempotency key."""

    user_id: int
    context: dict[str, Any]
    dedupe_key: str


IN_CHUNK = 5000  # ids per IN (...) list
ROWS_CHUNK = 500  # rows per multi-row INSERT (keeps SQLite under its bound-parameter limit)


def _insert_for(session: Session):
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def notify_users(session: Session, event_type: str, items: list[Bulk], now: dt.datetime | None = None) -> list[int]:
    """Create many notifications for accounts at once (e.g. every alert of a matching batch).

    The same rules as :func:`notify` — channels from each person's preferences, quiet
    hours, addresses, one notification per dedupe key and one delivery per idempotency
    key — but with a fixed number of statements per batch instead of ~10 per person:
    recipients, preferences and Telegram links are read in bulk, and notifications,
    deliveries and their ``notification.created`` outbox events are each written with
    multi-row INSERT … ON CONFLICT DO NOTHING. Returns the ids of the notifications
    created now (an item whose dedupe key exists already is skipped, so a retry adds nothing).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown notification type {event_type!r}")
    if not items:
        return []
    event = EVENT_TYPES[event_type]
    now = now or utcnow()
    user_ids = sorted({item.user_id for item in items})
    users: dict[int, Any] = {}
    seekers: dict[int, Any] = {}
    prefs: dict[int, dict[str, Any]] = {}
    chats: dict[int, int] = {}
    for chunk in chunks(user_ids, IN_CHUNK):
        users.update((r.id, r) for r in session.execute(
            sa.select(User.id, User.locale, User.email, User.phone).where(User.id.in_(chunk))))
        seekers.update((r.user_id, r) for r in session.execute(
            sa.select(SeekerProfile.user_id, SeekerProfile.id, SeekerProfile.email, SeekerProfile.phone)
            .where(SeekerProfile.user_id.in_(chunk))))
        for row in session.scalars(sa.select(NotificationPreference).where(
                NotificationPreference.user_id.in_(chunk), NotificationPreference.event_type.in_([event_type, DEFAULTS]))):
            prefs.setdefault(row.user_id, {})[row.event_type] = row
        chats.update((r.user_id, r.chat_id) for r in session.execute(sa.select(TelegramLink.user_id, TelegramLink.chat_id).where(
            TelegramLink.user_id.in_(chunk), TelegramLink.linked_at.is_not(None), TelegramLink.chat_id.is_not(None))))

    def address(user: Any, seeker: Any, channel: str) -> str | None:
        if channel == EMAIL:
            return user.email or (seeker.email if seeker else None)
        if channel in (SMS, CALL):
            return (seeker.phone if seeker else None) or user.phone
        if channel == TELEGRAM:
            chat = chats.get(user.id)
            return str(chat) if chat is not None else None
        return None

    wanted = [item for item in items if item.user_id in users]
    # Core statements on the tables, run "executemany" style: compiled once (cached), sent
    # as multi-row INSERTs by SQLAlchemy's insertmanyvalues with RETURNING where needed.
    insert = _insert_for(session)
    new_notifications = (insert(Notification.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
                         .returning(Notification.__table__.c.id, Notification.__table__.c.dedupe_key))
    created: dict[str, int] = {}
    for chunk in chunks(wanted, ROWS_CHUNK):
        rows = [{
            "user_id": item.user_id,
            "seeker_id": seekers[item.user_id].id if item.user_id in seekers else None,
            "event_type": event_type, "event_id": None, "dedupe_key": item.dedupe_key,
            "locale": users[item.user_id].locale if users[item.user_id].locale in LOCALES else "ru",
            "context": dict(item.context), "organisation_id": None,
            "read_at": None if event.inbox else now, "created_at": now,
        } for item in chunk]
        created.update((key, nid) for nid, key in session.execute(new_notifications, rows))
    if not created:
        return []
    deliveries: list[dict[str, Any]] = []
    for item in wanted:
        nid = created.get(item.dedupe_key)
        if nid is None:
            continue
        user, seeker, own = users[item.user_id], seekers.get(item.user_id), prefs.get(item.user_id, {})
        quiet_until = quiet_end(own.get(DEFAULTS), now) if event.configurable else None
        for channel in channels_from(own, event_type):
            to = address(user, seeker, channel)
            deliveries.append({
                "notification_id": nid, "channel": Channel(channel), "address": to,
                "idempotency_key": f"{item.dedupe_key}:{channel}",
                "status": DeliveryStatus.QUEUED if to else DeliveryStatus.SKIPPED,
                "error": None if to else "no address for this channel", "attempts": 0,
                "next_attempt_at": quiet_until if (quiet_until and channel in DEFERRED_IN_QUIET_HOURS) else now,
                "organisation_id": None, "created_at": now, "updated_at": now,
            })
    if deliveries:
        session.execute(insert(Delivery.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"]), deliveries)
    ids = sorted(created.values())
    events = [{"topic": "notification.created", "aggregate_type": "notification", "aggregate_id": nid,
               "payload": {"notification_id": nid}, "actor_user_id": None, "created_at": now, "attempts": 0} for nid in ids]
    table = outbox.OutboxEvent.__table__
    pending = list(session.scalars(sa.insert(table).returning(table.c.id), events))
    outbox.track(session, pending)
    return ids


# --- the inbox ---------------------------------------------------------------------------

def inbox(session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 20, offset: int = 0) -> tuple[list[Notification], int]:
    if actor.user_id is None:
        raise deny()
    base = sa.select(Notification).where(Notification.user_id == actor.user_id, Notification.event_type != "password_reset")
    if unread_only:
        base = base.where(Notification.read_at.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    item = session.get(Notification, notification_id)
    if item is None or item.user_id is None:
        raise NotFound()
    _require_self(actor, item.user_id)
    if item.read_at is None:
        item.read_at = utcnow()
    return item


def mark_all_read(session: Session, actor: Actor) -> int:
    if actor.user_id is None:
        raise deny()
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- Telegram linking ------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_telegram_link(session: Session, actor: Actor) -> str:
    """A one-time deep-link token for ``t.me/<bot>?start=<token>`` (valid one hour)."""
    if actor.user is None:
        raise deny()
    link = session.scalar(sa.select(TelegramLink).where(TelegramLink.user_id == actor.user_id))
    if link is None:
        link = TelegramLink(user_id=actor.user_id)
        session.add(link)
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-], within Telegram's 64
    link.token_hash = _hash(token)
    link.token_expires_at = utcnow() + LINK_TOKEN_TTL
    session.flush()
    return token


def complete_telegram_link(session: Session, token: str, chat_id: int, username: str | None) -> User:
    """The bot got ``/start <token>``: tie that chat to the account the token was made for."""
    link = session.scalar(sa.select(TelegramLink).where(TelegramLink.token_hash == _hash(token or "")))
    if link is None or link.token_expires_at is None or link.token_expires_at < utcnow():
        raise ValidationFailed({"token": [_l("This link is not valid or has expired. Make a new one in your cabinet.")]})
    other = session.scalar(sa.select(TelegramLink).where(TelegramLink.chat_id == chat_id, TelegramLink.id != link.id))
    if other is not None:  # the chat was linked to another account: that link ends
        other.chat_id, other.linked_at = None, None
        session.flush()
    link.chat_id = chat_id
    link.telegram_username = (username or "")[:64] or None
    link.linked_at = utcnow()
    link.token_hash = link.token_expires_at = None
    link.dialog = {}
    session.flush()
    outbox.emit(session, "telegram.linked", "user", link.user_id, {}, link.user_id)
    user = session.get(User, link.user_id)
    assert user is not None
    return user


def telegram_link_for_chat(session: Session, chat_id: int) -> TelegramLink | None:
    return session.scalar(sa.select(TelegramLink).where(TelegramLink.chat_id == chat_id, TelegramLink.linked_at.is_not(None)))


def telegram_status(session: Session, user_id: int) -> TelegramLink | None:
    return session.scalar(sa.select(TelegramLink).where(TelegramLink.user_id == user_id))


def unlink_telegram(session: Session, actor: Actor) -> bool:
    if actor.user is None:
        raise deny()
    link = session.scalar(sa.select(TelegramLink).where(TelegramLink.user_id == actor.user_id))
    if link is None or link.linked_at is None:
        return False
    link.chat_id, link.linked_at, link.telegram_username, link.dialog = None, None, None, {}
    # Telegram deliveries still waiting would go nowhere now.
    session.execute(
        sa.update(Delivery)
        .where(Delivery.channel == Channel.TELEGRAM, Delivery.status == DeliveryStatus.QUEUED,
               Delivery.notification_id.in_(sa.select(Notification.id).where(Notification.user_id == actor.user_id)))
        .values(status=DeliveryStatus.SKIPPED, error="Telegram unlinked")
        .execution_options(synchronize_session=False)
    )
    outbox.emit(session, "telegram.unlinked", "user", actor.user_id, {}, actor.user_id)
    return True


# --- organisations contacting candidates ---------------------------------------------------------

class ContactSchema(schemas.InputSchema):
    channel = schemas.text(required=True, max_len=10)
    message = schemas.text(required=True, max_len=400, min_len=2)


CONTACT_CHANNELS = (SMS, CALL, EMAIL)


def capped_today(session: Session, organisation_id: int) -> int:
    """SMS and calls the organisation sent to candidates since local midnight."""
    start = dt.datetime.combine(local_today(), dt.time(0, 0), tzinfo=ALMATY).astimezone(dt.UTC)
    return session.scalar(
        sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.organisation_id == organisation_id,
            Delivery.channel.in_([Channel.SMS, Channel.CALL]),
            Delivery.created_at >= start,
        )
    ) or 0


def contact_candidate(session: Session, actor: Actor, seeker_id: int, data: dict[str, Any], *, daily_cap: int) -> Notification:
    """An employer, agency or centre texts, calls or e-mails a candidate.

    Only candidates who applied to the organisation, were referred or invited there, or
    whose data the organisation may see (they gave it their consent), and SMS plus
    calls are capped per organisation per day.
    """
    from exchange.seekers import operations as seekers

    if actor.organisation_id is None:
        raise deny(_l("Choose the organisation you act for."))
    require_org(session, actor, actor.organisation_id)
    values = schemas.load(ContactSchema(), data)
    if values["channel"] not in CONTACT_CHANNELS:
        raise field_error("channel", _l("Choose SMS, a call or e-mail."))
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None:
        raise NotFound(_l("No such job seeker."))
    if not seekers.can_view_private(session, actor, profile):
        raise deny(_l("You can contact only candidates who applied to you or agreed to be contacted."))
    if values["channel"] in (SMS, CALL) and capped_today(session, actor.organisation_id) >= daily_cap:
        raise Conflict(_l("Your organisation has used today's limit of %(n)s SMS and calls.", n=daily_cap))
    organisation = session.get(Organisation, actor.organisation_id)
    assert organisation is not None
    notification = notify(
        session, None, "organisation_message",
        {"organisation": organisation.name, "message": values["message"]},
        [values["channel"]], seeker_id=profile.id, organisation_id=organisation.id,
    )
    delivery = session.scalar(
        sa.select(Delivery).where(Delivery.notification_id == notification.id, Delivery.channel == values["channel"])
    )
    if delivery is None:
        raise Conflict(_l("This person does not accept messages through this channel."))
    if delivery.status == DeliveryStatus.SKIPPED:
        raise field_error("channel", _l("We have no phone number or e-mail for this person."))
    return notification
