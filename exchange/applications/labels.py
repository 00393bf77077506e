"""Translated names of the hiring pipeline's enumerated values (merged into ``exchange.labels``)."""

from __future__ import annotations

from typing import Any

from exchange.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "application_state": {
        "new": _l("New"), "viewed": _l("Viewed"), "interview": _l("Interview"), "offer": _l("Offer"),
        "hired": _l("Hired"), "rejected": _l("Refused"), "withdrawn": _l("Withdrawn"),
        "auto_rejected": _l("Refused: no answer in time"),
    },
    "application_origin": {
        "response": _l("Response"), "invitation": _l("Invitation"), "referral": _l("Referral from the centre"),
    },
    "interview_kind": {"individual": _l("Individual interview"), "group": _l("Group interview"), "testing": _l("Testing")},
    "stage_state": {"viewed": _l("Screening"), "interview": _l("Interview"), "offer": _l("Offer")},
    "deadline_status": {
        "due_today": _l("Due today"), "overdue": _l("Overdue"), "answered": _l("Answered"), "pending": _l("Waiting for an answer"),
        "expired": _l("Refused: no answer in time"),
    },
    "contact_channel": {"sms": _l("SMS"), "call": _l("Phone call")},
}
