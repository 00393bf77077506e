"""Translated names of the filings' enumerated values (merged into ``exchange.labels``)."""

from __future__ import annotations

from typing import Any

from exchange.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "layoff_reason": {
        "liquidation": _l("Liquidation of the employer"), "end_of_activity": _l("End of the employer's activity"),
        "staff_reduction": _l("Reduction of staff"), "lower_volume": _l("Lower production or work volume"),
    },
    "filing_status": {"draft": _l("Draft"), "submitted": _l("Submitted"), "withdrawn": _l("Withdrawn")},
    "forecast_period_kind": {"quarter": _l("Quarter"), "year": _l("Year")},
    "training_form": {"tve": _l("Technical and vocational education"), "short_course": _l("Short-term course")},
    "training_status": {
        "draft": _l("Draft"), "submitted": _l("Under review"), "approved": _l("Approved"), "refused": _l("Refused"),
        "withdrawn": _l("Withdrawn"),
    },
    "filing_action": {
        "created": _l("Created"), "updated": _l("Changed"), "submitted": _l("Submitted"), "withdrawn": _l("Withdrawn"),
        "contacted": _l("The centre contacted a person"), "converted": _l("Published as job seekers"),
        "approved": _l("Approved"), "refused": _l("Refused"),
    },
    "report_group": {"district": _l("By district"), "region": _l("By region")},
}
