"""Background work: RQ queues, the thin job layer, the outbox relay and the periodic schedule.

In production jobs run in RQ workers (``exchange worker``) and periodic jobs are
enqueued by RQ's own cron scheduler (``exchange scheduler``). In the embedded default
the same job functions run in-process: outbox events right after commit
(:mod:`exchange.dispatch`) and periodic jobs from a small ticker thread
(:mod:`workers.ticker`) driven by the same schedule table (:mod:`workers.schedule`).
"""
