"""Mail: SMTP when ``SHUZHI_SMTP_URL`` is set, else the outbox table.

Without SMTP (the demo, the tests) every message is kept whole in
``mail_outbox``, and in the demo also written to ``<instance>/outbox/`` as an
.eml file whose path is logged, so a person trying the demo can open the link.
With SMTP only the envelope is kept: no live link waits in the database.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.accounts.models import OutboxMessage
from shuzhi.db import utcnow

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 10


def _settings():  # the app's Config
    return current_app.config["SHUZHI"]


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = _settings().MAIL_FROM
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="shuzhi")
    msg.set_content(body)
    return msg


def _smtp_send(url: str, msg: EmailMessage) -> None:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=SMTP_TIMEOUT, context=context
        )
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 587, timeout=SMTP_TIMEOUT)
    else:
        raise ValueError(f"SHUZHI_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)


def _demo_file(row: OutboxMessage, msg: EmailMessage) -> Path:
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}.eml"
    path.write_bytes(bytes(msg))
    return path


def send_mail(session: Session, to: str, subject: str, body: str) -> OutboxMessage:
    """Send (or keep) one plain-text message; returns its outbox row (flushed)."""
    msg = build_message(to, subject, body)
    url = _settings().SMTP_URL
    row = OutboxMessage(to_addr=to, subject=subject[:200], body="" if url else body, created_at=utcnow())
    session.add(row)
    session.flush()
    if url:
        try:
            _smtp_send(url, msg)
            row.status = "sent"
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            # The page a user sees must not say whether an address exists, so a
            # failure is the operator's to see: logged and kept on the row.
            log.error("mail to %s failed: %s", to, exc)
            row.status, row.error = "failed", str(exc)[:500]
        session.flush()
    elif _settings().DEMO:
        log.info("演示模式：邮件未发出，已保存到 %s (mail kept, not sent)", _demo_file(row, msg))
    return row


def outbox(session: Session, to: str | None = None) -> list[OutboxMessage]:
    """Kept messages, newest first (tests read their mail here)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_addr == to)
    return list(session.scalars(stmt))
