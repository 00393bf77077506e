"""Human names, in the visitor's language, for every enumerated value shown on pages."""

from __future__ import annotations

from typing import Any

from exchange.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "account_role": {
        "seeker": _l("Job seeker"), "employer": _l("Employer"), "agency": _l("Private employment agency"),
        "centre": _l("Employment centre"), "admin": _l("Administrator"),
    },
    "organisation_kind": {
        "employer": _l("Employer"), "agency": _l("Private employment agency"), "centre": _l("Employment centre"),
    },
    "member_role": {"owner": _l("Owner"), "manager": _l("Manager"), "member": _l("Member")},
    "seeker_category": {
        "job_seeker": _l("Job seeker"), "unemployed": _l("Unemployed"), "self_employed": _l("Self-employed"),
        "to_be_laid_off": _l("To be laid off"),
    },
    "deregistration_reason": {
        "employed": _l("Employed"), "pension_contributions": _l("Pension contributions found"),
        "moved_away": _l("Moved away"), "refused_suitable_work": _l("Refused suitable work twice"),
        "own_request": _l("At own request"), "training": _l("Sent to training"), "pension_age": _l("Reached pension age"),
        "failed_to_appear": _l("Did not appear at the centre"), "false_information": _l("Gave false information"),
        "death": _l("Death"),
    },
    "visibility": {"active": _l("Active"), "hidden": _l("Hidden"), "archived": _l("Archived")},
    "source": {"self": _l("Published by the seeker"), "centre": _l("Published by the employment centre"), "agency": _l("Published by an agency"), "employer": _l("Employer")},
    "vacancy_status": {"draft": _l("Draft"), "published": _l("Published"), "closed": _l("Closed"), "archived": _l("Archived")},
    "vacancy_kind": {
        "regular": _l("Regular job"), "social_job": _l("Social job"), "youth_internship": _l("Youth internship"),
        "public_works": _l("Public works"),
    },
    "employment_type": {
        "full_time": _l("Full time"), "part_time": _l("Part time"), "temporary": _l("Temporary"),
        "seasonal": _l("Seasonal"), "project": _l("Project work"),
    },
    "schedule": {
        "five_day": _l("Five-day week"), "six_day": _l("Six-day week"), "shift": _l("Shift work"),
        "rotation": _l("Rotation (vakhta)"), "flexible": _l("Flexible"), "remote": _l("Remote"),
    },
    "working_regime": {
        "day": _l("Day time"), "night": _l("Night time"), "shifts": _l("In shifts"), "split": _l("Split day"),
        "reduced_hours": _l("Reduced hours"),
    },
    "close_reason": {
        "filled": _l("All positions filled"), "cancelled": _l("Cancelled"), "expired": _l("Expired"),
        "employer_request": _l("Closed by the employer"), "moderation": _l("Closed by moderation"),
    },
}

from exchange.applications.labels import LABELS as _application_labels  # noqa: E402

LABELS.update(_application_labels)
from exchange.pension.labels import LABELS as _pension_labels  # noqa: E402

LABELS.update(_pension_labels)
from exchange.reports.labels import LABELS as _filing_labels  # noqa: E402

LABELS.update(_filing_labels)


def label(group: str, value: Any) -> str:
    if value is None:
        return ""
    key = getattr(value, "value", value)
    return str(LABELS.get(group, {}).get(key, key))


def choices(group: str) -> list[tuple[str, str]]:
    return [(key, str(text)) for key, text in LABELS[group].items()]
