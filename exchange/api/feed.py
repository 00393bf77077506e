"""The change feed: an append-only log of public vacancies and resumes appearing, changing, going.

Appends are serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite
serialises writers anyway), so the order of ``id`` is the order of commits: a reader
that resumes after the last ``id`` it saw can never skip a row committed later with a
smaller one. Each append records the entity's state *as it is now* rather than what
the triggering event said, so events handled out of order still end on the true state.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.api.models import FeedEntry
from exchange.errors import field_error
from exchange.i18n import lazy_gettext as _l
from exchange.resumes.models import Resume
from exchange.vacancies.models import Vacancy

FEED_LOCK_KEY = 715_001  # names the feed's advisory lock (two-int form: this key, the schema)
ENTITY_TYPES = ("vacancy", "resume")


def encode_cursor(seq: int, kind: str = "f") -> str:
    return base64.urlsafe_b64encode(f"{kind}1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "since", kind: str = "f") -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        mark, _, number = text.partition(":")
        if mark != f"{kind}1" or not number.isdigit() or len(number) > 12:
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise field_error(field, _l("This cursor is not one the exchange gave out.")) from None


def encode_snapshot_cursor(after: int, head: int) -> str:
    return base64.urlsafe_b64encode(f"s1:{after}:{head}".encode()).decode().rstrip("=")


def decode_snapshot_cursor(cursor: str) -> tuple[int, int]:
    """(last id of the previous page, feed head when the snapshot began)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        mark, after, head = text.split(":")
        if mark != "s1" or not (after.isdigit() and head.isdigit()) or len(after) > 12 or len(head) > 12:
            raise ValueError(text)
        return int(after), int(head)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise field_error("cursor", _l("This cursor is not one the exchange gave out.")) from None


def is_public(session: Session, entity_type: str, entity_id: int) -> tuple[bool, int]:
    """Whether the record is on the public portal now, and its version (0 when it is gone)."""
    if entity_type == "vacancy":
        vacancy = session.get(Vacancy, entity_id, populate_existing=True)
        return (vacancy is not None and vacancy.is_public), (vacancy.version if vacancy else 0)
    resume = session.get(Resume, entity_id, populate_existing=True)
    if resume is None:
        return False, 0
    return (resume.is_public() and resume.seeker.consent_publish_at is not None), resume.version


def _lock(session: Session) -> None:
    # Advisory locks are database-wide; keying by schema keeps separate schemas (tests, benches) independent.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"), {"key": FEED_LOCK_KEY}
        )


def record(session: Session, event_id: int, entity_type: str, entity_id: int) -> FeedEntry | None:
    """Append the entity's current public state, unless it adds nothing (same as the last line)."""
    if entity_type not in ENTITY_TYPES or entity_id is None:
        return None
    _lock(session)
    if session.scalar(sa.select(FeedEntry.id).where(FeedEntry.event_id == event_id)) is not None:
        return None  # the same event delivered again
    public, version = is_public(session, entity_type, entity_id)
    op = "upsert" if public else "delete"
    last = session.scalar(
        sa.select(FeedEntry)
        .where(FeedEntry.entity_type == entity_type, FeedEntry.entity_id == entity_id)
        .order_by(FeedEntry.id.desc())
        .limit(1)
    )
    if op == "delete" and (last is None or last.op == "delete"):
        return None  # never public, or already gone: nothing for a follower to do
    if last is not None and last.op == op and last.version == version:
        return None
    entry = FeedEntry(event_id=event_id, entity_type=entity_type, entity_id=entity_id, op=op, version=version)
    session.add(entry)
    session.flush()
    return entry


def head(session: Session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(FeedEntry.id), 0))) or 0


def read(session: Session, since: int, limit: int, types: tuple[str, ...]) -> tuple[list[FeedEntry], int, bool]:
    """Entries after ``since`` in order; returns (entries, last id seen, more to read)."""
    rows = list(
        session.scalars(
            sa.select(FeedEntry).where(FeedEntry.id > since).order_by(FeedEntry.id).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].id if rows else since
    # Filtering after the window keeps the cursor moving past entries of types the caller cannot see.
    return [r for r in rows if r.entity_type in types], last, more


def attach_current(session: Session, entries: list[FeedEntry], render: dict[str, Any]) -> None:
    """Give each upsert the record as it is now (``None`` if it has since left the portal)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.op == "upsert":
            wanted.setdefault(entry.entity_type, set()).add(entry.entity_id)
    loaded: dict[tuple[str, int], Any] = {}
    for entity_type, ids in wanted.items():
        model = Vacancy if entity_type == "vacancy" else Resume
        for obj in session.scalars(sa.select(model).where(model.id.in_(ids))):
            loaded[(entity_type, obj.id)] = obj
    for entry in entries:
        obj = loaded.get((entry.entity_type, entry.entity_id))
        entry.api_data = None
        if entry.op == "upsert" and obj is not None and _public_now(obj):
            entry.api_data = render[entry.entity_type](obj)


def _public_now(obj: Vacancy | Resume) -> bool:
    if isinstance(obj, Vacancy):
        return obj.is_public
    return obj.is_public() and obj.seeker.consent_publish_at is not None
