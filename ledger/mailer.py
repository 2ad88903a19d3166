"""Email for alerts: the SMTP server orgmap sends through (configured by environment), and one message sent.

The settings come from `ORGMAP_SMTP_HOST` (unset: no email), `ORGMAP_SMTP_PORT`, `ORGMAP_SMTP_USER`,
`ORGMAP_SMTP_PASSWORD`, `ORGMAP_SMTP_TLS` (`starttls`, the default; `ssl`; or `none`) and `ORGMAP_SMTP_FROM`. A message
carries a Message-ID made of its idempotency key, so a mail system can drop the repeat of a send whose answer was lost.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

__all__ = ["TLS_MODES", "SmtpSettings", "send_mail"]

TLS_MODES = {"starttls": 587, "ssl": 465, "none": 25}  # each mode's usual port


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how alert email is sent."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    tls: str = "starttls"
    sender: str = "orgmap@localhost"
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"ORGMAP_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {self.tls!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """The settings of `ORGMAP_SMTP_*` (None without a host); ValueError naming the variable that is wrong."""
        host = env.get("ORGMAP_SMTP_HOST", "").strip()
        if not host:
            return None
        tls = env.get("ORGMAP_SMTP_TLS", "starttls").strip().lower() or "starttls"
        if tls not in TLS_MODES:
            raise ValueError(f"ORGMAP_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {tls!r}")
        raw_port = env.get("ORGMAP_SMTP_PORT", "").strip()
        try:
            port = int(raw_port) if raw_port else TLS_MODES[tls]
        except ValueError:
            raise ValueError(f"ORGMAP_SMTP_PORT must be a port number, got {raw_port!r}") from None
        if not 0 < port < 65536:
            raise ValueError(f"ORGMAP_SMTP_PORT must be a port number, got {raw_port!r}")
        return cls(host, port, env.get("ORGMAP_SMTP_USER") or None, env.get("ORGMAP_SMTP_PASSWORD") or None, tls,
                   env.get("ORGMAP_SMTP_FROM") or "orgmap@localhost")


def send_mail(settings: SmtpSettings, to: str, subject: str, body: str, key: str) -> None:
    """Send one plain-text message; raises `smtplib.SMTPException` or `OSError` when the server refuses or is away
    (every phase bounded by the settings' timeout)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message["Message-ID"] = f"<{key}@orgmap>"
    message["X-Idempotency-Key"] = key
    message.set_content(body)
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with smtp:
        if settings.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)
