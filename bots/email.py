"""E-mail over SMTP: multipart text + HTML, List-Unsubscribe headers, a stable Message-ID."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bots.errors import PermanentError, TransientError
from bots.render import Rendered


class EmailChannel:
    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 15.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def build(self, to: str, message: Rendered, idempotency_key: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        # Derived from the idempotency key, so a receiving server can recognise a resend.
        mail["Message-ID"] = make_msgid(idstring=idempotency_key.replace(":", "."), domain="birzha")
        if message.unsubscribe_url:
            mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        mail.set_content(message.email_text())
        mail.add_alternative(message.email_html(), subtype="html")
        # After the bodies: setting content clears Content-* headers.
        mail["Content-Language"] = message.locale
        return mail

    def send(self, to: str, message: Rendered, idempotency_key: str) -> str:
        mail = self.build(to, message, idempotency_key)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is a final answer about this message; 4xx asks us to come back later.
            error = PermanentError if 500 <= exc.smtp_code < 600 else TransientError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", str(exc.smtp_code)) from exc
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise PermanentError(f"recipient refused: {refused}")
        return str(mail["Message-ID"])
