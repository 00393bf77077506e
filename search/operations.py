"""Saved filter sets: an organisation keeps named candidate or vacancy searches (R-EMP-13)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import schemas
from exchange.auth import Actor, deny, require_org
from exchange.errors import Conflict, NotFound, field_error
from exchange.i18n import lazy_gettext as _l
from search import params as search_params
from search.models import SavedFilter

MAX_FILTERS = 50


class SavedFilterSchema(schemas.InputSchema):
    name = schemas.text(required=True, min_len=1, max_len=100)
    kind = schemas.text(required=True, max_len=10)


def _organisation(session: Session, actor: Actor) -> int:
    if actor.organisation_id is None:
        raise deny(_l("Saved filters belong to an organisation; choose one first."))
    require_org(session, actor, actor.organisation_id)
    return actor.organisation_id


def save_filter(session: Session, actor: Actor, data: dict[str, Any]) -> SavedFilter:
    """Save (or replace, by name) a filter set after checking it is a valid search."""
    organisation_id = _organisation(session, actor)
    values = schemas.load(SavedFilterSchema(), data)
    kind = values["kind"]
    if kind not in ("vacancy", "resume"):
        raise field_error("kind", _l("Unknown kind."))
    raw = data.get("params") or {}
    if not isinstance(raw, dict):
        raise field_error("params", _l("Not a valid value."))
    params = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in raw.items() if k != "cursor"}
    search_params.parse(session, kind, _Multi(params))  # raises ValidationFailed naming a bad parameter
    existing = session.scalar(
        sa.select(SavedFilter).where(SavedFilter.organisation_id == organisation_id, SavedFilter.kind == kind, SavedFilter.name == values["name"])
    )
    if existing is not None:
        existing.params = params
        session.flush()
        return existing
    count = session.scalar(sa.select(sa.func.count()).select_from(SavedFilter).where(SavedFilter.organisation_id == organisation_id))
    if (count or 0) >= MAX_FILTERS:
        raise Conflict(_l("An organisation keeps at most %(n)s saved filters; delete one first.", n=MAX_FILTERS))
    saved = SavedFilter(organisation_id=organisation_id, kind=kind, name=values["name"], params=params, created_by_user_id=actor.user_id)
    session.add(saved)
    session.flush()
    return saved


def list_filters(session: Session, actor: Actor, kind: str) -> list[SavedFilter]:
    organisation_id = _organisation(session, actor)
    return list(session.scalars(
        sa.select(SavedFilter).where(SavedFilter.organisation_id == organisation_id, SavedFilter.kind == kind).order_by(SavedFilter.name)
    ))


def delete_filter(session: Session, actor: Actor, filter_id: int) -> None:
    saved = session.get(SavedFilter, filter_id)
    if saved is None:
        raise NotFound()
    if saved.organisation_id != _organisation(session, actor):
        raise deny()
    session.delete(saved)
    session.flush()


class _Multi(dict):
    """Stored ``{name: [values]}`` read back like a query string."""

    def getlist(self, name: str) -> list[str]:
        return list(self.get(name) or [])
