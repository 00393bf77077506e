"""Periodic search jobs (listed in workers/schedule.py by stable id)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from search import maintenance

log = logging.getLogger(__name__)


def nightly_check(app: Flask) -> dict[str, Any]:
    """Compare the index with the database and repair any difference (idempotent).

    Also removes resumes whose publication ran out since the last sync, so the index
    never relies on the expiry job alone.
    """
    reports = maintenance.check(app, fix=True)
    summary = {r.kind: {"missing": len(r.missing), "stale": len(r.stale), "orphans": len(r.orphans)} for r in reports}
    if any(not r.ok for r in reports):
        log.warning("search index repaired: %s", summary)
    return summary


def sync_job(app: Flask, kind: str, ids: list[int]) -> int:
    """Queue-friendly wrapper: re-sync records by id (the ``index`` queue)."""
    from search import sync

    return sync.sync_records(app, kind, ids)
