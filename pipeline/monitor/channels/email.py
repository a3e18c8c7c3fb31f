"""E-mail through SMTP (standard library ``smtplib`` and ``email``): a plain-text message per alert.

``security``: ``starttls`` (port 587: plain connection, then STARTTLS, certificate verified),
``ssl`` (port 465: TLS from the start) or ``none`` (a relay on a trusted network). The text is
``text/plain; charset=utf-8``, so nothing in it is markup; the subject is one line (line breaks
folded), so the stream's text cannot add a header. The message carries ``Message-ID`` made from
the alert id, so mail systems that deduplicate see one alert as one message.

Failures: no connection or a 4xx reply (the server asks to come back later) is a refusal, retried;
a 5xx reply is final; a connection lost after the message was handed over is uncertain (not sent again).
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from pipeline.monitor.channels.base import DeliveryFailed, DeliveryRefused, DeliveryUncertain, Scrubber
from pipeline.monitor.channels.config import EmailChannel
from pipeline.monitor.channels.text import lines, plain, title
from pipeline.monitor.models import Alert


def message(alert: Alert, spec: EmailChannel) -> EmailMessage:
    """The e-mail of ``alert``."""
    msg = EmailMessage()
    msg["Subject"] = title(alert, plain)
    msg["From"] = spec.sender
    msg["To"] = ", ".join(spec.to)
    msg["Date"] = formatdate(usegmt=True)
    domain = spec.sender.rpartition("@")[2] or "sociallisten"
    msg["Message-ID"] = f"<alert-{hashlib.sha256(alert.alert_id.encode()).hexdigest()[:32]}@{domain}>"
    msg.set_content("\n".join([*lines(alert, plain), "", plain(alert.explanation)]) + "\n", charset="utf-8")
    return msg


class Email:
    """Sends alerts as e-mail through one SMTP server."""

    kind = "email"

    def __init__(self, name: str, spec: EmailChannel) -> None:
        """The server and addresses of ``spec``."""
        self.name = name
        self.spec = spec
        self.password = spec.password.get_secret_value() if spec.password else None
        self.scrub = Scrubber(None, self.password)

    async def send(self, alert: Alert) -> None:
        """One e-mail (the blocking SMTP conversation on a thread)."""
        await asyncio.to_thread(self._send, message(alert, self.spec))

    def _connect(self) -> smtplib.SMTP:
        s = self.spec
        context = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)  # verifies name and chain
        if s.security == "ssl":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _send(self, msg: EmailMessage) -> None:
        handed_over = False
        try:
            with self._connect() as smtp:
                if self.spec.username and self.password:
                    smtp.login(self.spec.username, self.password)
                handed_over = True
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = DeliveryRefused if any(code < 500 for code in codes) else DeliveryFailed
            raise error(f"every recipient refused (SMTP {', '.join(map(str, codes))})") from None
        except smtplib.SMTPResponseException as exc:
            error = DeliveryRefused if exc.smtp_code < 500 else DeliveryFailed
            raise error(f"SMTP {exc.smtp_code}: {self.scrub(str(exc.smtp_error)[:200])}") from None
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryFailed(f"the server's certificate is not trusted: {exc.verify_message}") from None
        except (smtplib.SMTPException, OSError) as exc:
            error = DeliveryUncertain if handed_over else DeliveryRefused
            raise error(f"{type(exc).__name__}: {self.scrub(str(exc))}") from None
