"""No-overlap locks for periodic jobs.

With Redis: ``SET key token NX EX ttl`` to take the lock and a compare-and-delete
script to release it, so a job that outlived its lock never frees someone else's.
The expiry means a worker killed mid-job cannot block the schedule for ever.
Embedded (no Redis): an in-process lock, since one process runs every job there.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator

from flask import Flask

from exchange.app import state
from workers import queues

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def _local(name: str) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault(name, threading.Lock())


@contextlib.contextmanager
def no_overlap(app: Flask, name: str, ttl: int) -> Iterator[bool]:
    """Yield True when this caller holds the lock, False when another run holds it."""
    if not state(app).settings.REDIS_URL:
        lock = _local(f"{state(app).settings.RQ_QUEUE_PREFIX}:{name}")
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
        return
    connection = queues.redis_connection(app)
    lock_key = queues.key(app, "lock", name)
    token = secrets.token_hex(16)
    acquired = bool(connection.set(lock_key, token, nx=True, ex=max(1, int(ttl))))
    try:
        yield acquired
    finally:
        if acquired:
            connection.eval(_RELEASE, 1, lock_key, token)
