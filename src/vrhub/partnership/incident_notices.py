"""Telling subscribed partners about a new critical incident: a notice in the app, always,
and an e-mail through the deployment's SMTP server when one is configured and the partner
asked for e-mail.

An e-mail says only that an incident was logged, its reference, type, borough and date,
and links to the app, where the reader signs in and the read is audited: no location, no
age band, nothing a forwarded message could leak. A failed send is recorded on the notice
(``failed``) and never stops the incident being logged.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "vrhub@localhost"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> Mailer | None:
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                   settings.smtp_username, password, settings.smtp_from)

    def send(self, to: list[str], subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.sender
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            # every subscriber as a blind copy: no one learns who else was told
            smtp.send_message(message, to_addrs=to)


def notice_text(reference: str, type_label: str, borough_name: str, when: str) -> str:
    return f"Critical incident {reference}: {type_label.lower()} in {borough_name}, {when}."


def email_body(text: str, link: str | None) -> str:
    where = (f"Open it in vrhub: {link}" if link
             else "Open it in vrhub under Incidents.")
    return (f"{text}\n\n{where}\n\nThe incident's details, near-repeat zone and partner "
            "checklist are in the app (sign in; every read is recorded). This message holds "
            "no personal details: please do not add any when forwarding it.\n")


def send_quietly(mailer: Mailer, to: list[str], subject: str, body: str) -> bool:
    """Send; True when the server accepted it. Failures are logged without addresses."""
    try:
        mailer.send(to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("incident e-mail not sent: %s", type(exc).__name__)
        return False
    return True
