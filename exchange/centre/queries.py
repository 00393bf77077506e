"""What the centre cabinet lists: open vacancies to refer to, and who it already referred."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from exchange.applications.models import Application, ApplicationOrigin
from exchange.auth import Actor, deny, require_org
from exchange.i18n import lazy_gettext as _l
from exchange.vacancies.models import Vacancy, VacancyStatus


def _centre(session: Session, actor: Actor) -> int:
    if not (actor.is_centre_staff or actor.is_admin) or actor.organisation_id is None:
        raise deny(_l("Only employment-centre staff refer job seekers."))
    require_org(session, actor, actor.organisation_id)
    return actor.organisation_id


def open_vacancies(session: Session, actor: Actor, q: str = "", limit: int = 50) -> list[Vacancy]:
    """Published vacancies with free positions, the centre's own region first."""
    _centre(session, actor)
    region = (actor.organisation.kato_code or "")[:2]
    stmt = sa.select(Vacancy).where(Vacancy.status == VacancyStatus.PUBLISHED, Vacancy.positions_filled < Vacancy.positions)
    if q:
        stmt = stmt.where(Vacancy.title.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    in_region = sa.case((Vacancy.kato_code.startswith(region), 0), else_=1)
    return list(session.scalars(
        stmt.options(joinedload(Vacancy.organisation)).order_by(in_region, Vacancy.published_at.desc(), Vacancy.id.desc()).limit(limit)
    ))


def referred_to(session: Session, actor: Actor, vacancy_id: int) -> list[Application]:
    centre_id = _centre(session, actor)
    return list(session.scalars(
        sa.select(Application).where(Application.vacancy_id == vacancy_id, Application.centre_id == centre_id,
                                     Application.origin == ApplicationOrigin.REFERRAL)
        .options(joinedload(Application.seeker), joinedload(Application.resume), joinedload(Application.stage))
        .order_by(Application.id.desc())
    ))
