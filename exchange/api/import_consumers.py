"""Outbox consumer that runs bulk imports, on their own RQ queue (``imports``).

An import of tens of thousands of lines runs for minutes. On the ``notify`` queue it
held up every SMS, e-mail and webhook queued behind it; on its own queue a worker
serving ``notify`` never waits for it, and a deployment can give imports their own
worker (``exchange worker -q imports``). The API's other events (change feed,
webhooks, ``import.finished``) stay with :mod:`exchange.api.consumers` on ``notify``.

Idempotent: an import continues after its last committed line, and a finished one is
skipped (:func:`exchange.api.imports.process`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.api import jobs

TOPICS = ("import.requested",)
QUEUE = "imports"  # the RQ queue its outbox deliveries run on (exchange.dispatch)


def handle(app: Flask, message: dict[str, Any]) -> None:
    jobs.run_import(app, message["aggregate_id"])
