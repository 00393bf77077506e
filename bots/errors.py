"""How a channel reports a failed send: worth retrying, or not."""

from __future__ import annotations


class ChannelError(Exception):
    """A send did not succeed; ``retry`` says whether trying again later may help."""

    retry = True

    def __init__(self, message: str, provider_status: str | None = None) -> None:
        super().__init__(message)
        self.provider_status = provider_status


class TransientError(ChannelError):
    """The provider is down, slow or throttling us: try again with backoff."""

    retry = True


class PermanentError(ChannelError):
    """The request itself is wrong (bad number, blocked bot, rejected address): never retry."""

    retry = False
