"""Benchmark: change-feed throughput — appending (the outbox consumer) and reading GET /api/v1/changes.

    python bench/api_changes.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test --vacancies 20000

Loads --vacancies published vacancies with COPY, appends one feed entry per vacancy
through exchange.api.feed.record (the serialised append the consumer does, one
transaction each, as workers do), then reads the whole feed page by page as a
follower would (--page entries per call, each upsert with its current record) and
prints entries/s for both, per-call latency percentiles and peak memory.
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

from bench._api_setup import api_bench_app, employer_with_key
from bench._common import copy_rows, drop_schema, peak_rss_mib, percentiles


def load_vacancies(app, organisation_id: int, count: int) -> list[int]:
    import sqlalchemy as sa

    from exchange.app import state
    from exchange.db import utcnow

    now = utcnow()
    with state(app).db.unit_of_work() as session:
        copy_rows(session, "vacancies",
                  ("organisation_id", "title", "occupation_code", "description", "min_experience_months", "languages",
                   "driving_licences", "skills", "employment_type", "schedule", "working_regime", "kato_code", "positions",
                   "positions_filled", "kind", "accessible", "status", "source", "view_count", "published_at", "created_at",
                   "updated_at", "version"),
                  ((organisation_id, f"Вакансия {n}", "8189", "Описание вакансии для бенчмарка ленты изменений.", 0, "[]", "[]",
                    "[]", "full_time", "five_day", "day", "751210000", 1, 0, "regular", False, "published", "employer", 0,
                    now - dt.timedelta(seconds=n), now, now, 1) for n in range(count)))
    with state(app).db.unit_of_work() as session:
        return list(session.scalars(sa.select(sa.text("id")).select_from(sa.text("vacancies")).order_by(sa.text("id"))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--vacancies", type=int, default=20000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--schema", default="bench_api_changes")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("give --database-url of a PostgreSQL server (or set TEST_DATABASE_URL)")
    app = api_bench_app(args.database_url, args.schema)
    try:
        from exchange.api import feed
        from exchange.app import state

        org_id, token, _actor = employer_with_key(app)
        ids = load_vacancies(app, org_id, args.vacancies)
        append_times: list[float] = []
        started = time.perf_counter()
        for event_id, vacancy_id in enumerate(ids, start=1):
            t0 = time.perf_counter()
            with state(app).db.unit_of_work() as session:
                feed.record(session, event_id, "vacancy", vacancy_id)
            append_times.append(time.perf_counter() - t0)
        append_s = time.perf_counter() - started

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        cursor, read, call_times = "", 0, []
        started = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            body = client.get(f"/api/v1/changes?since={cursor}&limit={args.page}", headers=headers).get_json()
            call_times.append(time.perf_counter() - t0)
            read += len(body["items"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        read_s = time.perf_counter() - started
        print(json.dumps({
            "vacancies": args.vacancies,
            "append": {"entries_per_s": round(len(ids) / append_s, 1), "latency_ms": {k: round(v * 1000, 2) for k, v in percentiles(append_times).items()}},
            "read": {"entries": read, "page": args.page, "entries_per_s": round(read / read_s, 1),
                     "call_latency_ms": {k: round(v * 1000, 1) for k, v in percentiles(call_times).items()}},
            "peak_rss_mib": round(peak_rss_mib(), 1),
        }, indent=2))
    finally:
        if not args.keep:
            drop_schema(args.database_url, args.schema)


if __name__ == "__main__":
    main()
