"""An outbox consumer for the tests: records what it was given, or fails when asked to."""

from __future__ import annotations

TOPICS = ("test.",)
RECEIVED: list[dict] = []
FAIL_TOPICS: set[str] = set()


def handle(app, message: dict) -> None:
    if message["topic"] in FAIL_TOPICS:
        raise RuntimeError(f"consumer refused {message['topic']}")
    RECEIVED.append(message)
