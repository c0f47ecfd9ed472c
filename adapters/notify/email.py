"""Email over SMTP (the standard library's `smtplib`, on an executor thread so the event
loop never blocks): one plain-text mail per message, the first line its subject. Email
cannot be edited, so a decided card's outcome is not sent again (the console and the
card's lineage show it). Refusals of the address itself are permanent; a server that is
down or refuses the login is retried by the outbox."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from domain.notify import DeliveryError, Message

CHANNEL = "email"
SECURITY = ("starttls", "tls", "none")  # STARTTLS on 587, implicit TLS on 465, plain (tests)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: the server, its security, the sender, an optional login."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_seconds: float = 10.0
    ca_file: str = ""  # a private CA to trust besides the system's (a relay's own cert)

    def tls(self) -> ssl.SSLContext:
        """The TLS context the server's certificate is checked with."""
        return ssl.create_default_context(cafile=self.ca_file or None)


def compose(settings: SmtpSettings, to: str, message: Message) -> EmailMessage:
    """The mail for `message` to `to` (subject: its first line)."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Subject"] = f"[desk] {message.text.splitlines()[0][:120]}" if message.text else "[desk]"
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    mail.set_content(message.text)
    return mail


class EmailNotifier:
    """Sends through the SMTP server in `settings`."""

    channel = CHANNEL

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"EmailNotifier({self.settings.host}:{self.settings.port})"

    def _deliver(self, mail: EmailMessage) -> None:
        s = self.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=s.tls()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        with smtp:
            if s.security == "starttls":
                smtp.starttls(context=s.tls())
            if s.username:
                smtp.login(s.username, s.password)
            smtp.send_message(mail)

    async def send(self, chat: str, message: Message) -> str:
        """Mail `message` to address `chat`; its Message-ID."""
        mail = compose(self.settings, chat, message)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._deliver, mail)
        except smtplib.SMTPRecipientsRefused as e:
            codes = sorted({code for code, _ in e.recipients.values()})
            raise DeliveryError(
                f"smtp recipient refused {codes}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as e:  # before the login: no secret in it
            raise DeliveryError(f"smtp {e.smtp_code}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"smtp: {type(e).__name__}") from None
        return str(mail["Message-ID"])

    async def edit(self, message_id: str, text: str) -> None:
        """A sent mail cannot change: nothing to do."""

    async def close(self) -> None:
        """No connection is kept between messages."""
