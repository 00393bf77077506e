"""One asyncio loop per process for python-telegram-bot, usable from sync code (views, jobs).

python-telegram-bot is async and its HTTP pool belongs to the loop that created it, so
every call goes through this one long-lived loop thread instead of ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot
from telegram.request import HTTPXRequest

T = TypeVar("T")


class BotRunner:
    def __init__(self, token: str, api_url: str, timeout: float = 15.0) -> None:
        self.token, self.api_url, self.timeout = token, api_url.rstrip("/"), timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bot: Bot | None = None
        self._lock = threading.Lock()

    def make_bot(self) -> Bot:
        request = HTTPXRequest(connect_timeout=self.timeout, read_timeout=self.timeout, connection_pool_size=8)
        return Bot(self.token, base_url=f"{self.api_url}/bot", request=request)

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="telegram-bot-loop", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
                self._bot = self.make_bot()
            return self._loop

    def run(self, work: Callable[[Bot], Awaitable[T]], timeout: float | None = None) -> T:
        """Run ``work(bot)`` on the bot loop and wait for its result."""
        loop = self._start()
        assert self._bot is not None
        future = asyncio.run_coroutine_threadsafe(work(self._bot), loop)
        return future.result(timeout or self.timeout * 4)

    def close(self) -> None:
        with self._lock:
            if self._loop is None:
                return
            loop, bot = self._loop, self._bot
            if bot is not None:
                asyncio.run_coroutine_threadsafe(bot.shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(5)
            loop.close()
            self._loop = self._thread = self._bot = None


def keyboard(buttons: list[dict[str, Any]] | list[list[dict[str, Any]]]) -> Any:
    """An InlineKeyboardMarkup from plain dicts (one row per dict, or explicit rows)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = [row if isinstance(row, list) else [row] for row in buttons]
    return InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in rows])
