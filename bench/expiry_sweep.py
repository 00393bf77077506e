"""Benchmark: the resume expiry sweep over a large resume table on PostgreSQL.

    python bench/expiry_sweep.py --resumes 1000000 --due 0.1 --expiring 0.05

Creates its own schema (dropped afterwards unless --keep) with --resumes published
resumes (10 per seeker): a share already past their term, a share inside the
three-day reminder window, optionally a share whose term ended weeks ago and was
already swept (--history, as in a table used for months), the rest later. Times one full sweep (reminders + expiry,
batches of 5000, one outbox event per resume), then a second sweep that must find
nothing, and prints per-batch latency percentiles and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, copy_rows, drop_schema, peak_rss_mib, percentiles, timed, valid_iins


def build(app, resumes: int, due: float, expiring: float, history: float = 0.0) -> None:
    import sqlalchemy as sa

    from exchange.app import state
    from exchange.db import utcnow

    now = utcnow()
    seekers = max(1, resumes // 10)
    with state(app).db.unit_of_work() as session:
        copy_rows(session, "seeker_profiles",
                  ("iin", "last_name", "first_name", "birth_date", "kato_code", "category", "has_disability",
                   "created_at", "updated_at", "consent_publish_at"),
                  ((iin, "Бенчмарк", "Ізденуші", dt.date(1980, 1, 1), "751210000", "job_seeker", False, now, now, now)
                   for iin in valid_iins(seekers)))
        first = session.execute(sa.text("SELECT min(id) FROM seeker_profiles")).scalar_one()
        n_due, n_expiring, n_history = int(resumes * due), int(resumes * expiring), int(resumes * history)

        def rows():
            for i in range(resumes):
                expired = None
                if i >= resumes - n_history:  # terms that ended in earlier weeks, already swept
                    published, expires = now - dt.timedelta(days=60 + i % 300), now - dt.timedelta(days=30 + i % 300)
                    expired = expires
                elif i < n_due:
                    published, expires = now - dt.timedelta(days=31), now - dt.timedelta(minutes=1 + i % 600)
                elif i < n_due + n_expiring:
                    published, expires = now - dt.timedelta(days=28), now + dt.timedelta(hours=1 + i % 70)
                else:
                    published, expires = now - dt.timedelta(days=i % 20), now + dt.timedelta(days=4 + i % 25)
                yield (first + i % seekers, "Водитель", "8332", "751210000", "active", "self", published, expires,
                       expired, now, now, 1, "[]", "[]", "[]", 0, False)

        copy_rows(session, "resumes",
                  ("seeker_id", "title", "occupation_code", "kato_code", "visibility", "source", "published_at",
                   "expires_at", "expired_at", "created_at", "updated_at", "version", "skills", "languages", "driving_licences",
                   "experience_months", "willing_to_relocate"),
                  rows())
        session.execute(sa.text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resumes", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.10, help="Share of resumes past their term.")
    parser.add_argument("--expiring", type=float, default=0.05, help="Share inside the reminder window.")
    parser.add_argument("--history", type=float, default=0.0,
                        help="Share of terms that ended earlier and were already swept (a table in use for months).")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test"))
    parser.add_argument("--schema", default=f"bench_expiry_{os.getpid()}")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    from exchange.app import state
    from exchange.db import utcnow
    from exchange.resumes import expiry

    figures: dict = {"resumes": args.resumes, "due": args.due, "expiring": args.expiring, "history": args.history}
    app = bench_app(args.database_url, args.schema)
    try:
        with timed("setup_s", figures):
            build(app, args.resumes, args.due, args.expiring, args.history)
        batch_times: list[float] = []
        real_expire = expiry.expire_batch

        def timed_batch(*a, **k):
            started = time.perf_counter()
            count = real_expire(*a, **k)
            batch_times.append(time.perf_counter() - started)
            return count

        expiry.expire_batch = timed_batch
        now = utcnow()
        with timed("sweep_s", figures):
            result = expiry.run_expiry(app, now=now)
        figures.update(result)
        figures["expired_per_s"] = round(result["expired"] / figures["sweep_s"]) if figures["sweep_s"] else None
        figures["batch_latency_s"] = {k: round(v, 3) for k, v in percentiles(batch_times).items()}
        with timed("idle_sweep_s", figures):
            again = expiry.run_expiry(app, now=now)
        figures["idle_sweep_found"] = again
        figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    finally:
        state(app).db.dispose()
        if not args.keep:
            drop_schema(args.database_url, args.schema)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
