"""Test consumer on the ``index`` queue (see ``recording_consumer``)."""

from __future__ import annotations

from tests.workers import recording_consumer

TOPICS = ("test.",)
QUEUE = "index"


def handle(app, message: dict) -> None:
    recording_consumer.record(__name__, message)
