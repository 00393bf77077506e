"""SMS and automatic voice calls through Twilio's REST API (the official ``twilio`` client)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bots.errors import PermanentError, TransientError
from bots.render import CALL_LANGUAGES, Rendered


class TwilioChannel:
    def __init__(self, account_sid: str, auth_token: str, from_number: str, base_url: str = "",
                 status_callback: str | None = None, timeout: float = 15.0) -> None:
        self.from_number = from_number
        self.status_callback = status_callback
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if base_url:
            # Tests point the client at a local contract server (Prism); production leaves it alone.
            self.client.api.base_url = base_url.rstrip("/")

    def _call_api(self, create, **params):
        if self.status_callback:
            params["status_callback"] = self.status_callback
        try:
            return create(from_=self.from_number, **params)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransientError(f"Twilio {exc.status}: {exc.msg}", str(exc.status)) from exc
            raise PermanentError(f"Twilio {exc.status} ({exc.code}): {exc.msg}", str(exc.status)) from exc
        except (TwilioException, OSError) as exc:
            raise TransientError(f"Twilio unavailable: {type(exc).__name__}: {exc}") from exc

    def send_sms(self, to: str, message: Rendered) -> tuple[str, str | None]:
        result = self._call_api(self.client.messages.create, to=to, body=message.sms())
        return result.sid, result.status

    def call(self, to: str, message: Rendered) -> tuple[str, str | None]:
        language = CALL_LANGUAGES.get(message.locale, "ru-RU")
        twiml = f'<Response><Say language="{language}">{escape(message.speech())}</Say></Response>'
        result = self._call_api(self.client.calls.create, to=to, twiml=twiml)
        return result.sid, result.status
