"""opsroom's own SMTP listener, for an MX (or a relay) to deliver inbound mail to. It answers
250 only once the mail is committed with what it caused, so a sender that hears 250 may
forget the mail, and one that hears 451 delivers it again later."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.mailin import service

VIA = "smtp"
log = logging.getLogger("opsroom.mail")


class Intake:
    """The aiosmtpd handler: each message is kept in its own unit of work."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: SmtpSession, envelope: Envelope
    ) -> str:
        raw = _delivered(envelope)
        try:
            outcome = await asyncio.to_thread(self.keep, raw)
        except Exception:
            log.exception("inbound mail from %s not stored", envelope.mail_from)
            return "451 4.3.0 Not stored; try again later"
        return f"250 2.0.0 Stored ({outcome})"

    def keep(self, raw: bytes) -> str:
        with session_scope(self.settings) as session:
            return str(service.receive(session, raw, via=VIA).outcome)


def _delivered(envelope: Envelope) -> bytes:
    """The message as a final delivery keeps it: the envelope sender in Return-Path (empty
    for a bounce, which is how bounces are known)."""
    content = envelope.original_content or b""
    sender = (envelope.mail_from or "").strip("<>")
    return f"Return-Path: <{sender}>\r\n".encode() + content


def listening(settings: Settings, *, host: str, port: int) -> Controller:
    """A started listener; `stop()` it when done."""
    controller = Controller(Intake(settings), hostname=host, port=port)
    controller.start()
    log.info("taking inbound mail by SMTP on %s:%d", host, port)
    return controller
