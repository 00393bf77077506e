"""Dispatch throughput: notifications sent per second to the local SMTP (aiosmtpd), Twilio (Prism)
and Telegram Bot API servers, through the real channel clients and the delivery bookkeeping.

For each channel: create N notifications (one delivery each) in one transaction, then time
``exchange.notifications.sending.send_many`` (what ``send_due`` and the ``notification.created``
consumer call) sending them, and report messages/s, p50/p95/p99 latency of one send
(claim + render + provider call + record), and peak memory.
Per-recipient rate limits are per address, so each message goes to a different recipient.

    python bench/notify_dispatch.py --messages 500 --channels email,telegram,sms
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500, help="messages per channel")
    parser.add_argument("--channels", default="email,telegram,sms")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    import sqlalchemy as sa

    from exchange import migrate
    from exchange.accounts.models import AccountRole, User
    from exchange.app import create_app, state
    from exchange.db import utcnow
    from exchange.models import metadata
    from exchange.notifications import operations, sending
    from exchange.notifications.models import Delivery, DeliveryStatus, TelegramLink
    from tests.support.botapi import BotApiServer
    from tests.support.prism import Prism
    from tests.support.smtp import SmtpServer

    tmp = Path(tempfile.mkdtemp(prefix="birzha-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    smtp = SmtpServer().start()
    bot = BotApiServer("1:bench").start()
    prism = Prism(tmp).start()
    app = create_app({
        "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "DATABASE_URL": url, "JOBS_MODE": "inline", "SEARCH_BACKEND": "sql",
        "DEMO_ON_FIRST_RUN": False, "LOG_LEVEL": "WARNING", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
        "TELEGRAM_BOT_TOKEN": "1:bench", "TELEGRAM_API_URL": bot.url,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+77010000000", "TWILIO_BASE_URL": prism.url,
    })
    db = state(app).db
    db.after_commit_hooks.clear()  # send through send_due below, timed, not inline after commit
    statements = {"n": 0}

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args):
        statements["n"] += 1

    results = {}
    try:
        for channel in args.channels.split(","):
            with db.unit_of_work() as session:
                users = [User(email=f"{channel}{i}-{time.time_ns()}@bench.kz", password_hash="x", full_name=f"U{i}",
                              role=AccountRole.SEEKER, phone=f"+7701{i:07d}") for i in range(args.messages)]
                session.add_all(users)
                session.flush()
                if channel == "telegram":
                    session.add_all([TelegramLink(user_id=u.id, chat_id=10_000_000 + u.id, linked_at=utcnow()) for u in users])
                    session.flush()
                for u in users:
                    operations.notify(session, u.id, "hired", {"vacancy": "Аспаз", "organisation": "ТОО «Бенч»", "path": "/cabinet"}, [channel])
            with db.unit_of_work() as session:
                ids = list(session.scalars(sa.select(Delivery.id).where(Delivery.channel == channel, Delivery.status == DeliveryStatus.QUEUED)))
            # The production path: send_due / send_notification hand a list to send_many.
            # Latency of one message = time from the previous outcome to its own.
            latencies: list[float] = []
            mark = [time.perf_counter()]

            def on_outcome(_delivery_id, _status, latencies=latencies, mark=mark):
                t = time.perf_counter()
                latencies.append((t - mark[0]) * 1000)
                mark[0] = t

            statements["n"] = 0
            started = mark[0] = time.perf_counter()
            sending.send_many(app, ids, on_outcome=on_outcome)
            wall = time.perf_counter() - started
            sql_during_send = statements["n"]
            with db.unit_of_work() as session:
                sent = session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(Delivery.channel == channel, Delivery.status == DeliveryStatus.SENT))
            results[channel] = {
                "messages": len(ids), "sent": sent, "wall_s": round(wall, 2), "messages_per_s": round(len(ids) / wall, 1),
                "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
                "p99_ms": round(percentile(latencies, 99), 1),
                "sql_statements_per_message": round(sql_during_send / max(1, len(ids)), 1),
            }
    finally:
        runner = state(app).services.get("telegram.runner")
        if runner:
            runner[1].close()
        smtp.stop()
        bot.stop()
        prism.stop()
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["database"] = url.split(":")[0]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
