"""Choice lists for the portal's forms, in the visitor's language."""

from __future__ import annotations

from exchange import labels
from exchange.classifiers import operations as classifiers
from exchange.i18n import get_locale
from exchange.lifecycle import db_session


def profile_choices() -> dict:
    """Everything a resume or vacancy form offers to choose from."""
    s, locale = db_session(), str(get_locale())
    regions = [
        (e.code, ("— " if e.level > 1 else "") + e.name(locale)) for e in classifiers.CACHE.scheme(s, "kato").values()
    ]
    return {
        "regions": regions,
        "occupations": sorted(
            ((e.code, f"{e.name(locale)} ({e.code})") for e in classifiers.CACHE.scheme(s, "isco").values() if e.level == 4),
            key=lambda c: c[1],
        ),
        "education_levels": classifiers.choices(s, "education", locale),
        "languages": classifiers.choices(s, "language", locale),
        "licences": classifiers.choices(s, "licence", locale),
        "employment_types": labels.choices("employment_type"),
        "schedules": labels.choices("schedule"),
        "regimes": labels.choices("working_regime"),
        "kinds": labels.choices("vacancy_kind"),
    }
