"""Benchmark: loading the pipeline board of one vacancy with thousands of applications (PostgreSQL).

    python bench/pipeline_board.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test \
        --applications 5000 --runs 50

Builds one vacancy with N applications spread over every state in a throw-away
schema, then times ``exchange.applications.queries.board`` (the column totals plus the
newest cards of each column, as the page shows them: one windowed query) and one
expanded column (its first page of ``queries.EXPANDED_PAGE`` cards, next to the other
columns' newest). Prints p50/p95/p99 latency, throughput and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from bench import hiring_data
from exchange.applications import queries
from exchange.auth import Actor


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _time(engine, runs: int, **kwargs) -> tuple[list[float], int]:
    timings, cards = [], 0
    for _ in range(runs):
        with Session(engine) as session:
            started = time.perf_counter()
            _vacancy, columns = queries.board(session, Actor.system("bench"), 1, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
            cards = sum(len(c.cards) for c in columns)
    return timings, cards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("needs a PostgreSQL --database-url")
    schema = f"bench_board_{os.getpid()}"
    engine = hiring_data.create_schema(args.database_url, schema)
    try:
        with engine.begin() as conn:
            hiring_data.base_rows(conn, seekers=args.applications, vacancies=1)
            hiring_data.applications(conn, total=args.applications, overdue=args.applications // 10,
                                     seekers=args.applications, now=dt.datetime.now(dt.UTC))
        board_ms, cards = _time(engine, args.runs)
        all_ms, all_cards = _time(engine, max(5, args.runs // 5), expand="new")
        # Memory is measured on separate loads: tracemalloc slows the ORM several-fold.
        tracemalloc.start()
        _time(engine, 1)
        _time(engine, 1, expand="new")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for name, timings, shown in (("board", board_ms, cards), (f"one column expanded (page of {queries.EXPANDED_PAGE})", all_ms, all_cards)):
            print(f"{name}: {args.applications:,} applications, {shown} cards; p50 {statistics.median(timings):.1f} ms, "
                  f"p95 {_percentile(timings, 95):.1f} ms, p99 {_percentile(timings, 99):.1f} ms; "
                  f"{1000 / statistics.mean(timings):.1f} loads/s")
        print(f"memory: python peak {peak / 2**20:.1f} MiB; process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        engine.dispose()
        hiring_data.drop_schema(args.database_url, schema)


if __name__ == "__main__":
    main()
