"""Notifications to linked Telegram chats, with inline buttons (open, mute this subscription)."""

from __future__ import annotations

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bots.errors import PermanentError, TransientError
from bots.render import Rendered
from bots.telegram.runner import BotRunner, keyboard


class TelegramChannel:
    def __init__(self, runner: BotRunner) -> None:
        self.runner = runner

    def send(self, chat_id: str, message: Rendered) -> str:
        markup = keyboard(message.buttons) if message.buttons else None

        async def _send(bot):
            return await bot.send_message(
                chat_id=int(chat_id), text=message.telegram(), parse_mode=ParseMode.HTML,
                reply_markup=markup, link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

        try:
            sent = self.runner.run(_send)
        except RetryAfter as exc:
            raise TransientError(f"Telegram flood control: retry after {exc.retry_after}", "429") from exc
        except Forbidden as exc:  # the person blocked the bot
            raise PermanentError(f"Telegram refused: {exc.message}", "403") from exc
        except BadRequest as exc:
            raise PermanentError(f"Telegram bad request: {exc.message}", "400") from exc
        except (TimedOut, NetworkError) as exc:
            raise TransientError(f"Telegram unavailable: {exc}") from exc
        except TelegramError as exc:
            raise TransientError(f"Telegram error: {exc}") from exc
        except (TimeoutError, OSError) as exc:
            raise TransientError(f"Telegram unavailable: {type(exc).__name__}: {exc}") from exc
        return str(sent.message_id)
