"""Long polling for local use (``exchange bot poll``): no public address or webhook needed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from bots.telegram.handlers import execute, respond
from bots.telegram.runner import BotRunner

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]


def poll(app: Flask, runner: BotRunner, *, timeout: int = 25, stop: Callable[[], bool] = lambda: False) -> int:
    """Fetch and answer updates until ``stop()`` is true; returns how many updates were handled."""
    # The Bot API refuses getUpdates while a webhook is set.
    runner.run(lambda bot: bot.delete_webhook(drop_pending_updates=False))
    offset: int | None = None
    handled = 0
    while not stop():
        updates = runner.run(
            lambda bot, offset=offset: bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES),
            timeout=timeout + 30,
        )
        for update in updates:
            offset = update.update_id + 1
            try:
                outcome = respond(app, update.to_dict())
                if outcome.chat_id is not None:
                    runner.run(lambda bot, outcome=outcome: execute(bot, outcome))
            except Exception:  # one bad update must not stop the bot; it is logged and skipped
                log.exception("Telegram update %s failed", update.update_id)
            handled += 1
    return handled


def set_webhook(runner: BotRunner, url: str, secret: str) -> bool:
    return runner.run(lambda bot: bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
