"""Periodic job: send deliveries whose retry or quiet-hours delay is over."""

from __future__ import annotations

from flask import Flask

from exchange.notifications import sending


def send_due(app: Flask) -> dict[str, int]:
    """Retries with backoff and deferred messages; marks interrupted sends failed (schedule: every minute)."""
    return sending.send_due(app)
