"""Test consumer on the ``notify`` queue (see ``recording_consumer``)."""

from __future__ import annotations

from tests.workers import recording_consumer

TOPICS = ("test.",)
QUEUE = "notify"


def handle(app, message: dict) -> None:
    recording_consumer.record(__name__, message)
