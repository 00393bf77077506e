"""The Telegram bot: a Bot API client on its own event loop, update handlers, webhook and polling."""
