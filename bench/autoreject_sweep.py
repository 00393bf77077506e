"""Benchmark: the auto-reject sweep over many applications, a share of them overdue (PostgreSQL).

    python bench/autoreject_sweep.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test \
        --applications 1000000 --overdue 100000

Builds the data in a throw-away schema, runs ``exchange.applications.jobs.sweep_overdue``
in one transaction (as the job does), then runs it again to show the rerun does nothing.
Prints wall time, rows per second and peak memory (Python heap via tracemalloc, and the
process's peak RSS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import hiring_data
from exchange.applications.jobs import sweep_overdue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=int, default=100_000)
    parser.add_argument("--seekers", type=int, default=10_000, help="resumes (pairs are resume x vacancy)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema afterwards")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("needs a PostgreSQL --database-url (the target is set-based SQL on PostgreSQL)")
    schema = f"bench_autoreject_{os.getpid()}"
    now = dt.datetime.now(dt.UTC)
    vacancies = -(-args.applications // args.seekers)
    engine = hiring_data.create_schema(args.database_url, schema)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            hiring_data.base_rows(conn, seekers=args.seekers, vacancies=vacancies)
            hiring_data.applications(conn, total=args.applications, overdue=args.overdue, seekers=args.seekers, now=now)
        print(f"data: {args.applications:,} applications ({args.overdue:,} overdue) in {time.perf_counter() - started:.1f} s")

        tracemalloc.start()
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            result = sweep_overdue(session, now)
        wall = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"sweep: {result['auto_rejected']:,} auto-rejected {result['by_state']} in {wall:.2f} s "
              f"({result['auto_rejected'] / wall:,.0f} rows/s); python peak {peak / 2**20:.1f} MiB; "
              f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            again = sweep_overdue(session, now + dt.timedelta(minutes=1))
        print(f"rerun: {again['auto_rejected']} auto-rejected in {time.perf_counter() - started:.2f} s")
        with engine.connect() as conn:
            events = conn.scalar(sa.text("SELECT count(*) FROM outbox_events WHERE topic = 'referral.auto_rejected'"))
            history = conn.scalar(sa.text("SELECT count(*) FROM application_events WHERE to_state = 'auto_rejected'"))
        print(f"check: {events:,} outbox events, {history:,} history entries (one each)")
    finally:
        engine.dispose()
        if not args.keep:
            hiring_data.drop_schema(args.database_url, schema)


if __name__ == "__main__":
    main()
