"""Cost of the outbox hand-off itself: per-consumer delivery in-process and through RQ, and the relay.

Three consumers that do nothing (on the index, notify and default queues) isolate the
dispatch machinery — planning, delivery rows, event locks, job enqueueing — from any
consumer's own work. With N events on PostgreSQL (and Redis for the RQ phases):

1. inline: ``run_inline`` for one event at a time (what a commit in the embedded default pays);
2. enqueue: ``enqueue_events`` for one event at a time (what a commit pays in RQ mode: 3 jobs);
3. worker: a SimpleWorker in burst mode runs the 3N jobs (per-consumer jobs per second);
4. relay, all in flight: N pending events whose jobs are all queued (the relay only looks);
5. relay, partial: N events with one of three consumers failed (the relay requeues only those).

Prints events/s or jobs/s, p50/p95/p99 per event where timed one by one, and peak memory.

    TEST_DATABASE_URL=postgresql+psycopg://… python bench/outbox_dispatch.py --events 2000 \\
        --redis-url redis://127.0.0.1:6379/15
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, drop_schema, peak_rss_mib, percentiles

CONSUMERS = {"bench_consumer_index": "index", "bench_consumer_notify": "notify", "bench_consumer_default": "default"}
FAIL: set[str] = set()


def _install_consumers() -> None:
    """Three no-op consumer modules, importable by name like the real ones."""
    for name, queue in CONSUMERS.items():
        module = types.ModuleType(name)
        module.TOPICS = ("bench.",)
        module.QUEUE = queue

        def handle(app, message, _name=name):
            if _name in FAIL:
                raise RuntimeError("bench: refused")

        module.handle = handle
        sys.modules[name] = module


def _emit(app, count: int) -> list[int]:
    from exchange import outbox
    from exchange.app import state

    with state(app).db.unit_of_work() as session:
        ids = [outbox.emit(session, "bench.happened", "thing", n, {"n": n}).id for n in range(count)]
        session.info.pop("outbox_pending", None)  # dispatched below, timed
    return ids


def _one_by_one(ids: list[int], step) -> dict:
    samples = []
    started = time.perf_counter()
    for event_id in ids:
        t = time.perf_counter()
        step([event_id])
        samples.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - started
    pct = percentiles(samples)
    return {"events": len(ids), "seconds": round(wall, 2), "events_per_s": round(len(ids) / wall, 1),
            **{f"{k}_ms": round(v, 2) for k, v in pct.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", ""))
    parser.add_argument("--schema", default=f"bench_outbox_{os.getpid()}")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("needs --database-url (PostgreSQL)")

    import sqlalchemy as sa

    from exchange import dispatch
    from exchange.app import state
    from exchange.outbox import OutboxEvent

    _install_consumers()
    dispatch.CONSUMER_MODULES = tuple(CONSUMERS)
    dispatch.AFTER = {}
    app = bench_app(args.database_url, args.schema)
    figures: dict = {"events": args.events, "consumers": len(CONSUMERS), "load_before": os.getloadavg()}
    try:
        ids = _emit(app, args.events)
        figures["inline"] = _one_by_one(ids, lambda batch: dispatch.run_inline(app, batch))
        with state(app).db.unit_of_work() as session:
            undone = session.scalar(sa.select(sa.func.count()).where(OutboxEvent.id.in_(ids), OutboxEvent.dispatched_at.is_(None)))
        assert undone == 0, f"{undone} events not dispatched inline"

        if args.redis_url:
            figures.update(_rq_phases(app, args))
    finally:
        drop_schema(args.database_url, args.schema)
    figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    figures["load_after"] = os.getloadavg()
    print(json.dumps(figures, indent=2))


def _rq_phases(app, args) -> dict:
    import sqlalchemy as sa
    from rq import SimpleWorker

    from exchange.app import state
    from exchange.outbox import OutboxEvent
    from workers import outbox as relay_module
    from workers import queues, runtime

    settings = state(app).settings
    settings.values.update({"REDIS_URL": args.redis_url, "JOBS_MODE": "rq", "RQ_QUEUE_PREFIX": f"bench_outbox_{os.getpid()}"})
    state(app).services.pop("redis", None)
    runtime.bind(app)
    connection = queues.redis_connection(app)
    out: dict = {}

    def run_worker() -> dict:
        jobs_before = sum(q.finished_job_registry.count for q in queues.all_queues(app))
        started = time.perf_counter()
        SimpleWorker(queues.all_queues(app), connection=connection).work(burst=True, logging_level="WARNING")
        wall = time.perf_counter() - started
        done = sum(q.finished_job_registry.count for q in queues.all_queues(app)) - jobs_before
        return {"jobs": done, "seconds": round(wall, 2), "jobs_per_s": round(done / wall, 1)}

    try:
        ids = _emit(app, args.events)
        out["enqueue"] = _one_by_one(ids, lambda batch: relay_module.enqueue_events(app, batch))

        started = time.perf_counter()
        report = relay_module.relay(app, older_than=dt.timedelta(0), limit=args.events)
        out["relay_all_in_flight"] = {"seconds": round(time.perf_counter() - started, 2), **report}

        out["worker"] = run_worker()
        with state(app).db.unit_of_work() as session:
            undone = session.scalar(sa.select(sa.func.count()).where(OutboxEvent.id.in_(ids), OutboxEvent.dispatched_at.is_(None)))
        assert undone == 0, f"{undone} events not dispatched by the worker"

        ids = _emit(app, args.events)
        FAIL.add("bench_consumer_notify")
        relay_module.enqueue_events(app, ids)
        run_worker()
        FAIL.clear()
        started = time.perf_counter()
        report = relay_module.relay(app, older_than=dt.timedelta(0), limit=args.events)
        out["relay_partial"] = {"seconds": round(time.perf_counter() - started, 2), **report}
        out["worker_after_partial"] = run_worker()
    finally:
        queues.purge(app)
    return out


if __name__ == "__main__":
    main()
