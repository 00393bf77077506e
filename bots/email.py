"""E-mail over SMTP: multipart text + HTML, List-Unsubscribe headers, a stable Message-ID."""

from __future__ import annotations

import smtplib
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bots.errors import PermanentError, TransientError
from bots.render import Rendered


class EmailChannel:
    """Sends over one SMTP connection kept open between messages (a batch costs one handshake).

    The connection is checked with NOOP when it has been idle a while and reopened when
    the server dropped it. A message is never re-sent here after a failure in the middle
    of a transaction: the caller's retry with backoff decides, and the Message-ID derived
    from the idempotency key lets a receiving server recognise a repeat.
    """

    IDLE_CHECK = 5.0  # seconds idle after which the connection is checked before use

    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 15.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout
        self._smtp: smtplib.SMTP | None = None
        self._used_at = 0.0
        self._lock = threading.Lock()  # one SMTP dialogue at a time on the shared connection

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

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None and time.monotonic() - self._used_at > self.IDLE_CHECK:
            try:  # nothing of a message has been sent yet, so reconnecting here is always safe
                if self._smtp.noop()[0] != 250:
                    raise smtplib.SMTPServerDisconnected("NOOP refused")
            except (OSError, smtplib.SMTPException):
                self._drop()
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def send(self, to: str, message: Rendered, idempotency_key: str) -> str:
        mail = self.build(to, message, idempotency_key)
        with self._lock:
            try:
                refused = self._connection().send_message(mail)
            except smtplib.SMTPRecipientsRefused as exc:
                self._reset()
                raise PermanentError(f"recipient refused: {exc.recipients}") from exc
            except smtplib.SMTPResponseException as exc:
                self._reset()
                # 5xx is a final answer about this message; 4xx asks us to come back later.
                error = PermanentError if 500 <= exc.smtp_code < 600 else TransientError
                raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", str(exc.smtp_code)) from exc
            except (TimeoutError, OSError, smtplib.SMTPException) as exc:
                self._drop()  # the connection is in an unknown state: the next message opens a new one
                raise TransientError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
            self._used_at = time.monotonic()
        if refused:
            raise PermanentError(f"recipient refused: {refused}")
        return str(mail["Message-ID"])

    def _reset(self) -> None:
        """After a refused message, RSET the transaction so the connection serves the next one."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
            self._used_at = time.monotonic()
        except (OSError, smtplib.SMTPException):
            self._drop()
