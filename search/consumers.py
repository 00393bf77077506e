"""Outbox consumer: keeps the search index in step with vacancies, resumes and seekers.

Listed in ``exchange.dispatch.CONSUMER_MODULES``; runs inline after commit in the
embedded mode and in an RQ worker otherwise. Idempotent: it re-reads the rows.
A seeker's consent, registration or departure changes what their resumes show,
so seeker events re-sync every resume of that seeker.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from search import sync

TOPICS = ("vacancy.", "resume.", "seeker.")
QUEUE = "index"  # the RQ queue its outbox deliveries run on (exchange.dispatch)


def handle(app: Flask, message: dict[str, Any]) -> None:
    kind = message["aggregate_type"]
    record_id = message["aggregate_id"]
    if record_id is None:
        return
    if kind == "vacancy":
        sync.sync_records(app, "vacancy", [record_id])
    elif kind == "resume":
        sync.sync_records(app, "resume", [record_id])
    elif kind == "seeker":
        sync.sync_records(app, "resume", sync.resumes_of_seeker(app, record_id))
