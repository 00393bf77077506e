"""An outbox consumer for the tests: records what it was given, or fails when asked to.

``index_consumer`` and ``notify_consumer`` are two more, on the ``index`` and
``notify`` queues; all three write to ``CALLS`` (consumer, event id) in the order they ran.
"""

from __future__ import annotations

TOPICS = ("test.",)
RECEIVED: list[dict] = []
FAIL_TOPICS: set[str] = set()
CALLS: list[tuple[str, int]] = []
FAILING: dict[str, int] = {}  # consumer module -> how many more times it fails


def record(name: str, message: dict) -> None:
    if FAILING.get(name, 0) > 0:
        FAILING[name] -= 1
        raise RuntimeError(f"{name} refused {message['topic']}")
    CALLS.append((name, message["id"]))


def handle(app, message: dict) -> None:
    if message["topic"] in FAIL_TOPICS:
        raise RuntimeError(f"consumer refused {message['topic']}")
    RECEIVED.append(message)
    record(__name__, message)


def reset() -> None:
    RECEIVED.clear()
    FAIL_TOPICS.clear()
    CALLS.clear()
    FAILING.clear()
