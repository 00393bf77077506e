"""Who may see a seeker's contacts because of an application (a PRIVATE_DATA_GRANTS entry)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.applications.models import Application
from exchange.vacancies.models import Vacancy


def shared_through_application(session: Session, organisation_id: int, seeker_id: int) -> bool:
    """The seeker applied to, accepted an invitation from, or agreed to be referred to this organisation.

    The employer, the agency or centre managing the vacancy, and the referring centre
    see the contacts; an invitation alone shares nothing until the seeker accepts it.
    """
    stmt = (
        sa.select(Application.id)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .where(
            Application.seeker_id == seeker_id,
            Application.consent_at.is_not(None),
            sa.or_(
                Application.organisation_id == organisation_id,
                Vacancy.source_organisation_id == organisation_id,
                Application.initiated_by_organisation_id == organisation_id,
                Application.centre_id == organisation_id,
            ),
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None
