"""Translated names of the pension module's enumerated values (merged into exchange.labels)."""

from __future__ import annotations

from typing import Any

from exchange.i18n import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "pension_run_status": {
        "running": _l("Running"), "finished": _l("Finished"), "failed": _l("Failed"),
        "abandoned": _l("Stopped unfinished"),
    },
    "pension_feed_source": {"file": _l("Uploaded file"), "http": _l("Pension fund service")},
}
