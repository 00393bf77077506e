"""Shared set-up for the benchmarks: a throwaway PostgreSQL schema, timing and memory figures."""

from __future__ import annotations

import contextlib
import resource
import statistics
import time
from collections.abc import Iterator

import sqlalchemy as sa


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99)}


@contextlib.contextmanager
def timed(label: str, figures: dict) -> Iterator[None]:
    started = time.perf_counter()
    yield
    figures[label] = round(time.perf_counter() - started, 3)


def bench_app(database_url: str, schema: str):
    """An app on its own schema, created empty; outbox events stay pending (no inline delivery)."""
    from exchange.app import create_app, state
    from exchange.models import metadata

    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options=-csearch_path%3D{schema}"
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "JOBS_MODE": "inline", "REDIS_URL": "", "DEMO_ON_FIRST_RUN": False,
                      "SEARCH_BACKEND": "sql", "ELASTICSEARCH_URL": "", "LOG_LEVEL": "WARNING"})
    # The benchmark measures the sweep itself; consumers would be a separate workload.
    state(app).db.after_commit_hooks.clear()
    return app


def drop_schema(database_url: str, schema: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


def valid_iins(count: int, start: int = 1) -> list[str]:
    """``count`` distinct IINs with correct control digits (born 1990, so adults)."""
    import datetime as dt

    from exchange.validators import control_digit

    out: list[str] = []
    n = start
    base = dt.date(1960, 1, 1)
    while len(out) < count:
        born = base + dt.timedelta(days=n // 10_000)  # 10 000 serial numbers per birth date
        head = f"{born:%y%m%d}3{n % 10_000:04d}"
        check = control_digit(head)
        n += 1
        if check is not None:
            out.append(head + str(check))
    return out


def copy_rows(session, table: str, columns: tuple[str, ...], rows) -> None:
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
