"""Helpers the resource modules share: keyset paging, rendering records the way the caller may see them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import fields as mm_fields
from sqlalchemy.orm import Session

from exchange import audit, schemas
from exchange.api import feed
from exchange.api.serializers import ResumeOut, VacancyOut
from exchange.auth import Actor
from exchange.db import utcnow
from exchange.resumes.models import Resume, Visibility
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile
from exchange.vacancies.models import Vacancy


class PageQuery(schemas.InputSchema):
    cursor = schemas.text(max_len=60, metadata={"description": "next_cursor of the previous page"})
    limit = schemas.integer(minimum=1, maximum=200, load_default=50)


def page(session: Session, stmt, model, query: dict[str, Any]) -> tuple[list[Any], str | None]:
    """Keyset paging by id: stable under concurrent inserts, cheap at any depth."""
    after = feed.decode_cursor(query.get("cursor"), field="cursor", kind="p")
    limit = query.get("limit") or 50
    rows = list(session.scalars(stmt.where(model.id > after).order_by(model.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (feed.encode_cursor(rows[-1].id, "p") if more and rows else None)


def seeker_brief(session: Session, actor: Actor | None, resume: Resume) -> dict[str, Any]:
    profile = resume.seeker
    brief: dict[str, Any] = {"id": profile.id, "first_name": profile.first_name, "last_name": None, "middle_name": None,
                             "phone": None, "email": None}
    if actor is not None and seekers.can_view_private(session, actor, profile):
        brief.update(last_name=profile.last_name, middle_name=profile.middle_name, phone=profile.phone, email=profile.email)
    return brief


def prepare_resumes(session: Session, actor: Actor | None, resumes: list[Resume], action: str = "view") -> list[Resume]:
    """Attach what the caller may see of each person, and audit the personal data handed out."""
    for resume in resumes:
        resume.api_seeker = seeker_brief(session, actor, resume)
    if actor is not None and resumes:
        audit.record(
            session, actor, action, "resume", resumes[0].id if len(resumes) == 1 else None,
            resume_ids=[r.id for r in resumes][:500], api=True,
        )
    return resumes


# Schema instances are costly to build and safe to share for dumping.
_VACANCY_OUT = VacancyOut()
_RESUME_OUT = ResumeOut()


def public_vacancy_dict(vacancy: Vacancy) -> dict[str, Any]:
    return _VACANCY_OUT.dump(vacancy)


def public_resume_dict(resume: Resume) -> dict[str, Any]:
    resume.api_seeker = {"id": resume.seeker.id, "first_name": resume.seeker.first_name, "last_name": None,
                         "middle_name": None, "phone": None, "email": None}
    return _RESUME_OUT.dump(resume)


def comma_list(**kw) -> mm_fields.Field:
    return schemas.code_list(max_items=50, **kw)


def visible_public_resumes():
    """Resumes on the public portal now (the SQL form of ``Resume.is_public`` plus the consent)."""
    return (
        sa.select(Resume)
        .join(SeekerProfile, SeekerProfile.id == Resume.seeker_id)
        .where(
            Resume.visibility == Visibility.ACTIVE,
            Resume.published_at.is_not(None),
            sa.or_(Resume.expires_at.is_(None), Resume.expires_at > utcnow()),
            SeekerProfile.consent_publish_at.is_not(None),
        )
    )
