"""Who sees which district's filings and figures.

Every filing (layoff notice, forecast, training application) and every report row
belongs to one KATO district. An employment centre serves one district (its
``kato_code``) and sees that district only; administrators see the whole country
and may narrow it to a region or a district. Nobody else sees district-wide data.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange.auth import Actor
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l


def district_error(session: Session, code: str | None) -> object | None:
    """The message for a code that is not a district (level 2) of the KATO classifier, else None."""
    entry = classifiers.get(session, Scheme.KATO, code)
    if entry is None:
        return _l("Choose a region or district from the list.")
    if entry.level < 2:
        return _l("Choose a district or city, not a whole region.")
    return None


def region_error(session: Session, code: str | None) -> object | None:
    """The message for a code that is not a KATO region or district, else None."""
    return None if classifiers.exists(session, Scheme.KATO, code) else _l("Choose a region or district from the list.")


def is_centre_staff(actor: Actor) -> bool:
    return actor.is_centre_staff and actor.organisation is not None and bool(actor.organisation.kato_code)


def can_see_district(actor: Actor, district: str | None) -> bool:
    """Centre staff see their own district; administrators see every district."""
    if actor.is_admin:
        return True
    return is_centre_staff(actor) and district is not None and actor.organisation.kato_code == district


def visible_districts(session: Session, actor: Actor, area: str | None = None) -> set[str] | None:
    """The districts whose data the actor may see, narrowed to ``area`` (a region or district).

    ``None`` means "every district" (an administrator without a narrowing area); an
    empty set means nothing. A centre asking for another area still gets only its own.
    """
    if actor.is_admin:
        if not area:
            return None
        if region_error(session, area):
            raise ValidationFailed({"area": [_l("Choose a region or district from the list.")]})
        return classifiers.descendants(session, Scheme.KATO, area)
    if is_centre_staff(actor):
        return {actor.organisation.kato_code}
    return set()


def region_of(session: Session, district: str | None) -> str | None:
    return classifiers.region_of(session, district)


def occupation_error(session: Session, code: str | None) -> object | None:
    """The message for a code that is not an ISCO-08 unit group (4 digits), else None."""
    entry = classifiers.get(session, Scheme.ISCO, code)
    if entry is None or entry.level != 4:
        return _l("Choose an occupation from the classifier.")
    return None
