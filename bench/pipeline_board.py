"""Benchmark: the pipeline board of one vacancy with thousands of applications (PostgreSQL).

    python bench/pipeline_board.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test \
        --applications 5000 --runs 50

Builds one vacancy with N applications spread over every state in a throw-away schema,
plus ``--stages`` of the employer's own stages holding some of the viewed and interview
cards, then times:

* the query, ``exchange.applications.queries.board`` (every column's total and newest
  cards), and one expanded column (its first page of ``queries.EXPANDED_PAGE`` cards next
  to the other columns' newest);
* the page the employer gets, ``GET /cabinet/applications/vacancy/<id>`` and the same
  with the column expanded, through the app (sign-in, permission checks, query, template,
  Russian labels), signed in as the employer's member.

Prints p50/p95/p99 latency, throughput, statements and Python CPU time per page (the part that
does not depend on how busy the machine is) and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import hiring_data
from exchange.applications import queries
from exchange.auth import Actor

PASSWORD = "bench-board-password-1"  # a throw-away account in a throw-away schema


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _time_query(engine, runs: int, **kwargs) -> tuple[list[float], int]:
    timings, cards = [], 0
    for _ in range(runs):
        with Session(engine) as session:
            started = time.perf_counter()
            _vacancy, columns = queries.board(session, Actor.system("bench"), 1, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
            cards = sum(len(c.cards) for c in columns)
    return timings, cards


def _stages(conn, count: int) -> None:
    """The employer's own stages; every third viewed / interview card sits in one of them."""
    if not count:
        return
    conn.execute(sa.text(
        "INSERT INTO organisation_stages (organisation_id, name, state, position, active, created_at) "
        "SELECT 1, 'Stage ' || g, CASE WHEN g % 2 = 1 THEN 'viewed' ELSE 'interview' END, g, true, now() "
        "FROM generate_series(1, :count) g"
    ), {"count": count})
    # Card n of a state with k stages goes to that state's stage number (n / 3) mod k.
    conn.execute(sa.text(
        "UPDATE applications a SET stage_id = s.id FROM organisation_stages s "
        "WHERE a.state = s.state AND mod(a.id, 3) = 0 "
        "AND mod(a.id / 3, (SELECT count(*) FROM organisation_stages t WHERE t.state = s.state)) "
        "  = (SELECT count(*) FROM organisation_stages t WHERE t.state = s.state AND t.id < s.id)"
    ))
    conn.exec_driver_sql("ANALYZE applications")


def _employer_member(conn) -> None:
    from exchange.accounts.operations import hash_password

    conn.execute(sa.text(
        "INSERT INTO users (id, email, password_hash, full_name, role, locale, active, created_at, password_changed_at) "
        "VALUES (1, 'board-bench@example.kz', :hash, 'Bench employer', 'employer', 'ru', true, now(), now())"
    ), {"hash": hash_password(PASSWORD)})
    conn.exec_driver_sql("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (1, 1, 'owner', now())")
    conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('users', 'id'), 1)")


def _page_client(database_url: str, schema: str, instance: str, *, freeze: bool):
    from exchange.app import create_app, state

    separator = "&" if "?" in database_url else "?"
    app = create_app({
        "DATABASE_URL": f"{database_url}{separator}options=-csearch_path%3D{schema}", "INSTANCE_PATH": instance,
        "JOBS_MODE": "inline", "REDIS_URL": "", "DEMO_ON_FIRST_RUN": False, "SEARCH_BACKEND": "sql",
        "ELASTICSEARCH_URL": "", "LOG_LEVEL": "WARNING", "WTF_CSRF_ENABLED": False,
    })
    if freeze:
        # As ``exchange run`` does before serving: start-up objects leave the collector's scans.
        gc.collect()
        gc.freeze()
    client = app.test_client()
    signed = client.post("/sign-in", data={"email": "board-bench@example.kz", "password": PASSWORD})
    if signed.status_code != 302:
        raise SystemExit(f"sign-in failed: {signed.status_code}")
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    sa.event.listen(state(app).db.engine, "before_cursor_execute", count)
    return app, client, statements


def _time_page(client, statements: list[int], path: str, runs: int) -> tuple[list[float], float, int, int]:
    """Wall times of ``runs`` requests, the Python CPU time per request, statements per request, page size."""
    response = client.get(path)  # warm: templates compiled, connection pooled
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    timings = []
    statements[0] = 0
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / runs
    return timings, cpu_ms, statements[0] // runs, len(response.data)


def _line(name: str, applications: int, what: str, timings: list[float]) -> str:
    return (f"{name}: {applications:,} applications, {what}; p50 {statistics.median(timings):.1f} ms, "
            f"p95 {_percentile(timings, 95):.1f} ms, p99 {_percentile(timings, 99):.1f} ms; "
            f"{1000 / statistics.mean(timings):.1f} loads/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--stages", type=int, default=2, help="the employer's own stages (0: only the built-in columns)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave start-up objects in the garbage collector's scans (exchange run freezes them)")
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
            _stages(conn, args.stages)
            _employer_member(conn)
        expanded_runs = max(5, args.runs // 5)
        board_ms, cards = _time_query(engine, args.runs)
        expanded_ms, expanded_cards = _time_query(engine, expanded_runs, expand="new")
        with tempfile.TemporaryDirectory() as instance:
            _app, client, statements = _page_client(args.database_url, schema, instance, freeze=not args.no_freeze)
            page_ms, page_cpu, page_statements, page_bytes = _time_page(
                client, statements, "/cabinet/applications/vacancy/1", args.runs)
            expanded_page_ms, expanded_cpu, expanded_statements, expanded_bytes = _time_page(
                client, statements, "/cabinet/applications/vacancy/1?column=new", expanded_runs)
        # Memory is measured on separate loads: tracemalloc slows the ORM several-fold.
        tracemalloc.start()
        _time_query(engine, 1)
        _time_query(engine, 1, expand="new")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        n = args.applications
        print(f"{n:,} applications, {args.stages} own stages, {args.runs} runs ({expanded_runs} for an expanded column); "
              f"start-up objects {'not ' if args.no_freeze else ''}frozen out of the collector")
        print(_line("board query", n, f"{cards} cards", board_ms))
        print(_line(f"expanded column query (page of {queries.EXPANDED_PAGE})", n, f"{expanded_cards} cards", expanded_ms))
        # Python CPU per page does not depend on how busy the machine is; wall times do.
        print(_line("board page", n, f"{page_statements} statements, {page_bytes / 1024:.0f} KiB, "
                                     f"{page_cpu:.1f} ms Python CPU", page_ms))
        print(_line("expanded column page", n, f"{expanded_statements} statements, {expanded_bytes / 1024:.0f} KiB, "
                                               f"{expanded_cpu:.1f} ms Python CPU", expanded_page_ms))
        print(f"memory: python peak {peak / 2**20:.1f} MiB (queries); "
              f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        engine.dispose()
        hiring_data.drop_schema(args.database_url, schema)


if __name__ == "__main__":
    main()
