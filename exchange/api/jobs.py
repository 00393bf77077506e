"""Jobs of the API feature. Each takes the app and ids, opens its own unit of work, and may run twice."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from exchange.api import imports, webhooks

log = logging.getLogger(__name__)


def run_import(app: Flask, import_id: int) -> dict[str, Any]:
    from exchange.app import state

    result = imports.process(state(app).db, import_id)
    log.info("import %s: %s", import_id, result)
    return result


def deliver_webhook(app: Flask, delivery_id: int) -> None:
    from exchange.app import state

    st = state(app)
    with st.db.unit_of_work() as session:
        webhooks.attempt(
            session, delivery_id, timeout=st.settings.WEBHOOK_TIMEOUT, max_failures=st.settings.WEBHOOK_MAX_FAILURES,
            allow_loopback=st.settings.WEBHOOK_ALLOW_LOOPBACK,
        )


def retry_due_webhooks(app: Flask) -> dict[str, int]:
    """Periodic (every minute): send deliveries whose back-off has passed."""
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        due = webhooks.due_deliveries(session)
    for delivery_id in due:
        deliver_webhook(app, delivery_id)
    return {"attempted": len(due)}
